"""Counter clerk's and handling units' REST API under /api/intake."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from handlers.common.workcal import default_calendar
from handlers.intake import forms
from handlers.intake.models import Apology, Dossier, DossierStep
from handlers.intake.procedures import CATALOGUE
from handlers.intake.service import (
    IN_PROGRESS,
    STATUS_LABELS,
    IntakeError,
    apply,
    check_apology,
    find,
    issue_apology,
    public_status,
    receive,
)
from hub.auth import CurrentPrincipal, require_roles
from hub.directory import CLERK, LEADER, OFFICER, UNIT_HEAD, Unit
from schemas.envelope import ClaimCheck
from schemas.intake import Applicant, Channel, DossierFile

if TYPE_CHECKING:
    from handlers.intake import IntakeModule

DESK_ACTIONS = {"received", "supplement_requested", "refused", "accepted", "transferred", "result_returned"}
UNIT_ACTIONS = {"result_ready", "refused"}


class NewDossier(BaseModel):
    procedure_code: str
    applicant: Applicant
    channel: Channel = "counter"
    documents: list[DossierFile] = Field(default_factory=list)
    accept: bool = Field(default=False, description="Accept at once (complete dossier): sets the appointment")
    note: str = ""


class ActionBody(BaseModel):
    note: str = ""
    unit_id: str | None = None
    documents: list[DossierFile] = Field(default_factory=list)


class ApologyBody(BaseModel):
    reason: str = Field(min_length=5, max_length=2000)
    new_due_date: date


def dossier_view(d: Dossier, today: date) -> dict[str, Any]:
    shown = public_status(d, today)
    return {
        "code": d.code,
        "external_id": d.external_id,
        "procedure_code": d.procedure_code,
        "procedure_name": d.procedure_name,
        "channel": d.channel,
        "applicant": {
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
            "address": d.applicant_address,
        },
        "status": d.status,
        "shown_status": shown,
        "status_label": STATUS_LABELS[shown],
        "received_on": d.received_on,
        "accepted_on": d.accepted_on,
        "original_due_date": d.original_due_date,
        "due_date": d.due_date,
        "unit_id": d.unit_id,
        "result_ready_on": d.result_ready_on,
        "returned_on": d.returned_on,
        "on_time": d.on_time,
        "documents": d.documents,
        "note": d.note,
    }


def build_router(module: IntakeModule) -> APIRouter:
    router = APIRouter(prefix="/intake", tags=["intake"])
    staff = require_roles(CLERK, LEADER, UNIT_HEAD, OFFICER)

    def fail(exc: IntakeError) -> HTTPException:
        return HTTPException(exc.status_code, exc.message)

    @router.get("/procedures", dependencies=[staff])
    async def procedures() -> list[dict[str, Any]]:
        """The procedure catalogue with durations in working days."""
        return [vars(p) for p in CATALOGUE.values()]

    @router.post("/files", dependencies=[require_roles(CLERK)])
    async def upload(request: Request, name: str = Query(min_length=1)) -> DossierFile:
        """Store one scanned document (raw request body) and return its claim check."""
        data = await request.body()
        if not data:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Tệp rỗng")
        media = request.headers.get("content-type", "application/octet-stream")
        claim = await request.app.state.hub.claims.put(data, media_type=media)
        return DossierFile(name=name, claim=claim, content_type=media)

    @router.post("/dossiers", status_code=201, dependencies=[require_roles(CLERK)])
    async def create(body: NewDossier, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
        """Receive a dossier at the counter: code now, appointment when accepted."""
        hub = request.app.state.hub
        when = module.now()
        try:
            async with hub.transaction(source="intake", user_id=principal.id) as tx:
                d = await receive(
                    tx,
                    agency_code=hub.settings.agency_code,
                    procedure_code=body.procedure_code,
                    applicant=body.applicant,
                    channel=body.channel,
                    documents=body.documents,
                    when=when,
                    by=principal.id,
                    note=body.note,
                )
                if body.accept:
                    await apply(tx, d, "accepted", when=when, by=principal.id)
        except IntakeError as exc:
            raise fail(exc) from None
        return dossier_view(d, when.date())

    @router.get("/dossiers", dependencies=[staff])
    async def listing(
        request: Request,
        status_: str | None = Query(default=None, alias="status"),
        at_risk: bool = False,
        unit_id: str | None = None,
        limit: int = Query(default=200, le=2000),
    ) -> list[dict[str, Any]]:
        """Dossiers by status; at_risk lists those due within one working day without a result."""
        today = module.today()
        q = select(Dossier).order_by(Dossier.received_at.desc()).limit(limit)
        if status_:
            q = q.where(Dossier.status == status_)
        if unit_id:
            q = q.where(Dossier.unit_id == unit_id)
        if at_risk:
            horizon = default_calendar().add_working_days(today, 1)
            q = q.where(Dossier.status.in_(IN_PROGRESS), Dossier.due_date <= horizon)
        async with request.app.state.hub.db.session() as s:
            rows = list((await s.execute(q)).scalars())
        return [dossier_view(d, today) for d in rows]

    @router.get("/dossiers/{code}", dependencies=[staff])
    async def detail(code: str, request: Request) -> dict[str, Any]:
        """A dossier with its steps (Mẫu 05)."""
        async with request.app.state.hub.db.session() as s:
            try:
                d = await find(s, code)
            except IntakeError as exc:
                raise fail(exc) from None
            steps = (
                await s.execute(
                    select(DossierStep).where(DossierStep.dossier_id == d.id).order_by(DossierStep.id)
                )
            ).scalars()
            view = dossier_view(d, module.today())
            view["steps"] = [
                {"action": x.action, "status": x.status, "at": x.at, "by": x.by, "note": x.note}
                for x in steps
            ]
        return view

    @router.post("/dossiers/{code}/actions/{action}")
    async def act(
        code: str, action: str, body: ActionBody, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Record a step: supplement_requested, refused, accepted, transferred, result_ready, ..."""
        allowed = (DESK_ACTIONS if principal.has(CLERK) else set()) | (
            UNIT_ACTIONS if principal.has(UNIT_HEAD, OFFICER, LEADER) else set()
        )
        if action not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"Tài khoản không được thực hiện thao tác {action!r}"
            )
        hub = request.app.state.hub
        when = module.now()
        try:
            async with hub.transaction(source="intake", user_id=principal.id) as tx:
                d = await find(tx.session, code)
                if body.unit_id is not None and await tx.session.get(Unit, body.unit_id) is None:
                    raise HTTPException(
                        status.HTTP_422_UNPROCESSABLE_CONTENT, f"Không có đơn vị {body.unit_id!r}"
                    )
                await apply(
                    tx,
                    d,
                    action,
                    when=when,
                    by=principal.id,
                    note=body.note,
                    unit_id=body.unit_id,
                    documents=body.documents,
                )
        except IntakeError as exc:
            raise fail(exc) from None
        return dossier_view(d, when.date())

    @router.post(
        "/dossiers/{code}/apology", status_code=201, dependencies=[require_roles(UNIT_HEAD, OFFICER, LEADER)]
    )
    async def apology(
        code: str, body: ApologyBody, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Issue Mẫu 04 (apology, new appointment): once per dossier, a day before the deadline at latest."""
        hub = request.app.state.hub
        when = module.now()
        today = when.date()
        async with hub.db.session() as s:
            try:
                d = await find(s, code)
                check_apology(d, body.new_due_date, today)
            except IntakeError as exc:
                raise fail(exc) from None
            if not principal.has(LEADER) and principal.unit_id != d.unit_id:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, "Chỉ đơn vị đang giải quyết hồ sơ được lập phiếu xin lỗi"
                )
            unit = await s.get(Unit, d.unit_id) if d.unit_id else None
        pdf = forms.render_apology(
            forms.ApologyForm(
                agency_name=hub.settings.agency_name,
                unit_name=unit.name if unit else hub.settings.agency_name,
                code=d.code,
                applicant_name=d.applicant_name,
                procedure_name=d.procedure_name,
                received_on=d.received_on,
                old_due_date=d.due_date or today,
                new_due_date=body.new_due_date,
                reason=body.reason,
                issued_on=today,
            )
        )
        claim: ClaimCheck = await hub.claims.put(pdf, media_type="application/pdf")
        try:
            async with hub.transaction(source="intake", user_id=principal.id) as tx:
                d = await find(tx.session, code)
                await issue_apology(
                    tx,
                    d,
                    reason=body.reason,
                    new_due_date=body.new_due_date,
                    when=when,
                    by=principal.id,
                    form=claim.model_dump(mode="json"),
                )
        except IntakeError as exc:
            raise fail(exc) from None
        except Exception as exc:  # the unique constraint caught a concurrent second apology
            if "unique" in str(exc).lower() or "integrity" in type(exc).__name__.lower():
                raise HTTPException(status.HTTP_409_CONFLICT, f"Hồ sơ {code} đã có phiếu xin lỗi") from None
            raise
        view = dossier_view(d, today)
        view["apology_form"] = claim.model_dump(mode="json")
        return view

    @router.get("/dossiers/{code}/receipt.pdf", dependencies=[staff])
    async def receipt_pdf(code: str, request: Request) -> Response:
        """Mẫu 01: receipt and appointment slip of an accepted dossier."""
        hub = request.app.state.hub
        async with hub.db.session() as s:
            try:
                d = await find(s, code)
            except IntakeError as exc:
                raise fail(exc) from None
        if d.original_due_date is None:
            raise HTTPException(status.HTTP_409_CONFLICT, f"Hồ sơ {code} chưa được tiếp nhận giải quyết")
        pdf = forms.render_receipt(
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
        return Response(pdf, media_type="application/pdf")

    @router.get("/dossiers/{code}/apology.pdf", dependencies=[staff])
    async def apology_pdf(code: str, request: Request) -> Response:
        """The issued Mẫu 04 as PDF."""
        hub = request.app.state.hub
        async with hub.db.session() as s:
            try:
                d = await find(s, code)
            except IntakeError as exc:
                raise fail(exc) from None
            a = (await s.execute(select(Apology).where(Apology.dossier_id == d.id))).scalar_one_or_none()
        if a is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Hồ sơ {code} chưa có phiếu xin lỗi")
        data = await hub.claims.get(ClaimCheck.model_validate(a.form))
        return Response(data, media_type="application/pdf")

    return router
