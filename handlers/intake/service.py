"""What the desk, the handling units and the bus ask of the intake module: the entry point of its logic.

The API and the consumers call these functions; the rules themselves (codes, transitions, Mẫu 04) are
in `lifecycle.py`, the printed forms in `forms.py`, the daily watch in `deadline_watch.py`. Refusals
are `hub.errors` domain errors (Vietnamese); nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.intake import access, forms
from handlers.intake.lifecycle import (
    ACTION_LABELS,
    IN_PROGRESS,
    apply,
    check_apology,
    check_supplement,
    find,
    find_code,
    find_external,
    issue_apology,
    receive,
    status_of,
    vn,
)
from handlers.intake.models import Apology, Dossier, DossierStep
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.offload import in_worker
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD, Unit, User
from kit.workcal import default_calendar
from schemas.envelope import ClaimCheck
from schemas.intake import Applicant, DossierFile

if TYPE_CHECKING:
    from hub.runtime import Hub, Work
    from schemas.intake import OnestopDossierEvent
    from schemas.tasks import TaskCompleted

log = structlog.get_logger(__name__)
VN = ZoneInfo("Asia/Ho_Chi_Minh")

DESK_ACTIONS = frozenset(
    {"received", "supplement_requested", "refused", "accepted", "transferred", "result_returned"}
)
UNIT_ACTIONS = frozenset({"result_ready", "refused"})
PDF = "application/pdf"


class Actor(Protocol):
    """Who acts (a `hub.auth.Principal` is one): their id, unit and roles."""

    @property
    def id(self) -> str: ...

    @property
    def unit_id(self) -> str | None: ...

    def has(self, *roles: str) -> bool: ...


@dataclass(frozen=True)
class DossierFilter:
    """Which dossiers a list shows: by status, handling unit, procedure, words (code or applicant),
    the ones at risk (due within one working day) or overdue, received in a period."""

    status: str | None = None
    unit_id: str | None = None
    at_risk: bool = False
    overdue: bool = False
    procedure_code: str | None = None
    q: str | None = None
    received_from: date | None = None
    received_to: date | None = None


# -- the counter ---------------------------------------------------------------------------------


async def store_file(hub: Hub, name: str, data: bytes, media_type: str | None) -> DossierFile:
    """Store one scanned document in the Object Store; the dossier refers to it by claim check."""
    if not data:
        raise Invalid("Tệp rỗng")
    media = media_type or "application/octet-stream"
    claim = await hub.claims.put(data, media_type=media)
    return DossierFile(name=name, claim=claim, content_type=media)


async def receive_at_desk(
    tx: Work,
    *,
    procedure_code: str,
    applicant: Applicant,
    channel: str,
    documents: list[DossierFile],
    note: str,
    accept: bool,
    when: datetime,
    by: str,
) -> Dossier:
    """Receive a dossier at the counter: its code now, the appointment too when it is accepted at once."""
    d = await receive(
        tx,
        agency_code=tx.hub.settings.agency_code,
        procedure_code=procedure_code,
        applicant=applicant,
        channel=channel,
        documents=documents,
        when=when,
        by=by,
        note=note,
    )
    if accept:
        await apply(tx, d, "accepted", when=when, by=by)
    return d


def check_may_act(actor: Actor, action: str) -> None:
    """The desk (clerks) and the handling units (heads, officers, leaders) each have their own steps."""
    allowed = (DESK_ACTIONS if actor.has(CLERK) else frozenset()) | (
        UNIT_ACTIONS if actor.has(UNIT_HEAD, OFFICER, LEADER) else frozenset()
    )
    if action not in allowed:
        raise Forbidden(f"Tài khoản không được thực hiện thao tác '{ACTION_LABELS.get(action, action)}'")


async def act(
    tx: Work,
    code: str,
    action: str,
    actor: Actor,
    *,
    when: datetime,
    note: str = "",
    unit_id: str | None = None,
    documents: list[DossierFile] | None = None,
    items: list[str] | None = None,
) -> Dossier:
    """Record one step of a dossier (supplement_requested, refused, accepted, transferred, ...).

    A supplement is asked for once, every item at once; a refusal says why (Mẫu 02, Mẫu 03)."""
    check_may_act(actor, action)
    d = await access.find_for(tx.session, code, actor)
    if not (actor.has(CLERK) and action in DESK_ACTIONS):
        access.require_handling_unit(actor, d, f"ghi bước '{ACTION_LABELS.get(action, action)}'")
    if unit_id is not None and await tx.session.get(Unit, unit_id) is None:
        raise Invalid(f"Không có đơn vị {unit_id!r}", field="unit_id")
    wanted = [i.strip() for i in (items or []) if i.strip()]
    if action == "supplement_requested":
        check_supplement(d, wanted)
    if action == "refused" and not note.strip():
        raise Invalid("Cần ghi lý do từ chối (in trên Phiếu từ chối, Mẫu 03)", field="note")
    return await apply(
        tx, d, action, when=when, by=actor.id, note=note, unit_id=unit_id, documents=documents, items=wanted
    )


# -- reading -------------------------------------------------------------------------------------


def _filtered(q: Select[Dossier], where: DossierFilter, today: date) -> Select[Dossier]:
    for column, value in (
        (Dossier.status, where.status),
        (Dossier.unit_id, where.unit_id),
        (Dossier.procedure_code, where.procedure_code),
    ):
        if value:
            q = q.where(column == value)
    if where.at_risk:
        horizon = default_calendar().add_working_days(today, 1)
        q = q.where(Dossier.status.in_(IN_PROGRESS), Dossier.due_date <= horizon)
    if where.overdue:
        q = q.where(Dossier.status.in_(IN_PROGRESS), Dossier.due_date < today)
    if where.q:
        words = f"%{where.q.strip()}%"
        q = q.where(Dossier.code.ilike(words) | Dossier.applicant_name.ilike(words))
    if where.received_from:
        q = q.where(Dossier.received_on >= where.received_from)
    if where.received_to:
        q = q.where(Dossier.received_on <= where.received_to)
    return q


async def list_dossiers(
    session: AsyncSession, where: DossierFilter, today: date, *, actor: Actor, limit: int, offset: int
) -> tuple[list[Dossier], int]:
    """One page of the dossiers this person may read, newest first, and how many match in all."""
    matching = _filtered(select(Dossier), where, today)
    visible = access.readable(actor)
    if visible is not None:
        matching = matching.where(visible)
    total = (await session.execute(select(func.count()).select_from(matching.subquery()))).scalar_one()
    page = matching.order_by(Dossier.received_at.desc(), Dossier.code.desc()).offset(offset).limit(limit)
    return list((await session.execute(page)).scalars()), int(total)


async def dossier_with_steps(
    session: AsyncSession, code: str, actor: Actor
) -> tuple[Dossier, list[DossierStep]]:
    """A dossier this person may read and its steps in order (Mẫu 05); 404 otherwise."""
    d = await access.find_for(session, code, actor)
    q = select(DossierStep).where(DossierStep.dossier_id == d.id).order_by(DossierStep.id)
    return d, list((await session.execute(q)).scalars())


async def lookup(session: AsyncSession, code: str) -> Dossier:
    """The dossier a citizen looks up by its code (the caller shows status and dates only)."""
    return await find(session, code.strip())


# -- printed forms -------------------------------------------------------------------------------


async def receipt_pdf(hub: Hub, code: str, actor: Actor) -> bytes:
    """Mẫu 01: the receipt and appointment slip of an accepted dossier."""
    async with hub.db.session() as s:
        d = await access.find_for(s, code, actor)
    if d.original_due_date is None:
        raise Conflict(f"Hồ sơ {code} chưa được tiếp nhận giải quyết")
    return forms.render_receipt(
        forms.ReceiptForm(
            agency_name=hub.settings.agency_name,
            code=d.code,
            applicant_name=d.applicant_name,
            applicant_address=d.applicant_address or "",
            applicant_phone=d.applicant_phone or "",
            procedure_name=d.procedure_name,
            documents=[str(f.get("name", "")) for f in d.documents],
            received_on=d.received_on,
            due_date=d.original_due_date,
        )
    )


async def dossier_file(hub: Hub, code: str, index: int, actor: Actor) -> tuple[str, str, bytes]:
    """One document of the dossier: its name, media type and bytes."""
    async with hub.db.session() as s:
        d = await access.find_for(s, code, actor)
    if not 0 <= index < len(d.documents) or not d.documents[index].get("claim"):
        raise NotFound(f"Hồ sơ {code} không có tài liệu này")
    f = d.documents[index]
    data = await hub.claims.get(ClaimCheck.model_validate(f["claim"]))
    return str(f.get("name") or "tai-lieu"), str(f.get("content_type") or "application/octet-stream"), data


async def supplement_pdf(hub: Hub, code: str, actor: Actor) -> bytes:
    """Mẫu 02: what the applicant was asked to add, every item at once."""
    async with hub.db.session() as s:
        d = await access.find_for(s, code, actor)
    if d.supplement_requested_on is None:
        raise NotFound(f"Hồ sơ {code} chưa có yêu cầu bổ sung")
    return forms.render_supplement(
        forms.SupplementForm(
            agency_name=hub.settings.agency_name,
            code=d.code,
            applicant_name=d.applicant_name,
            procedure_name=d.procedure_name,
            received_on=d.received_on,
            items=list(d.supplement_items),
            requested_on=d.supplement_requested_on,
        )
    )


async def refusal_pdf(hub: Hub, code: str, actor: Actor) -> bytes:
    """Mẫu 03: the refusal and its reason (the note of the refusal step)."""
    async with hub.db.session() as s:
        d, steps = await dossier_with_steps(s, code, actor)
    refused = [x for x in steps if x.action == "refused"]
    if d.status != "refused" or not refused:
        raise NotFound(f"Hồ sơ {code} không bị từ chối")
    return forms.render_refusal(
        forms.RefusalForm(
            agency_name=hub.settings.agency_name,
            code=d.code,
            applicant_name=d.applicant_name,
            procedure_name=d.procedure_name,
            received_on=d.received_on,
            reason=refused[-1].note or "(không ghi)",
            refused_on=refused[-1].at.date(),
        )
    )


def _local(at: datetime) -> datetime:
    """A stored time in Hanoi (SQLite gives back the wall time it was written, PostgreSQL an aware one)."""
    return at.astimezone(VN) if at.tzinfo else at


async def _names(session: AsyncSession) -> tuple[dict[str, str], dict[str, str]]:
    """Staff and unit names, for the printed forms (never raw ids)."""
    users = {u.id: u.full_name for u in (await session.execute(select(User))).scalars()}
    units = {u.id: u.name for u in (await session.execute(select(Unit))).scalars()}
    return users, units


async def control_pdf(hub: Hub, code: str, actor: Actor) -> bytes:
    """Mẫu 05: every step of the dossier, when and by whom."""
    async with hub.db.session() as s:
        d, steps = await dossier_with_steps(s, code, actor)
        users, units = await _names(s)
    rows = [
        forms.ControlRow(
            action=ACTION_LABELS.get(x.action, x.action)
            + (f" ({units.get(d.unit_id or '', '')})" if x.action == "transferred" and d.unit_id else ""),
            at=_local(x.at).strftime("%d/%m/%Y %H:%M"),
            by=users.get(x.by or "", "Hệ thống một cửa" if x.by is None else x.by),
            note=x.note,
        )
        for x in steps
    ]
    return forms.render_control(
        forms.ControlForm(
            agency_name=hub.settings.agency_name,
            code=d.code,
            applicant_name=d.applicant_name,
            procedure_name=d.procedure_name,
            received_on=d.received_on,
            due_date=d.due_date,
            rows=rows,
        )
    )


async def register_pdf(hub: Hub, start: date, end: date, actor: Actor) -> bytes:
    """Mẫu 06: the register of the dossiers received in the period that this person may read, in the
    order received (a unit's register holds its own dossiers only)."""
    if end < start:
        raise Invalid("Ngày kết thúc trước ngày bắt đầu", field="to")
    async with hub.db.session() as s:
        q = (
            select(Dossier)
            .where(Dossier.received_on >= start, Dossier.received_on <= end)
            .order_by(Dossier.received_at, Dossier.code)
        )
        visible = access.readable(actor)
        if visible is not None:
            q = q.where(visible)
        dossiers = list((await s.execute(q)).scalars())
        steps = await _first_steps(s, [d.id for d in dossiers])
        _, units = await _names(s)
    rows = [_register_row(d, steps.get(d.id, {}), units) for d in dossiers]
    # Mẫu 06 over months is thousands of rows of fpdf layout: in the render worker process.
    return await in_worker(forms.render_register, hub.settings.agency_name, start, end, rows)


async def _first_steps(session: AsyncSession, ids: list[str]) -> dict[str, dict[str, date]]:
    """For each dossier, the first day of each action (transferred, supplement_requested, ...)."""
    found: dict[str, dict[str, date]] = {}
    for start in range(0, len(ids), 500):
        q = (
            select(DossierStep)
            .where(DossierStep.dossier_id.in_(ids[start : start + 500]))
            .order_by(DossierStep.id)
        )
        for x in (await session.execute(q)).scalars():
            found.setdefault(x.dossier_id, {}).setdefault(x.action, x.at.date())
    return found


def _register_row(d: Dossier, first: dict[str, date], units: dict[str, str]) -> forms.RegisterRow:
    result = d.result_ready_on or first.get("supplement_requested")
    note = {"refused": "Từ chối", "supplement_requested": "Chờ bổ sung"}.get(d.status, "")
    if d.original_due_date and d.due_date != d.original_due_date:
        note = (note + "; " if note else "") + f"Hẹn lại {vn(d.due_date)}"
    return forms.RegisterRow(
        code=d.code,
        procedure_name=d.procedure_name,
        applicant=d.applicant_name,
        contact=", ".join(p for p in (d.applicant_address, d.applicant_phone) if p),
        unit=units.get(d.unit_id or "", ""),
        received_on=vn(d.received_on),
        due_date=vn(d.original_due_date),
        transferred_on=vn(first.get("transferred")),
        result_on=vn(result),
        returned_on=vn(d.returned_on),
        note=note,
    )


async def apology_pdf(hub: Hub, code: str, actor: Actor) -> bytes:
    """The issued Mẫu 04."""
    async with hub.db.session() as s:
        d = await access.find_for(s, code, actor)
        a = (await s.execute(select(Apology).where(Apology.dossier_id == d.id))).scalar_one_or_none()
    if a is None:
        raise NotFound(f"Hồ sơ {code} chưa có phiếu xin lỗi")
    return await hub.claims.get(ClaimCheck.model_validate(a.form))


async def apologise(
    hub: Hub, code: str, actor: Actor, *, reason: str, new_due_date: date, when: datetime
) -> tuple[Dossier, ClaimCheck]:
    """Issue Mẫu 04 (apology, new appointment): render it, store it, record it and tell the applicant."""
    today = when.date()
    async with hub.db.session() as s:
        d = await access.find_for(s, code, actor)
        check_apology(d, new_due_date, today)
        access.require_handling_unit(actor, d, "lập phiếu xin lỗi")
        unit = await s.get(Unit, d.unit_id) if d.unit_id else None
    form = forms.ApologyForm(
        agency_name=hub.settings.agency_name,
        unit_name=unit.name if unit else hub.settings.agency_name,
        code=d.code,
        applicant_name=d.applicant_name,
        procedure_name=d.procedure_name,
        received_on=d.received_on,
        old_due_date=d.due_date or today,
        new_due_date=new_due_date,
        reason=reason,
        issued_on=today,
    )
    claim = await hub.claims.put(forms.render_apology(form), media_type=PDF)
    async with hub.transaction(source="intake", user_id=actor.id) as tx:
        d = await find(tx.session, code)
        await issue_apology(
            tx,
            d,
            reason=reason,
            new_due_date=new_due_date,
            when=when,
            by=actor.id,
            form=claim.model_dump(mode="json"),
        )
    return d, claim


# -- the bus -------------------------------------------------------------------------------------


async def apply_onestop_event(work: Work, ev: OnestopDossierEvent, now: datetime) -> None:
    """Apply a one-stop system event: a new dossier, or a step of one the hub already holds."""
    when = (ev.occurred_at or now).astimezone(now.tzinfo)
    dossier = await find_external(work.session, ev.external_id)
    if dossier is None and ev.code:
        dossier = await find_code(work.session, ev.code)
    if dossier is None:
        await _receive_from_onestop(work, ev, when)
        return
    if dossier.status == status_of(ev.action) and ev.action != "received":
        log.info("intake.event_already_applied", code=dossier.code, action=ev.action)
        return
    if ev.action == "received" and dossier.status != "supplement_requested":
        log.info("intake.duplicate_receipt", code=dossier.code)
        return
    await apply(
        work,
        dossier,
        ev.action,
        when=when,
        by=None,
        note=ev.note,
        unit_id=ev.unit_id,
        documents=ev.documents,
    )


async def _receive_from_onestop(work: Work, ev: OnestopDossierEvent, when: datetime) -> None:
    if ev.action != "received" or ev.applicant is None or ev.procedure_code is None:
        raise Invalid(
            f"Sự kiện một cửa {ev.action!r} cho hồ sơ chưa có trong hệ thống {ev.external_id!r} "
            "(hồ sơ mới cần thao tác 'received' kèm applicant và procedure_code)"
        )
    await receive(
        work,
        agency_code=work.hub.settings.agency_code,
        procedure_code=ev.procedure_code,
        applicant=ev.applicant,
        channel=ev.channel,
        documents=ev.documents,
        when=when,
        by=None,
        external_id=ev.external_id,
        note=ev.note,
    )


async def take_task_result(work: Work, done: TaskCompleted, when: datetime) -> None:
    """A unit finished the task of a transferred dossier: its result is ready (other tasks are ignored)."""
    if done.source != "intake" or not done.external_ref:
        return
    dossier = await find_code(work.session, done.external_ref)
    if dossier is None or dossier.status != "transferred":
        return
    await apply(work, dossier, "result_ready", when=when, by=done.officer_id, note="Hoàn thành nhiệm vụ")
