"""REST API of the intake module for the counter clerk and the handling units (`router`, `/api/intake`).

Mounted under `/api` behind login; the citizens' look-up is `api_public`. Domain refusals raised by the
service propagate to the app's error handler (`hub.web.install_error_handler`): `{"detail": message}`
with 403/404/409/422. The printed forms Mẫu 01 to 06 are PDFs rendered from the dossier's record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from handlers.intake import VN, IntakeModule, service
from handlers.intake.lifecycle import ACTION_LABELS, STATUS_LABELS, public_status
from handlers.intake.models import Dossier, DossierStep
from handlers.intake.procedures import CATALOGUE
from hub.auth import CurrentPrincipal, require_roles
from hub.files import ATTACHMENTS, check_kind, stored_file
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD
from hub.web import HubDep, Page, Paging, module_of, transaction
from schemas.envelope import ClaimCheck
from schemas.intake import Applicant, Channel, DossierFile

router = APIRouter(prefix="/intake", tags=["intake"])

STAFF = require_roles(CLERK, LEADER, UNIT_HEAD, OFFICER)
HANDLING_UNIT = require_roles(UNIT_HEAD, OFFICER, LEADER)
PDF = "application/pdf"


def _intake(request: Request) -> IntakeModule:
    return module_of(request, "intake", IntakeModule)


IntakeDep = Annotated[IntakeModule, Depends(_intake)]


# -- request and response models -----------------------------------------------------------------


class NewDossier(BaseModel):
    procedure_code: str
    applicant: Applicant
    channel: Channel = "counter"
    documents: list[DossierFile] = Field(default_factory=list)
    accept: bool = Field(default=False, description="Accept at once (complete dossier): sets the appointment")
    note: str = ""


class ActionBody(BaseModel):
    note: str = Field(default="", max_length=4000)
    unit_id: str | None = None
    documents: list[DossierFile] = Field(default_factory=list)
    items: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list,
        max_length=40,
        description="supplement_requested: everything the applicant must add, listed at once (Mẫu 02)",
    )


class ApologyBody(BaseModel):
    reason: str = Field(min_length=5, max_length=2000)
    new_due_date: date


class ProcedureView(BaseModel):
    """One administrative procedure of the catalogue."""

    code: str
    name: str
    duration_working_days: int
    unit_id: str


class DossierView(BaseModel):
    """A dossier as the staff see it; `shown_status` is what the citizen sees (may read 'overdue')."""

    code: str
    external_id: str | None
    procedure_code: str
    procedure_name: str
    channel: str
    applicant: Applicant
    status: str
    shown_status: str
    status_label: str
    received_on: date
    accepted_on: date | None
    original_due_date: date | None
    due_date: date | None
    unit_id: str | None
    result_ready_on: date | None
    returned_on: date | None
    on_time: bool | None
    documents: list[DossierFile]
    note: str
    supplement_items: list[str]
    supplement_requested_on: date | None
    rescheduled: bool


class StepView(BaseModel):
    """One step of the dossier's life (Mẫu 05)."""

    action: str
    action_label: str
    status: str
    at: datetime
    by: str | None
    note: str


class DossierDetail(DossierView):
    steps: list[StepView]


class ApologyIssued(DossierView):
    apology_form: ClaimCheck = Field(description="The issued Mẫu 04 (PDF) in the Object Store")


