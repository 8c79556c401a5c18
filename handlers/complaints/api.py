"""REST API of complaints, denunciations and petitions for the staff (`router`, /api/complaints).

Who reads what is one rule (`access.may_read`): leaders, clerks and the inspectorate see
every case, the handling unit its own, nobody else (404, as for no case); a denouncer's identity is
withheld from all but its handlers (`access.reveals_identity`). The citizens' pages are `api_public`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from handlers.complaints import VN, ComplaintsModule, access, deadlines, grounds, service, stats, uploads
from handlers.complaints.models import Case, CaseNote
from handlers.complaints.service import ConclusionDraft, ConclusionResult
from hub import otp
from hub.auth import CurrentPrincipal, Principal, require_roles
from hub.errors import NotFound
from hub.files import read_limited, stored_file, upload_limit
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD
from hub.runtime import Hub, Work
from hub.web import HubDep, Page, Paging, module_of, transaction
from schemas.complaints import KIND_LABELS, CaseKind, CaseStatus, Complexity, SubmitCase
from schemas.envelope import ClaimCheck

SOURCE = "complaints"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF = require_roles(CLERK, LEADER, UNIT_HEAD, OFFICER)
DECIDERS = require_roles(LEADER, UNIT_HEAD)
HANDLERS = require_roles(LEADER, UNIT_HEAD, OFFICER)

router = APIRouter(prefix="/complaints", tags=["complaints"])


def _module(request: Request) -> ComplaintsModule:
    return module_of(request, "complaints", ComplaintsModule)


Complaints = Annotated[ComplaintsModule, Depends(_module)]


# -- request models ---------------------------------------------------------------------------------


class Classify(BaseModel):
    kind: CaseKind
    several_places: bool = Field(default=False, description="Denunciation needing checks in several places")


class Accept(BaseModel):
    unit_id: str
    officer_id: str | None = None
    complexity: Complexity = "normal"
    decision_known_on: date | None = Field(
        default=None, description="Complaint: the day the complainant received or learned of the decision"
    )
    limitation_excuse: str | None = Field(
        default=None, max_length=2000, description="Why a complaint past its 90 days is accepted (Art. 9)"
    )


class Reject(BaseModel):
    reason: str = Field(min_length=5, max_length=2000)
    ground: str | None = Field(default=None, description="A code of `grounds.GROUNDS` for the case's kind")
    forward_to: str | None = Field(
        default=None, max_length=300, description="The competent body the case is forwarded to"
    )


class Assign(BaseModel):
    unit_id: str
    officer_id: str | None = None


class Note(BaseModel):
    text: str = Field(min_length=1, max_length=20000)


class Extend(BaseModel):
    days: int = Field(ge=1, le=30)
    reason: str = Field(min_length=5, max_length=2000)
    complexity: Complexity | None = None


class Conclude(BaseModel):
    result: ConclusionResult
    summary: str = Field(min_length=5, max_length=20000)
    signer: str = Field(min_length=1, description="Signer profile of the leader in the signing configuration")
    otp: str | None = Field(
        default=None, max_length=12, description="One-time code of the person asking for the signature"
    )


# -- response models --------------------------------------------------------------------------------


class SubmitterView(BaseModel):
    name: str
    id_number: str | None
    phone: str | None
    email: str | None
    address: str | None


class FileView(BaseModel):
    """A file of the case (the submitter's attachment or evidence), without its storage key."""

    index: int
    name: str
    media_type: str
    size: int


def files_of(files: list[dict[str, Any]]) -> list[FileView]:
    return [
        FileView(
            index=i,
            name=str(f.get("name") or f"tep-{i + 1}"),
            media_type=str(f.get("media_type", "")),
            size=int(f.get("size", 0)),
        )
        for i, f in enumerate(files)
    ]


WITHHELD_FILE = "Tệp của người gửi (được giữ bí mật)"


def withheld_files(files: list[dict[str, Any]]) -> list[FileView]:
    """The submitter's files as someone who may not know the submitter sees them: how many and how big,
    never their names (a file's name may give the person away)."""
    return [
        FileView(
            index=i, name=WITHHELD_FILE, media_type=str(f.get("media_type", "")), size=int(f.get("size", 0))
        )
        for i, f in enumerate(files)
    ]


class CaseView(BaseModel):
    """A case as staff see it, with its deadlines and whether it is overdue today.

    `identity_protected`: a denunciation seen by someone who is not its handler, or a complaint or
    petition seen by a unit head of another unit: the submitter's name reads the Vietnamese mask
    (`access.mask_for`), the contacts are empty and the files are listed without their names."""

    id: str
    number: str
    receipt_code: str | None
    kind: CaseKind | None
    kind_label: str
    channel: str
    channel_label: str
    subject: str
    content: str
    submitter: SubmitterView
    respondent: str | None
    identity_protected: bool
    status: CaseStatus
    status_label: str
    deadline_state: str | None
    current_due: date | None
    duplicate_of: str | None
    second: bool
    remote_area: bool
    complexity: Complexity
    complexity_label: str
    received_on: date
    decision_known_on: date | None
    acceptance_due: date
    accepted_on: date | None
    accepted_on_time: bool | None
    rejected_reason: str | None
    resolution_due: date | None
    extensions: int
    unit_id: str | None
    officer_id: str | None
    concluded_on: date | None
    on_time: bool | None
    overdue: bool
    conclusion_number: str | None
    conclusion_result: str | None
    conclusion_result_label: str | None
    conclusion_summary: str | None
    conclusion_signed: ClaimCheck | None
    conclusion_document_id: str | None
    attachments: list[FileView]

    @classmethod
    def fields_of(cls, c: Case, today: date, reveal: bool = True) -> dict[str, Any]:
        submitter = SubmitterView(
            name=c.submitter_name if reveal else access.mask_for(c),
            id_number=c.submitter_id_number if reveal else None,
            phone=c.submitter_phone if reveal else None,
            email=c.submitter_email if reveal else None,
            address=c.submitter_address if reveal else None,
        )
        return {
            **{name: getattr(c, name) for name in CASE_COLUMNS},
            "kind_label": KIND_LABELS.get(c.kind or "", "Chưa phân loại"),
            "channel_label": service.CHANNEL_LABELS.get(c.channel, c.channel),
            "status_label": service.STATUS_LABELS.get(c.status, c.status),
            "complexity_label": service.COMPLEXITY_LABELS.get(c.complexity, c.complexity),
            "conclusion_result_label": service.RESULT_LABELS.get(c.conclusion_result or ""),
            "deadline_state": service.deadline_state(c, today),
            "current_due": service.current_due(c),
            "identity_protected": not reveal,
            "submitter": submitter,
            "attachments": files_of(c.attachments) if reveal else withheld_files(c.attachments),
            "overdue": service.is_overdue(c, today),
        }

    @classmethod
    def of(cls, c: Case, today: date, reveal: bool = True) -> CaseView:
        return cls.model_validate(cls.fields_of(c, today, reveal))


DERIVED = {
    "kind_label",
    "channel_label",
    "status_label",
    "complexity_label",
    "conclusion_result_label",
    "deadline_state",
    "current_due",
    "identity_protected",
    "submitter",
    "attachments",
    "overdue",
}
CASE_COLUMNS = [name for name in CaseView.model_fields if name not in DERIVED]


NOTE_LABELS = {
    "note": "Ghi chú xác minh",
    "evidence": "Chứng cứ",
    "rejection": "Không thụ lý",
    "extension": "Gia hạn",
    "signing": "Ký số",
    "limitation": "Thời hiệu",
    "issued": "Ban hành",
}


class NoteView(BaseModel):
    id: int
    kind: str
    kind_label: str
    at: datetime
    by: str | None
    text: str
    files: list[FileView]

    @classmethod
    def of(cls, n: CaseNote) -> NoteView:
        return cls(
            id=n.id,
            kind=n.kind,
            kind_label=NOTE_LABELS.get(n.kind, n.kind),
            at=n.at if n.at.tzinfo else n.at.replace(tzinfo=VN),  # SQLite gives the wall time back
            by=n.by,
            text=n.text,
            files=files_of(n.files or []),
        )


class Ground(BaseModel):
    """A legal ground for not accepting a case of this kind."""

    code: str
    label: str


class CaseDetail(CaseView):
    """A case with its notes and recorded decisions, oldest first, and the grounds it may be refused on."""

    notes: list[NoteView]
    refusal_grounds: list[Ground]
    limitation_ends: date | None = Field(description="Complaint: the last day of its 90-day limitation")
    signer_profile: str = Field(description="The signer profile this person's conclusion is signed with")
    forward_due: date | None = Field(
        description="Denunciation, petition: the last day to forward it when the department is not competent"
    )


class Statistics(BaseModel):
    """Counts of the cases received in a period, per kind, unit and month, with the on-time rate."""

    model_config = ConfigDict(populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    total: int
    by_kind: list[stats.TallyRow]
    by_unit: list[stats.TallyRow]
    by_month: list[stats.TallyRow]


# -- staff routes -----------------------------------------------------------------------------------

Step = Callable[[Work, Case], Awaitable[object]]


def _view(c: Case, module: ComplaintsModule, principal: Principal) -> CaseView:
    reveal = access.reveals_identity(principal, c, module.settings.intake_unit)
    return CaseView.of(c, module.today(), reveal)


async def _change(
    request: Request, module: ComplaintsModule, principal: Principal, case_id: str, step: Step
) -> CaseView:
    """Apply one step of the case's life cycle in a transaction and answer the case as it is then.

    A case the person may not read is refused as missing, before anything changes."""
    async with transaction(request, SOURCE, principal.id) as tx:
        c = await access.find_for(tx.session, case_id, principal, module.settings.intake_unit)
        await step(tx, c)
    return _view(c, module, principal)


@router.post("/cases", status_code=201, dependencies=[require_roles(CLERK, OFFICER, UNIT_HEAD)])
async def create(
    body: SubmitCase, request: Request, principal: CurrentPrincipal, module: Complaints
) -> CaseView:
    """Log a case received at the counter, by post, e-mail or web form."""
    async with transaction(request, SOURCE, principal.id) as tx:
        c = await service.submit(
            tx, body, when=module.now(), by=principal.id, intake_unit=module.settings.intake_unit
        )
    return _view(c, module, principal)


@router.get("/cases", dependencies=[STAFF])
async def listing(
    hub: HubDep,
    module: Complaints,
    principal: CurrentPrincipal,
    paging: Paging,
    kind: CaseKind | None = None,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    unit_id: str | None = None,
    deadline: Annotated[
        str | None, Query(pattern="^(overdue|due_soon)$", description="overdue, or due within 3 days")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the number or subject")] = None,
) -> Page[CaseView]:
    """The cases this person may read, latest received first, by kind, status, unit and deadline."""
    today = module.today()
    where = service.CaseFilter(
        kind=kind,
        status=status_,
        unit_id=unit_id,
        deadline=deadline,
        q=q,
        visible=access.readable(principal, module.settings.intake_unit),
    )
    async with hub.db.session() as s:
        rows, total = await service.cases(
            s, where=where, today=today, limit=paging.limit, offset=paging.offset
        )
    return Page.of([_view(c, module, principal) for c in rows], total, paging)


@router.get("/cases/{case_id}", dependencies=[STAFF])
async def detail(case_id: str, hub: HubDep, module: Complaints, principal: CurrentPrincipal) -> CaseDetail:
    """A case (by id or number) with its notes; 404 for a case this person may not read."""
    async with hub.db.session() as s:
        c = await access.find_for(s, case_id, principal, module.settings.intake_unit)
        notes = await service.notes_of(s, c)
    reveal = access.reveals_identity(principal, c, module.settings.intake_unit)
    fields = CaseView.fields_of(c, module.today(), reveal)
    limitation = (
        deadlines.limitation_ends(c.decision_known_on)
        if c.kind == "khieu_nai" and c.decision_known_on
        else None
    )
    return CaseDetail.model_validate(
        {
            **fields,
            "notes": [NoteView.of(n) for n in notes],
            "refusal_grounds": [Ground(code=k, label=v) for k, v in grounds.grounds_for(c.kind).items()],
            "limitation_ends": limitation,
            "signer_profile": module.settings.signer_for(principal.id),
            "forward_due": deadlines.forward_due(c.kind, c.received_on) if c.status == "received" else None,
        }
    )


@router.post("/cases/{case_id}/classify", dependencies=[require_roles(CLERK, OFFICER, UNIT_HEAD, LEADER)])
async def classify(
    case_id: str, body: Classify, request: Request, principal: CurrentPrincipal, module: Complaints
) -> CaseView:
    """Classify the case; the acceptance deadline follows its kind."""

    async def step(tx: Work, c: Case) -> None:
        await service.classify(tx, c, body.kind, body.several_places)

    return await _change(request, module, principal, case_id, step)


@router.post("/cases/{case_id}/accept", dependencies=[DECIDERS])
async def accept(
    case_id: str, body: Accept, request: Request, principal: CurrentPrincipal, module: Complaints
) -> CaseView:
    """Acceptance decision (thụ lý): resolution deadline set, the unit gets the case as a task."""

    async def step(tx: Work, c: Case) -> None:
        access.require_hand_over(principal, body.unit_id, module.settings.intake_unit)
        await service.accept(
            tx,
            c,
            when=module.now(),
            by=principal.id,
            unit_id=body.unit_id,
            officer_id=body.officer_id,
            complexity=body.complexity,
            decision_known_on=body.decision_known_on,
            limitation_excuse=body.limitation_excuse,
        )

    return await _change(request, module, principal, case_id, step)


@router.post("/cases/{case_id}/reject", dependencies=[DECIDERS])
async def reject(
    case_id: str, body: Reject, request: Request, principal: CurrentPrincipal, module: Complaints
) -> CaseView:
    """Do not accept the case (không thụ lý), with the reason told to the submitter."""

    async def step(tx: Work, c: Case) -> None:
        await service.reject(
            tx,
            c,
            when=module.now(),
            by=principal.id,
            reason=body.reason,
            ground=body.ground,
            forward_to=body.forward_to,
        )

    return await _change(request, module, principal, case_id, step)


@router.post("/cases/{case_id}/assign", dependencies=[DECIDERS])
async def assign(
    case_id: str, body: Assign, request: Request, principal: CurrentPrincipal, module: Complaints
) -> CaseView:
    """Hand an accepted case to another unit (and officer)."""

    async def step(tx: Work, c: Case) -> None:
        access.require_hand_over(principal, body.unit_id, module.settings.intake_unit)
        await service.assign(tx, c, by=principal.id, unit_id=body.unit_id, officer_id=body.officer_id)

    return await _change(request, module, principal, case_id, step)


@router.post("/cases/{case_id}/notes", status_code=201, dependencies=[HANDLERS])
async def add_note(
    case_id: str, body: Note, request: Request, principal: CurrentPrincipal, module: Complaints
) -> CaseView:
    """Investigation note."""

    async def step(tx: Work, c: Case) -> None:
        await service.note(tx, c, when=module.now(), by=principal.id, text=body.text)

    return await _change(request, module, principal, case_id, step)


@router.post("/cases/{case_id}/evidence", status_code=201, dependencies=[HANDLERS])
async def add_evidence(
    case_id: str,
    request: Request,
    hub: HubDep,
    principal: CurrentPrincipal,
    module: Complaints,
    files: list[UploadFile],
    text: Annotated[str, Form(min_length=1, max_length=20000)],
) -> CaseView:
    """Evidence (multipart: `text` and `files`): kept in the Object Store, listed on the case's page."""
    settings = module.settings
    limits = uploads.Limits(
        settings.file_max_bytes, settings.files_max_bytes * 4, settings.files_max_count * 4
    )
    async with hub.db.session() as s:
        await access.find_for(s, case_id, principal, settings.intake_unit)  # 404 before anything is stored
    cap = upload_limit(hub.settings.max_upload_mb)
    checked = uploads.check_files([(f.filename or "", await read_limited(f, cap)) for f in files], limits)
    stored = [
        {"name": f.name, **(await hub.claims.put(f.data, media_type=f.media_type)).model_dump(mode="json")}
        for f in checked
    ]

    async def step(tx: Work, c: Case) -> None:
        await service.add_evidence(tx, c, when=module.now(), by=principal.id, text=text, files=stored)

    return await _change(request, module, principal, case_id, step)


async def _file(
    hub: Hub, module: ComplaintsModule, principal: Principal, case_id: str, index: int, note: int | None
) -> Response:
    """A file of a readable case; a denunciation's own files only for those who may know the denouncer."""
    async with hub.db.session() as s:
        c = await access.find_for(s, case_id, principal, module.settings.intake_unit)
        if not access.reveals_identity(principal, c, module.settings.intake_unit) and note is None:
            raise NotFound("Tệp của người gửi đơn chỉ người giải quyết được xem")
        f = await service.case_file(s, c, index, note)
    data = await hub.claims.get(ClaimCheck.model_validate(f))
    return stored_file(data, str(f.get("name") or "tep"), declared=str(f.get("media_type") or ""))


@router.get("/cases/{case_id}/files/{index}", dependencies=[STAFF])
async def attachment(
    case_id: str, index: int, hub: HubDep, module: Complaints, principal: CurrentPrincipal
) -> Response:
    """One file the submitter attached (a denunciation's: only for those who may know the denouncer)."""
    return await _file(hub, module, principal, case_id, index, None)


@router.get("/cases/{case_id}/notes/{note_id}/files/{index}", dependencies=[STAFF])
async def evidence_file(
    case_id: str, note_id: int, index: int, hub: HubDep, module: Complaints, principal: CurrentPrincipal
) -> Response:
    """One evidence file of a note."""
    return await _file(hub, module, principal, case_id, index, note_id)


@router.post("/cases/{case_id}/extend", dependencies=[DECIDERS])
async def extend(
    case_id: str, body: Extend, request: Request, principal: CurrentPrincipal, module: Complaints
) -> CaseView:
    """Extend the resolution deadline where the law allows it."""

    async def step(tx: Work, c: Case) -> None:
        await service.extend(
            tx,
            c,
            when=module.now(),
            by=principal.id,
            days=body.days,
            reason=body.reason,
            complexity=body.complexity,
        )

    return await _change(request, module, principal, case_id, step)


@router.post("/cases/{case_id}/conclude", status_code=202, dependencies=[DECIDERS])
async def conclude(
    case_id: str,
    body: Conclude,
    request: Request,
    hub: HubDep,
    principal: CurrentPrincipal,
    module: Complaints,
) -> CaseView:
    """Draft the conclusion and send it for the leader's signature; signed, the clerks number, seal and
    issue it through the documents module, and the case closes when it is issued."""
    today = module.today()
    draft = ConclusionDraft(body.result, body.summary, body.signer)
    pdf = await service.draft_conclusion(hub, case_id, draft, today)

    async def step(tx: Work, c: Case) -> None:
        await service.request_signature(tx, c, draft, pdf, today, by=principal.id, code=body.otp)

    async with otp.counted(hub.db, principal.id, body.otp):
        return await _change(request, module, principal, case_id, step)


@router.get("/cases/{case_id}/conclusion.pdf", dependencies=[STAFF])
async def conclusion_pdf(
    case_id: str, hub: HubDep, module: Complaints, principal: CurrentPrincipal
) -> Response:
    """The signed conclusion (or the draft while it waits for signature)."""
    async with hub.db.session() as s:
        c = await access.find_for(s, case_id, principal, module.settings.intake_unit)
    return stored_file(await hub.claims.get(service.conclusion_file(c)), f"ket-luan-{case_id}.pdf")


@router.get("/stats", dependencies=[STAFF])
async def statistics(
    hub: HubDep,
    module: Complaints,
    principal: CurrentPrincipal,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> Statistics:
    """Counts per kind, unit and month for the cases received in the period that this person may read,
    with the on-time rate."""
    async with hub.db.session() as s:
        cases = await stats.cases_in(s, start, end, access.readable(principal, module.settings.intake_unit))
        units = await stats.unit_names(s)
    counts = stats.tallies(cases, module.today(), units)
    return Statistics(
        start=start,
        end=end,
        total=len(cases),
        by_kind=counts.by_kind,
        by_unit=counts.by_unit,
        by_month=counts.by_month,
    )


@router.get("/stats.xlsx", dependencies=[STAFF])
async def statistics_xlsx(
    hub: HubDep,
    module: Complaints,
    principal: CurrentPrincipal,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> Response:
    """The same statistics and the list of the cases this person may read as an Excel workbook (no
    submitter in it)."""
    async with hub.db.session() as s:
        cases = await stats.cases_in(s, start, end, access.readable(principal, module.settings.intake_unit))
        units = await stats.unit_names(s)
    counts = stats.tallies(cases, module.today(), units)
    data = await asyncio.to_thread(stats.workbook, counts, cases, units)
    name = f"thong-ke-don-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
