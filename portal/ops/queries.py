"""Figures the portal shows, read from the journal, the dead letters and the audit trail."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, or_, select

from hub.db import Database
from hub.journal import minute_of
from hub.models import AuditEntry, DeadLetter, JournalEntry, JournalMinute, JournalTotal

# Vietnam keeps UTC+7 all year (no daylight saving): the portal shows and reads times in it.
LOCAL_TZ = timezone(timedelta(hours=7), "ICT")
IN_HOPS = ("published",)
OUT_HOPS = ("handled",)
ERROR_HOPS = ("retried", "dead_lettered", "replay_failed")
SERIES_HOPS = IN_HOPS + OUT_HOPS + ERROR_HOPS
REFUSED_TYPE = "axis.receive_failed"
"""An incoming document refused at intake: an error of the exchange, though no consumer failed."""


def aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


RAW_WINDOW = timedelta(minutes=10)  # shorter windows are counted from the journal itself (indexed by time)


@dataclass
class Series:
    """Per-minute counts of messages in, handled and failed over a window."""

    minutes: list[datetime]
    inbound: list[int]
    outbound: list[int]
    errors: list[int]

    def totals(self) -> dict[str, int]:
        return {"in": sum(self.inbound), "out": sum(self.outbound), "errors": sum(self.errors)}


async def minute_series(db: Database, hours: float = 3.0, now: datetime | None = None) -> Series:
    """Messages in (published), out (handled) and errors (retried, dead-lettered, refused at intake) per
    minute, read from the per-minute rollup: the same cost whatever the journal's size."""
    now = now or datetime.now(UTC)
    end = now.replace(second=0, microsecond=0)
    start = end - timedelta(hours=hours)
    m = JournalMinute
    q = (
        select(m.minute, m.hop, m.type, func.sum(m.count))
        .where(m.minute >= minute_of(start), m.hop.in_(SERIES_HOPS))
        .group_by(m.minute, m.hop, m.type)
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    async with db.session() as s:
        for minute, hop, type_, n in (await s.execute(q)).all():
            counts[minute][hop] += int(n)
            if type_ == REFUSED_TYPE and hop == "published":
                counts[minute]["refused"] += int(n)
    minutes = [start + timedelta(minutes=i) for i in range(int(hours * 60) + 1)]
    series = Series(minutes, [], [], [])
    for moment in minutes:
        c = counts.get(minute_of(moment), {})
        series.inbound.append(sum(c.get(h, 0) for h in IN_HOPS))
        series.outbound.append(sum(c.get(h, 0) for h in OUT_HOPS))
        series.errors.append(sum(c.get(h, 0) for h in ERROR_HOPS) + c.get("refused", 0))
    return series


def _recent(since: datetime) -> bool:
    return since >= datetime.now(UTC) - RAW_WINDOW


async def hop_counts_since(db: Database, since: datetime) -> dict[str, int]:
    """Number of journal rows per hop since a moment (to the minute from the rollup for long windows)."""
    if _recent(since):
        q = select(JournalEntry.hop, func.count()).where(JournalEntry.at >= since).group_by(JournalEntry.hop)
    else:
        m = JournalMinute
        q = select(m.hop, func.sum(m.count)).where(m.minute >= minute_of(since)).group_by(m.hop)
    async with db.session() as s:
        return {hop: int(n) for hop, n in (await s.execute(q)).all()}


async def refused_since(db: Database, since: datetime) -> int:
    """Incoming documents refused at intake since a moment (each refusal is published once)."""
    if _recent(since):
        q = select(func.count(func.distinct(JournalEntry.message_id))).where(
            JournalEntry.at >= since, JournalEntry.type == REFUSED_TYPE, JournalEntry.hop == "published"
        )
    else:
        m = JournalMinute
        q = select(func.sum(m.count)).where(
            m.minute >= minute_of(since), m.type == REFUSED_TYPE, m.hop == "published"
        )
    async with db.session() as s:
        return int(await s.scalar(q) or 0)


async def refusals(db: Database, limit: int = 200, message_id: str = "") -> list[JournalEntry]:
    """The journal rows of refused incoming documents (`axis.receive_failed` as published, with its
    payload), newest first, one per refusal."""
    q = select(JournalEntry).where(JournalEntry.type == REFUSED_TYPE, JournalEntry.hop == "published")
    if message_id:
        q = q.where(JournalEntry.message_id == message_id)
    async with db.session() as s:
        rows = list((await s.execute(q.order_by(JournalEntry.seq.desc()).limit(limit * 2))).scalars())
    seen: set[str] = set()
    out = []
    for row in rows:
        if row.message_id not in seen:
            seen.add(row.message_id)
            out.append(row)
    return out[:limit]


def notation_of(key: str) -> str | None:
    """`456/UBND-KT` from what an operator typed (spaces around the slash allowed); None if it is not
    a number and notation."""
    parts = [p.strip() for p in key.strip().split("/")]
    if len(parts) < 2 or not all(parts) or "," in key:
        return None
    return "/".join(parts)


async def issues_by_notation(db: Database, notation: str, limit: int = 20) -> list[str]:
    """Business keys (DocumentIds `{OrganId},{yyyy/MM/dd},{số}/{ký hiệu}`) ending with a number and
    notation, newest first."""
    escaped = notation.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    q = (
        select(JournalEntry.issue, func.max(JournalEntry.seq).label("last"))
        .where(
            or_(
                JournalEntry.issue.ilike(f"%,{escaped}", escape="\\"),
                JournalEntry.issue.ilike(escaped, escape="\\"),
            )
        )
        .group_by(JournalEntry.issue)
        .order_by(func.max(JournalEntry.seq).desc())
        .limit(limit)
    )
    async with db.session() as s:
        return [str(issue) for issue, _ in (await s.execute(q)).all() if issue]


async def dead_letter_depth(db: Database) -> int:
    async with db.session() as s:
        n = await s.scalar(select(func.count()).select_from(DeadLetter).where(DeadLetter.status == "dead"))
    return int(n or 0)


async def top_types(db: Database, since: datetime, limit: int = 8) -> list[dict[str, Any]]:
    """Message types by volume since a moment, with their error counts."""
    m = JournalMinute
    q = (
        select(m.type, m.hop, func.sum(m.count))
        .where(m.minute >= minute_of(since), m.hop.in_(("published", *ERROR_HOPS)))
        .group_by(m.type, m.hop)
    )
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"published": 0, "errors": 0})
    async with db.session() as s:
        for type_, hop, n in (await s.execute(q)).all():
            per[type_]["published" if hop == "published" else "errors"] += int(n)
    rows: list[dict[str, Any]] = [{"type": t, **c} for t, c in per.items()]
    rows.sort(key=lambda r: (-int(r["published"]), -int(r["errors"]), str(r["type"])))
    return rows[:limit]


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of a list (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return round(ordered[rank - 1], 2)


@dataclass
class RouteStats:
    routed: int = 0
    delivered: int = 0
    failed: int = 0
    latency_ms: list[float] = field(default_factory=list)
    handling_ms: list[float] = field(default_factory=list)
    last_at: datetime | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "routed": self.routed,
            "delivered": self.delivered,
            "failed": self.failed,
            "latency_p50": percentile(self.latency_ms, 50),
            "latency_p95": percentile(self.latency_ms, 95),
            "latency_p99": percentile(self.latency_ms, 99),
            "handling_p50": percentile(self.handling_ms, 50),
            "handling_p95": percentile(self.handling_ms, 95),
            "last_at": self.last_at.isoformat() if self.last_at else None,
        }


