"""Bus consumers of the intake module: one-stop system webhooks and finished unit tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select

from handlers.intake.models import Dossier
from handlers.intake.service import ACTION_STATUS, IntakeError, apply, find_external, receive
from hub.errors import PermanentError

if TYPE_CHECKING:
    from handlers.intake import IntakeModule
    from hub.runtime import Delivery, Hub
    from schemas.intake import OnestopDossierEvent
    from schemas.tasks import TaskCompleted

log = structlog.get_logger(__name__)


def register(hub: Hub, module: IntakeModule) -> None:
    @hub.consumer("intake-onestop", "lt.onestop.evt.dossier_event", transactional=True)
    async def on_onestop(d: Delivery) -> None:
        """Apply a one-stop system event to the dossier it concerns."""
        ev: OnestopDossierEvent = d.payload
        assert d.session is not None
        when = (ev.occurred_at or module.now()).astimezone(module.now().tzinfo)
        dossier = await find_external(d.session, ev.external_id)
        if dossier is None and ev.code:
            q = select(Dossier).where(Dossier.code == ev.code)
            dossier = (await d.session.execute(q)).scalar_one_or_none()
        try:
            if dossier is None:
                if ev.action != "received" or ev.applicant is None or ev.procedure_code is None:
                    raise PermanentError(
                        f"one-stop event {ev.action!r} for unknown dossier {ev.external_id!r} "
                        "(a new dossier needs action 'received' with applicant and procedure_code)"
                    )
                await receive(
                    d,
                    agency_code=d.hub.settings.agency_code,
                    procedure_code=ev.procedure_code,
                    applicant=ev.applicant,
                    channel=ev.channel,
                    documents=ev.documents,
                    when=when,
                    by=None,
                    external_id=ev.external_id,
                    note=ev.note,
                )
                return
            if dossier.status == ACTION_STATUS.get(ev.action, ev.action) and ev.action != "received":
                log.info("intake.event_already_applied", code=dossier.code, action=ev.action)
                return
            if ev.action == "received" and dossier.status != "supplement_requested":
                log.info("intake.duplicate_receipt", code=dossier.code)
                return
            await apply(
                d,
                dossier,
                ev.action,
                when=when,
                by=None,
                note=ev.note,
                unit_id=ev.unit_id,
                documents=ev.documents,
            )
        except IntakeError as exc:
            raise PermanentError(exc.message) from None

    @hub.consumer("intake-task-completed", "lt.task.evt.completed", transactional=True)
    async def on_task_completed(d: Delivery) -> None:
        """A unit finished the task of a dossier: the result is ready."""
        done: TaskCompleted = d.payload
        if done.source != "intake" or not done.external_ref:
            return
        assert d.session is not None
        q = select(Dossier).where(Dossier.code == done.external_ref)
        dossier = (await d.session.execute(q)).scalar_one_or_none()
        if dossier is None or dossier.status != "transferred":
            return
        await apply(
            d, dossier, "result_ready", when=module.now(), by=done.officer_id, note="Hoàn thành nhiệm vụ"
        )