def dossier_view(d: Dossier, today: date) -> DossierView:
    shown = public_status(d, today)
    return DossierView(
        code=d.code,
        external_id=d.external_id,
        procedure_code=d.procedure_code,
        procedure_name=d.procedure_name,
        channel=d.channel,
        applicant=Applicant(
            name=d.applicant_name,
            id_number=d.applicant_id_number,
            phone=d.applicant_phone,
            email=d.applicant_email,
            address=d.applicant_address,
        ),
        status=d.status,
        shown_status=shown,
        status_label=STATUS_LABELS[shown],
        received_on=d.received_on,
        accepted_on=d.accepted_on,
        original_due_date=d.original_due_date,
        due_date=d.due_date,
        unit_id=d.unit_id,
        result_ready_on=d.result_ready_on,
        returned_on=d.returned_on,
        on_time=d.on_time,
        documents=[DossierFile.model_validate(f) for f in d.documents],
        note=d.note,
        supplement_items=list(d.supplement_items or []),
        supplement_requested_on=d.supplement_requested_on,
        rescheduled=d.original_due_date is not None and d.due_date != d.original_due_date,
    )


def _step_view(x: DossierStep) -> StepView:
    return StepView(
        action=x.action,
        action_label=ACTION_LABELS.get(x.action, x.action),
        status=x.status,
        at=x.at if x.at.tzinfo else x.at.replace(tzinfo=VN),  # SQLite gives the wall time back
        by=x.by,
        note=x.note,
    )


# -- staff routes --------------------------------------------------------------------------------


@router.get("/procedures", dependencies=[STAFF])
async def procedures(paging: Paging) -> Page[ProcedureView]:
    """The procedure catalogue with durations in working days."""
    items = [ProcedureView(**vars(p)) for p in CATALOGUE.values()]
    return Page.whole(items, paging)


@router.post("/files", dependencies=[require_roles(CLERK)])
async def upload(request: Request, hub: HubDep, name: str = Query(min_length=1)) -> DossierFile:
    """Store one scanned document (raw request body) and return its claim check."""
    data = await request.body()  # bounded while it streams by the portal's BodyLimit
    return await service.store_file(hub, name, data, check_kind(name, data, ATTACHMENTS))


@router.post("/dossiers", status_code=201, dependencies=[require_roles(CLERK)])
async def create(
    body: NewDossier, request: Request, principal: CurrentPrincipal, intake: IntakeDep
) -> DossierView:
    """Receive a dossier at the counter: code now, appointment when accepted."""
    when = intake.now()
    async with transaction(request, "intake", principal.id) as tx:
        d = await service.receive_at_desk(
            tx,
            procedure_code=body.procedure_code,
            applicant=body.applicant,
            channel=body.channel,
            documents=body.documents,
            note=body.note,
            accept=body.accept,
            when=when,
            by=principal.id,
        )
    return dossier_view(d, when.date())


@router.get("/dossiers", dependencies=[STAFF])
async def listing(
    hub: HubDep,
    intake: IntakeDep,
    principal: CurrentPrincipal,
    paging: Paging,
    status_: str | None = Query(default=None, alias="status"),
    at_risk: bool = False,
    overdue: bool = False,
    unit_id: str | None = None,
    procedure_code: str | None = None,
    q: str | None = Query(
        default=None, max_length=200, description="Part of the code or the applicant's name"
    ),
    received_from: date | None = Query(default=None, alias="from"),
    received_to: date | None = Query(default=None, alias="to"),
) -> Page[DossierView]:
    """Dossiers, newest first, by status, unit, procedure, words, period; at_risk: due within one working
    day without a result; overdue: past the appointment without a result."""
    today = intake.today()
    where = service.DossierFilter(
        status=status_,
        unit_id=unit_id,
        at_risk=at_risk,
        overdue=overdue,
        procedure_code=procedure_code,
        q=q,
        received_from=received_from,
        received_to=received_to,
    )
    async with hub.db.session() as s:
        rows, total = await service.list_dossiers(
            s, where, today, actor=principal, limit=paging.limit, offset=paging.offset
        )
    return Page.of([dossier_view(d, today) for d in rows], total, paging)


@router.get("/dossiers/{code}", dependencies=[STAFF])
async def detail(code: str, hub: HubDep, intake: IntakeDep, principal: CurrentPrincipal) -> DossierDetail:
    """A dossier with its steps (Mẫu 05); 404 for a dossier this person may not read."""
    async with hub.db.session() as s:
        d, steps = await service.dossier_with_steps(s, code, principal)
        view = dossier_view(d, intake.today())
    return DossierDetail(**view.model_dump(), steps=[_step_view(x) for x in steps])