async def route_stats(db: Database, since: datetime, limit: int = 20000) -> dict[str, RouteStats]:
    """Per route: copies routed, delivered and failed, and routed-to-handled latency percentiles."""
    stats: dict[str, RouteStats] = defaultdict(RouteStats)
    async with db.session() as s:
        routed = (
            await s.execute(
                select(JournalEntry.message_id, JournalEntry.at, JournalEntry.detail)
                .where(JournalEntry.hop == "routed", JournalEntry.at >= since)
                .order_by(JournalEntry.seq.desc())
                .limit(limit)
            )
        ).all()
        by_id: dict[str, tuple[str, datetime]] = {}
        for message_id, at, detail in routed:
            name = str((detail or {}).get("route", "?"))
            by_id[message_id] = (name, aware(at))
            st = stats[name]
            st.routed += 1
            st.last_at = max(st.last_at or aware(at), aware(at))
        ids = list(by_id)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = (
                await s.execute(
                    select(
                        JournalEntry.message_id, JournalEntry.at, JournalEntry.hop, JournalEntry.duration_ms
                    ).where(
                        JournalEntry.message_id.in_(chunk),
                        JournalEntry.hop.in_(("handled", "dead_lettered")),
                    )
                )
            ).all()
            for message_id, at, hop, duration in rows:
                name, routed_at = by_id[message_id]
                st = stats[name]
                if hop == "dead_lettered":
                    st.failed += 1
                    continue
                st.delivered += 1
                st.latency_ms.append(max((aware(at) - routed_at).total_seconds() * 1000, 0.0))
                if duration is not None:
                    st.handling_ms.append(float(duration))
    return stats


@dataclass
class SearchFilter:
    message_id: str = ""
    issue: str = ""
    correlation_id: str = ""
    user_id: str = ""
    type: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def empty(self) -> bool:
        keys = (self.message_id, self.issue, self.correlation_id, self.user_id, self.type)
        return not any(keys) and self.since is None and self.until is None


