"""Daily watch over appointments: warn units of dossiers due tomorrow, flag the overdue ones."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, TypedDict

from sqlalchemy import select

from handlers.intake.lifecycle import IN_PROGRESS, facts, vn
from handlers.intake.models import Apology, Dossier
from hub.orgchart import CLERK, UNIT_HEAD, User
from kit.workcal import default_calendar

if TYPE_CHECKING:
    from hub.runtime import Hub, Work


class ScanCounts(TypedDict):
    """How many dossiers one scan warned about (at risk) and flagged (overdue)."""

    at_risk: int
    overdue: int


async def scan(hub: Hub, today: date) -> ScanCounts:
    """Warn (once) the unit head of dossiers due within one working day; flag (once) the overdue ones."""
    horizon = default_calendar().add_working_days(today, 1)
    counts = ScanCounts(at_risk=0, overdue=0)
    async with hub.transaction(source="intake") as tx:
        q = select(Dossier).where(Dossier.status.in_(IN_PROGRESS), Dossier.due_date <= horizon)
        for d in (await tx.session.execute(q)).scalars():
            assert d.due_date is not None
            if d.due_date < today:
                counts["overdue"] += await _flag_overdue(tx, d, today)
            else:
                counts["at_risk"] += await _warn_at_risk(tx, d, today)
    return counts


async def _flag_overdue(tx: Work, d: Dossier, today: date) -> int:
    """Flag a dossier past its appointment, once: the unit head and the clerks are told."""
    if d.overdue_on is not None:
        return 0
    d.overdue_on = today
    await tx.emit("intake.dossier_overdue", facts(d), issue=d.code)
    recipients = await _staff(tx, d.unit_id, UNIT_HEAD) + await _staff(tx, None, CLERK)
    await _notify(tx, d, recipients, f"Hồ sơ {d.code} đã quá hạn trả kết quả", "khan", "overdue")
    return 1


async def _warn_at_risk(tx: Work, d: Dossier, today: date) -> int:
    """Warn the unit head, once, of a dossier due within one working day and not yet rescheduled."""
    apologised = (await tx.session.execute(select(Apology.id).where(Apology.dossier_id == d.id))).first()
    if d.warned_on is not None or apologised or d.due_date is None or d.due_date <= today:
        return 0
    d.warned_on = today
    await tx.emit("intake.dossier_at_risk", facts(d), issue=d.code)
    await _notify(
        tx,
        d,
        await _staff(tx, d.unit_id, UNIT_HEAD),
        f"Hồ sơ {d.code} đến hạn ngày {vn(d.due_date)}",
        "khan",
        "at-risk",
    )
    return 1


async def _staff(tx: Work, unit_id: str | None, role: str) -> list[str]:
    users = (await tx.session.execute(select(User).where(User.active))).scalars()
    return [u.id for u in users if role in (u.roles or []) and (unit_id is None or u.unit_id == unit_id)]


async def _notify(tx: Work, d: Dossier, recipients: list[str], title: str, urgency: str, fact: str) -> None:
    if not recipients:
        return
    await tx.emit(
        "notify.requested",
        {
            "recipients": recipients,
            "title": title,
            "body": f"{d.procedure_name} - {d.applicant_name}. Hạn trả kết quả: {vn(d.due_date)}. "
            "Nếu không kịp, đơn vị lập Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04) "
            "chậm nhất 1 ngày trước hạn.",
            "urgency": urgency,
            "link": f"/intake/dossiers/{d.code}",
            "dedup_key": f"intake:{d.code}:{fact}",
            "source_type": f"intake.dossier_{fact.replace('-', '_')}",
            "issue": d.code,
        },
        issue=d.code,
    )
