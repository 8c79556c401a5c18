"""What the pages and the JSON API share: overview, routes, search, trace, dead letters, users."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import select

from hub import dlq
from hub.adapter_health import read_all
from hub.auth import accounts_waiting, forgive_account, hash_password
from hub.journal import trace
from hub.models import DeadLetter
from hub.orgchart import ADMIN, ROLES, User
from hub.runtime import Hub
from hub.topology import describe
from portal.ops import queries
from portal.ops.payloads import find_message
from schemas.envelope import ClaimCheck

CHART_HOURS = 3.0
ACK_PENDING_ALERT = 0.8


def consumer_lag(streams: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consumers with pending work, ack pending near its limit, or redeliveries; worst first."""
    rows = []
    for st in streams:
        for c in st.get("consumers", []):
            limit = c.get("max_ack_pending") or 0
            ratio = (c["ack_pending"] / limit) if limit and limit > 0 else 0.0
            behind = c["pending"] > 0 or ratio >= ACK_PENDING_ALERT or c["redelivered"] > 0
            rows.append(
                {
                    **c,
                    "stream": st["stream"],
                    "ack_ratio": round(ratio, 3),
                    "alert": ratio >= ACK_PENDING_ALERT,
                    "behind": behind,
                }
            )
    rows.sort(key=lambda r: (not r["behind"], -r["pending"], -r["ack_ratio"], r["name"]))
    return rows


async def overview(hub: Hub, hours: float = CHART_HOURS) -> dict[str, Any]:
    """Figures of the overview page."""
    now = datetime.now(UTC)
    series = await queries.minute_series(hub.db, hours, now)
    last_minute = await queries.hop_counts_since(hub.db, now - timedelta(minutes=1))
    window = series.totals()
    processed = window["out"] + window["errors"]
    streams: list[dict[str, Any]] = []
    if hub.js is not None:
        streams = await describe(hub.js)
    adapters = [a.summary() for a in await read_all(hub)]
    consumers = consumer_lag(streams)
    return {
        "at": now.isoformat(),
        "hours": hours,
        "in_per_minute": last_minute.get("published", 0),
        "out_per_minute": last_minute.get("handled", 0),
        "errors_last_minute": last_minute.get("retried", 0)
        + last_minute.get("dead_lettered", 0)
        + await queries.refused_since(hub.db, now - timedelta(minutes=1)),
        "refused": await queries.refused_since(hub.db, now - timedelta(hours=hours)),
        "window": window,
        "error_rate": round(window["errors"] / processed, 4) if processed else 0.0,
        "dead_letters": await queries.dead_letter_depth(hub.db),
        "consumers": consumers,
        "behind": [c for c in consumers if c["behind"]],
        "streams": [
            {k: v for k, v in st.items() if k != "consumers"} for st in streams if not st.get("missing")
        ],
        "adapters": adapters,
        "top_types": await queries.top_types(hub.db, now - timedelta(hours=hours)),
        "series": {
            "minutes": [m.isoformat() for m in series.minutes],
            "in": series.inbound,
            "out": series.outbound,
            "errors": series.errors,
        },
        "_series": series,
    }


async def routes(hub: Hub, hours: float = 24.0) -> dict[str, Any]:
    """The routing table with per-route counts and latency percentiles over a window."""
    since = datetime.now(UTC) - timedelta(hours=hours)
    stats = await queries.route_stats(hub.db, since)
    rows: list[dict[str, Any]] = []
    for r in hub.routing.routes:
        rows.append(
            {
                "name": r.name,
                "from": r.from_,
                "when": [{"field": p.field, "op": p.op, "value": p.value} for p in r.when],
                "to": r.to,
                "description": r.description,
                "stats": stats[r.name].summary() if r.name in stats else queries.RouteStats().summary(),
            }
        )
    hops = await queries.hop_counts_since(hub.db, since)
    return {
        "source": hub.routing.source,
        "hours": hours,
        "routes": rows,
        "unrouted": hops.get("unrouted", 0),
        "events_routed": sum(r["stats"]["routed"] for r in rows),
    }


def parse_moment(value: str | None) -> datetime | None:
    """An ISO date or date-time from a form (without a zone it is Hanoi time, UTC+7); None when blank."""
    if not value or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a date-time (expected e.g. 2026-11-28T05:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=queries.LOCAL_TZ)


async def search(hub: Hub, f: queries.SearchFilter, limit: int = 100) -> list[dict[str, Any]]:
    await hub.journal.flush()
    return await queries.search_messages(hub.db, f, limit)


async def trace_of(hub: Hub, key: str) -> list[dict[str, Any]]:
    """The timeline of a message id, a correlation id, a business key or a number and notation."""
    rows, _ = await find_trace(hub, key)
    return rows