async def search_messages(db: Database, f: SearchFilter, limit: int = 100) -> list[dict[str, Any]]:
    """Messages whose hops match the filter, newest first, one line per message with its hop path."""
    q = select(JournalEntry)
    if f.message_id:
        q = q.where(JournalEntry.message_id == f.message_id.strip())
    if f.issue:
        q = q.where(JournalEntry.issue == f.issue.strip())
    if f.correlation_id:
        q = q.where(JournalEntry.correlation_id == f.correlation_id.strip())
    if f.user_id:
        q = q.where(JournalEntry.user_id == f.user_id.strip())
    if f.type:
        q = q.where(JournalEntry.type == f.type.strip())
    # SQLite keeps UTC wall time without a zone: compare in UTC on every database
    if f.since:
        q = q.where(JournalEntry.at >= f.since.astimezone(UTC))
    if f.until:
        q = q.where(JournalEntry.at <= f.until.astimezone(UTC))
    async with db.session() as s:
        rows = list((await s.execute(q.order_by(JournalEntry.seq.desc()).limit(limit * 10))).scalars())
    grouped: dict[str, dict[str, Any]] = {}
    for r in reversed(rows):
        g = grouped.get(r.message_id)
        if g is None:
            g = grouped[r.message_id] = {
                "message_id": r.message_id,
                "type": r.type,
                "subject": r.subject,
                "source": r.source,
                "issue": r.issue,
                "correlation_id": r.correlation_id,
                "user_id": r.user_id,
                "first_at": aware(r.at),
                "last_at": aware(r.at),
                "hops": [],
                "errors": 0,
            }
        g["last_at"] = aware(r.at)
        g["hops"].append(r.hop)
        if r.hop in ERROR_HOPS:
            g["errors"] += 1
        g["last_hop"] = r.hop
        g["last_actor"] = r.actor
    out = sorted(grouped.values(), key=lambda g: g["last_at"], reverse=True)[:limit]
    return out


def trace_lane(row: JournalEntry) -> str:
    """Which lane of the timeline a hop belongs to: the bus, a module (consumer) or an external axis."""
    if row.hop in ("routed", "unrouted"):
        return "router"
    return row.actor


def trace_rows(rows: list[JournalEntry]) -> list[dict[str, Any]]:
    """Journal rows of a trace with offsets from the first hop and from the message's previous hop."""
    if not rows:
        return []
    first = aware(rows[0].at)
    last_of: dict[str, datetime] = {}
    out = []
    for r in rows:
        at = aware(r.at)
        prev = last_of.get(r.message_id) or last_of.get(r.causation_id or "")
        out.append(
            {
                "seq": r.seq,
                "at": at,
                "offset_ms": round((at - first).total_seconds() * 1000, 2),
                "since_prev_ms": round((at - prev).total_seconds() * 1000, 2) if prev else None,
                "message_id": r.message_id,
                "type": r.type,
                "subject": r.subject,
                "source": r.source,
                "issue": r.issue,
                "correlation_id": r.correlation_id,
                "causation_id": r.causation_id,
                "user_id": r.user_id,
                "hop": r.hop,
                "actor": r.actor,
                "outcome": r.outcome,
                "delivery": r.delivery,
                "duration_ms": round(r.duration_ms, 2) if r.duration_ms is not None else None,
                "detail": r.detail or {},
                "lane": trace_lane(r),
            }
        )
        last_of[r.message_id] = at
    return out


async def journal_counts(db: Database) -> list[tuple[str, str, str, int]]:
    """(type, hop, outcome, count) over the whole journal, for /metrics (kept as totals)."""
    t = JournalTotal
    q = select(t.type, t.hop, t.outcome, t.count)
    async with db.session() as s:
        return [(t, h, o, int(n)) for t, h, o, n in (await s.execute(q)).all()]


async def dead_letter_counts(db: Database) -> dict[tuple[str, str], int]:
    """(consumer, status) -> count, for /metrics."""
    q = select(DeadLetter.consumer, DeadLetter.status, func.count()).group_by(
        DeadLetter.consumer, DeadLetter.status
    )
    async with db.session() as s:
        return {(c, st): int(n) for c, st, n in (await s.execute(q)).all()}


async def record_audit(db: Database, actor: str, action: str, target: str, **detail: Any) -> None:
    """Write who did what in the portal."""
    async with db.session() as s:
        s.add(AuditEntry(at=datetime.now(UTC), actor=actor, action=action, target=target, detail=detail))


async def list_audit(
    db: Database, actor: str = "", action: str = "", target: str = "", limit: int = 200
) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    if action:
        q = q.where(AuditEntry.action.startswith(action))
    if target:
        q = q.where(AuditEntry.target == target)
    async with db.session() as s:
        return list((await s.execute(q)).scalars())