@router.post("/dossiers/{code}/actions/{action}")
async def act(
    code: str,
    action: str,
    body: ActionBody,
    request: Request,
    principal: CurrentPrincipal,
    intake: IntakeDep,
) -> DossierView:
    """Record a step: supplement_requested (once, `items` listing everything), refused (`note` = the
    reason), accepted, transferred, result_ready, ..."""
    when = intake.now()
    async with transaction(request, "intake", principal.id) as tx:
        d = await service.act(
            tx,
            code,
            action,
            principal,
            when=when,
            note=body.note,
            unit_id=body.unit_id,
            documents=body.documents,
            items=body.items,
        )
    return dossier_view(d, when.date())


@router.post("/dossiers/{code}/apology", status_code=201, dependencies=[HANDLING_UNIT])
async def apology(
    code: str, body: ApologyBody, hub: HubDep, principal: CurrentPrincipal, intake: IntakeDep
) -> ApologyIssued:
    """Issue Mẫu 04 (apology, new appointment): once per dossier, a day before the deadline at latest."""
    when = intake.now()
    d, claim = await service.apologise(
        hub, code, principal, reason=body.reason, new_due_date=body.new_due_date, when=when
    )
    return ApologyIssued(**dossier_view(d, when.date()).model_dump(), apology_form=claim)


@router.get("/dossiers/{code}/receipt.pdf", dependencies=[STAFF])
async def receipt_pdf(code: str, hub: HubDep, principal: CurrentPrincipal) -> Response:
    """Mẫu 01: receipt and appointment slip of an accepted dossier."""
    return Response(await service.receipt_pdf(hub, code, principal), media_type=PDF)


@router.get("/dossiers/{code}/files/{index}", dependencies=[STAFF])
async def dossier_file(code: str, index: int, hub: HubDep, principal: CurrentPrincipal) -> Response:
    """One document of the dossier (a scan or a file filed online)."""
    name, media, data = await service.dossier_file(hub, code, index, principal)
    return stored_file(data, name, declared=media, inline=False)


@router.get("/dossiers/{code}/supplement.pdf", dependencies=[STAFF])
async def supplement_pdf(code: str, hub: HubDep, principal: CurrentPrincipal) -> Response:
    """Mẫu 02: the supplement request, every item at once."""
    return Response(await service.supplement_pdf(hub, code, principal), media_type=PDF)


@router.get("/dossiers/{code}/refusal.pdf", dependencies=[STAFF])
async def refusal_pdf(code: str, hub: HubDep, principal: CurrentPrincipal) -> Response:
    """Mẫu 03: the refusal with its reason."""
    return Response(await service.refusal_pdf(hub, code, principal), media_type=PDF)


@router.get("/dossiers/{code}/control.pdf", dependencies=[STAFF])
async def control_pdf(code: str, hub: HubDep, principal: CurrentPrincipal) -> Response:
    """Mẫu 05: the control sheet, every step with its time and person."""
    return Response(await service.control_pdf(hub, code, principal), media_type=PDF)


@router.get("/register.pdf", dependencies=[STAFF])
async def register_pdf(
    hub: HubDep,
    principal: CurrentPrincipal,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> Response:
    """Mẫu 06: the register of the dossiers received in the period (A4 landscape)."""
    return Response(await service.register_pdf(hub, start, end, principal), media_type=PDF)


@router.get("/dossiers/{code}/apology.pdf", dependencies=[STAFF])
async def apology_pdf(code: str, hub: HubDep, principal: CurrentPrincipal) -> Response:
    """The issued Mẫu 04 as PDF."""
    return Response(await service.apology_pdf(hub, code, principal), media_type=PDF)