async def find_trace(hub: Hub, key: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The timeline of a key, and the documents it was found by when the key is a number and notation
    (`456/UBND-KT`: every DocumentId `{OrganId},{date},456/UBND-KT` in the journal)."""
    await hub.journal.flush()
    key = key.strip()
    found = await trace(hub.db, key)
    notation = queries.notation_of(key)
    if found or notation is None:
        return queries.trace_rows(found), []
    issues = await queries.issues_by_notation(hub.db, notation)
    merged: dict[int, Any] = {}
    for issue in issues:
        for row in await trace(hub.db, issue):
            merged.setdefault(row.seq, row)
    rows = sorted(merged.values(), key=lambda r: (queries.aware(r.at), r.seq))
    return queries.trace_rows(rows), issues


def _refusal_view(row: Any, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": row.message_id,
        "at": queries.aware(row.at),
        "issue": row.issue,
        "axis": payload.get("axis"),
        "axis_doc_id": payload.get("axis_doc_id"),
        "message_type": payload.get("message_type"),
        "from_code": payload.get("from_code"),
        "document_id": payload.get("document_id"),
        "code": payload.get("code"),
        "subject": payload.get("subject"),
        "kind": payload.get("kind"),
        "field": payload.get("field"),
        "reason": payload.get("reason", ""),
        "told": payload.get("told"),
        "answer": payload.get("answer"),
        "rejection_sent": bool(payload.get("rejection_sent")),
        "file": payload.get("edxml"),
        "answer_file": payload.get("answer_edxml"),
    }


async def refusals(hub: Hub, limit: int = 200) -> list[dict[str, Any]]:
    """Every refused incoming document, newest first: who sent it, what it is, why it was refused (the
    technical reason and what the sender was told), the 02 answer, and its files.

    Read from the journal (the intake keeps the event's payload there), so it works under the portal's
    read-only NATS user; a row without one falls back to the event on the stream."""
    await hub.journal.flush()
    views = []
    for row in await queries.refusals(hub.db, limit):
        payload = (row.detail or {}).get("payload")
        if not isinstance(payload, dict):
            found = await find_message(hub, row.message_id)
            message = (found or {}).get("message")
            payload = message.get("payload") if isinstance(message, dict) else None
        views.append(_refusal_view(row, payload if isinstance(payload, dict) else {}))
    return views


async def refusal(hub: Hub, message_id: str) -> dict[str, Any] | None:
    """One refusal by its event's message id."""
    await hub.journal.flush()
    rows = await queries.refusals(hub.db, 1, message_id=message_id.strip())
    if not rows:
        return None
    payload = (rows[0].detail or {}).get("payload")
    return _refusal_view(rows[0], payload if isinstance(payload, dict) else {})


async def refusal_file(hub: Hub, message_id: str, which: str, actor: str, folder: Path) -> Path | None:
    """The refused edXML (`file`) or the 02 we answered (`answer`), copied into `folder`; audited."""
    view = await refusal(hub, message_id)
    stored = view.get("file" if which == "file" else "answer_file") if view else None
    await queries.record_audit(
        hub.db, actor, f"refusal.download_{which}", f"message:{message_id}", found=bool(stored)
    )
    if not isinstance(stored, dict):
        return None
    claim = ClaimCheck.model_validate(stored)
    target = folder / f"{which}.edxml"
    return await hub.claims.get_to_file(claim, target)


async def dead_letters_of(hub: Hub, message_ids: list[str]) -> list[dict[str, Any]]:
    """The dead letters of some messages, so a trace leads to the replay."""
    if not message_ids:
        return []
    async with hub.db.session() as s:
        rows = (
            await s.execute(
                select(DeadLetter).where(DeadLetter.message_id.in_(message_ids[:500])).order_by(DeadLetter.id)
            )
        ).scalars()
        return [dlq.dead_letter_dict(r) for r in rows]


async def message_payload(hub: Hub, message_id: str, actor: str) -> dict[str, Any] | None:
    """The stored message; looking is audited."""
    found = await find_message(hub, message_id.strip())
    await queries.record_audit(
        hub.db, actor, "message.view_payload", f"message:{message_id}", found=found is not None
    )
    return found


async def dead_letter_detail(hub: Hub, dead_id: int, actor: str) -> dict[str, Any]:
    """A dead letter with its message; looking at the payload is audited."""
    row = await dlq.get_dead(hub, dead_id)
    await queries.record_audit(hub.db, actor, "dlq.view", f"dead_letter:{dead_id}", message_id=row.message_id)
    detail = dlq.dead_letter_dict(row, with_data=True)
    message = detail.get("message")
    payload = message.get("payload") if isinstance(message, dict) else None
    detail["payload_json"] = json.dumps(payload, ensure_ascii=False, indent=2) if payload is not None else ""
    detail["headers"] = row.headers
    return detail


class ReplayError(ValueError):
    """An edited payload that does not fit the message's schema; the text names the fields."""


def parse_edited(text: str | None) -> dict[str, Any] | None:
    """The edited payload from a form's JSON text (None when left blank)."""
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ReplayError(f"JSON không hợp lệ (invalid JSON): {exc}") from None
    if not isinstance(value, dict):
        raise ReplayError("Nội dung phải là một đối tượng JSON (the payload must be a JSON object)")
    return value


async def replay(hub: Hub, dead_id: int, actor: str, edited: dict[str, Any] | None) -> dict[str, Any]:
    """Replay a dead letter, edited or not; an edit is validated against the type's schema."""
    try:
        row = await dlq.replay(hub, dead_id, actor, edited_payload=edited)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<gốc>'}: {e['msg']}" for e in exc.errors()[:20]
        )
        raise ReplayError(f"Không khớp lược đồ {exc.title}: {problems}") from None
    return dlq.dead_letter_dict(row)


async def discard(hub: Hub, dead_id: int, actor: str, note: str) -> dict[str, Any]:
    row = await dlq.discard(hub, dead_id, actor, note)
    return dlq.dead_letter_dict(row)


def check_roles(roles: list[str]) -> list[str]:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown roles {unknown}; known: {', '.join(ROLES)}")
    return sorted(set(roles))


class UserIn(BaseModel):
    """A new ops or staff account."""

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,39}$")
    full_name: str = Field(min_length=2, max_length=120)
    password: str = Field(min_length=10, max_length=200)
    roles: list[str] = Field(default_factory=list)
    position: str = ""
    unit_id: str | None = None

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        return check_roles(v)


