"""Daily watch over appointments: warn units of dossiers due tomorrow, flag the overdue ones."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from handlers.common.workcal import default_calendar
from handlers.intake.models import Apology, Dossier
from handlers.intake.service import IN_PROGRESS, facts, vn
from hub.directory import CLERK, UNIT_HEAD, User

if TYPE_CHECKING:
    from hub.runtime import Hub, Unit


async def _staff(tx: Unit, unit_id: str | None, role: str) -> list[str]:
    users = (await tx.session.execute(select(User).where(User.active))).scalars()
    return [u.id for u in users if role in (u.roles or []) and (unit_id is None or u.unit_id == unit_id)]


async def scan(hub: Hub, today: date) -> dict[str, int]:
    """Warn (once) the unit head of dossiers due within one working day; flag (once) the overdue ones."""
    horizon = default_calendar().add_working_days(today, 1)
    counts = {"at_risk": 0, "overdue": 0}
    async with hub.transaction(source="intake") as tx:
        q = select(Dossier).where(Dossier.status.in_(IN_PROGRESS), Dossier.due_date <= horizon)
        for d in (await tx.session.execute(q)).scalars():
            assert d.due_date is not None
            if d.due_date < today:
                if d.overdue_on is None:
                    d.overdue_on = today
                    counts["overdue"] += 1
                    await tx.emit("intake.dossier_overdue", facts(d), issue=d.code)
                    await _notify(
                        tx,
                        d,
                        await _staff(tx, d.unit_id, UNIT_HEAD) + await _staff(tx, None, CLERK),
                        f"Hồ sơ {d.code} đã quá hạn trả kết quả",
                        "khan",
                        "overdue",
                    )
                continue
            apologised = (
                await tx.session.execute(select(Apology.id).where(Apology.dossier_id == d.id))
            ).first()
            if d.warned_on is None and not apologised and d.due_date > today:
                d.warned_on = today
                counts["at_risk"] += 1
                await tx.emit("intake.dossier_at_risk", facts(d), issue=d.code)
                await _notify(
                    tx,
                    d,
                    await _staff(tx, d.unit_id, UNIT_HEAD),
                    f"Hồ sơ {d.code} đến hạn ngày {vn(d.due_date)}",
                    "khan",
                    "at-risk",
                )
    return counts


async def _notify(tx: Unit, d: Dossier, recipients: list[str], title: str, urgency: str, fact: str) -> None:
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