class UserPatch(BaseModel):
    roles: list[str] | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else check_roles(v)


class UserView(BaseModel):
    """An account as the users page and `GET /api/ops/users` show it."""

    id: str
    username: str
    full_name: str
    position: str
    unit_id: str | None
    roles: list[str]
    active: bool
    locked_until: str | None


def user_view(u: User, waits: dict[str, datetime] | None = None) -> UserView:
    """An account; `waits`: the accounts the login throttle holds back, and until when."""
    until = (waits or {}).get(u.username)
    return UserView(
        id=u.id,
        username=u.username,
        full_name=u.full_name,
        position=u.position,
        unit_id=u.unit_id,
        roles=list(u.roles),
        active=u.active,
        locked_until=until.isoformat() if until else None,
    )


async def list_users(hub: Hub) -> list[UserView]:
    async with hub.db.session() as s:
        users = list((await s.execute(select(User).order_by(User.username))).scalars())
    waits = await accounts_waiting(hub.db, [u.username for u in users])
    return [user_view(u, waits) for u in users]


class UserError(ValueError):
    """The account cannot be created or changed as asked."""


async def _request(hub: Hub, user_id: str, unit_id: str | None, roles: list[str], actor: str) -> None:
    """Ask for a change of rights (portal/ops/orgchart.py); its refusal is the account form's error."""
    from portal.ops.orgchart import OrgError, request_access

    try:
        await request_access(hub, user_id, unit_id, roles, actor)
    except OrgError as exc:
        raise UserError(str(exc)) from exc


async def create_user(hub: Hub, data: UserIn, actor: str, *, four_eyes: bool = True) -> UserView:
    """Create an account; its roles and unit wait for a second administrator (Decree 30 App. VI
    I.III.3.c) unless `four_eyes` is off (the trusted set-up of a fresh office, tests)."""
    asked_roles, asked_unit = data.roles, data.unit_id or None
    if four_eyes and (asked_roles or asked_unit):
        data = data.model_copy(update={"roles": [], "unit_id": None})
    async with hub.db.session() as s:
        if (await s.execute(select(User).where(User.username == data.username))).scalar_one_or_none():
            raise UserError(f"Tên đăng nhập '{data.username}' đã tồn tại (username already taken)")
        user = User(
            id=data.username,
            username=data.username,
            full_name=data.full_name,
            position=data.position,
            unit_id=data.unit_id or None,
            roles=data.roles,
            password_hash=hash_password(data.password),
            active=True,
            preferences={},
        )
        s.add(user)
    await queries.record_audit(hub.db, actor, "user.create", f"user:{data.username}", roles=data.roles)
    if four_eyes and (asked_roles or asked_unit):
        await _request(hub, data.username, asked_unit, asked_roles, actor)
    return user_view(user)


async def update_user(hub: Hub, user_id: str, patch: UserPatch, actor: str) -> UserView:
    async with hub.db.session() as s:
        user = await s.get(User, user_id)
        if user is None:
            raise UserError(f"Không có người dùng '{user_id}' (no such user)")
        if user.username == actor and (
            (patch.roles is not None and ADMIN not in patch.roles) or patch.active is False
        ):
            raise UserError(
                "Không thể tự bỏ quyền quản trị hoặc tự khóa tài khoản của mình "
                "(an administrator cannot demote or deactivate themself)"
            )
        before = {"roles": list(user.roles), "active": user.active}
        asked = patch.roles if patch.roles is not None and sorted(patch.roles) != sorted(user.roles) else None
        unit = user.unit_id
        if patch.active is not None:
            user.active = patch.active
        if patch.password:
            user.password_hash = hash_password(patch.password)
        after = {"roles": list(user.roles), "active": user.active, "password_reset": bool(patch.password)}
    if patch.password:  # a new password: its owner may try it at once
        await forgive_account(hub.db, user.username)
    await queries.record_audit(hub.db, actor, "user.update", f"user:{user_id}", before=before, after=after)
    if asked is not None:  # a change of rights waits for a second administrator
        await _request(hub, user_id, unit, asked, actor)
    return user_view(user)
