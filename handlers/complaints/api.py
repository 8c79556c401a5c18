"""REST API of complaints, denunciations and petitions under /api/complaints."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from handlers.complaints import forms, service, stats
from handlers.complaints.models import Case, CaseNote
from hub.auth import CurrentPrincipal, require_roles
from hub.directory import CLERK, LEADER, OFFICER, UNIT_HEAD, Unit
from schemas.complaints import KIND_LABELS, CaseKind, Complexity, SubmitCase

if TYPE_CHECKING:
    from handlers.complaints import ComplaintsModule

RESULT_LABELS = {"dung": "Đúng", "sai": "Sai", "dung_mot_phan": "Đúng một phần"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Classify(BaseModel):
    kind: CaseKind
    several_places: bool = Field(default=False, description="Denunciation needing checks in several places")


class Accept(BaseModel):
    unit_id: str
    officer_id: str | None = None
    complexity: Complexity = "normal"


class Reject(BaseModel):
    reason: str = Field(min_length=5, max_length=2000)


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
    result: Literal["dung", "sai", "dung_mot_phan"]
    summary: str = Field(min_length=5, max_length=20000)
    document_number: str = Field(min_length=3, max_length=50, description="Số và ký hiệu, e.g. 12/KL-SKHĐT")
    signer: str = Field(min_length=1, description="Signer profile of the leader in the signing configuration")


def view(c: Case, today: date) -> dict[str, Any]:
    overdue = (
        c.status in ("accepted", "concluding") and c.resolution_due is not None and today > c.resolution_due
    )
    return {
        "id": c.id,
        "number": c.number,
        "kind": c.kind,
        "kind_label": KIND_LABELS.get(c.kind or "", "Chưa phân loại"),
        "channel": c.channel,
        "subject": c.subject,
        "content": c.content,
        "submitter": {
            "name": c.submitter_name,
            "id_number": c.submitter_id_number,
            "phone": c.submitter_phone,
            "email": c.submitter_email,
            "address": c.submitter_address,
        },
        "respondent": c.respondent,
        "status": c.status,
        "duplicate_of": c.duplicate_of,
        "second": c.second,
        "remote_area": c.remote_area,
        "complexity": c.complexity,
        "received_on": c.received_on,
        "acceptance_due": c.acceptance_due,
        "accepted_on": c.accepted_on,
        "accepted_on_time": c.accepted_on_time,
        "resolution_due": c.resolution_due,
        "extensions": c.extensions,
        "unit_id": c.unit_id,
        "officer_id": c.officer_id,
        "concluded_on": c.concluded_on,
        "on_time": c.on_time,
        "overdue": overdue,
        "conclusion_number": c.conclusion_number,
        "conclusion_signed": c.conclusion_signed,
    }


def build_router(module: ComplaintsModule) -> APIRouter:
    router = APIRouter(prefix="/complaints", tags=["complaints"])
    staff = require_roles(CLERK, LEADER, UNIT_HEAD, OFFICER)
    deciders = require_roles(LEADER, UNIT_HEAD)
    handlers_ = require_roles(LEADER, UNIT_HEAD, OFFICER)

    def fail(exc: service.CaseError) -> HTTPException:
        return HTTPException(exc.status_code, exc.message)

    async def change(request: Request, principal: Any, case_id: str, step: Any) -> dict[str, Any]:
        hub = request.app.state.hub
        try:
            async with hub.transaction(source="complaints", user_id=principal.id) as tx:
                c = await service.find(tx.session, case_id)
                await step(tx, c)
        except service.CaseError as exc:
            raise fail(exc) from None
        return view(c, module.today())

    async def check_unit(request: Request, unit_id: str) -> None:
        async with request.app.state.hub.db.session() as s:
            if await s.get(Unit, unit_id) is None:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"Không có đơn vị {unit_id!r}")

    @router.post("/cases", status_code=201, dependencies=[require_roles(CLERK, OFFICER, UNIT_HEAD)])
    async def create(body: SubmitCase, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
        """Log a case received at the counter, by post, e-mail or web form."""
        hub = request.app.state.hub
        async with hub.transaction(source="complaints", user_id=principal.id) as tx:
            c = await service.submit(
                tx, body, when=module.now(), by=principal.id, intake_unit=module.intake_unit
            )
        return view(c, module.today())

    @router.get("/cases", dependencies=[staff])
    async def listing(
        request: Request,
        kind: CaseKind | None = None,
        status_: str | None = Query(default=None, alias="status"),
        unit_id: str | None = None,
        limit: int = Query(default=200, le=5000),
    ) -> list[dict[str, Any]]:
        q = select(Case).order_by(Case.received_on.desc(), Case.number.desc()).limit(limit)
        if kind:
            q = q.where(Case.kind == kind)
        if status_:
            q = q.where(Case.status == status_)
        if unit_id:
            q = q.where(Case.unit_id == unit_id)
        async with request.app.state.hub.db.session() as s:
            return [view(c, module.today()) for c in (await s.execute(q)).scalars()]

    @router.get("/cases/{case_id}", dependencies=[staff])
    async def detail(case_id: str, request: Request) -> dict[str, Any]:
        async with request.app.state.hub.db.session() as s:
            try:
                c = await service.find(s, case_id)
            except service.CaseError as exc:
                raise fail(exc) from None
            notes = (
                await s.execute(select(CaseNote).where(CaseNote.case_id == c.id).order_by(CaseNote.id))
            ).scalars()
            out = view(c, module.today())
            out["notes"] = [{"kind": n.kind, "at": n.at, "by": n.by, "text": n.text} for n in notes]
        return out

    @router.post("/cases/{case_id}/classify", dependencies=[require_roles(CLERK, OFFICER, UNIT_HEAD, LEADER)])
    async def classify(
        case_id: str, body: Classify, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Classify the case; the acceptance deadline follows its kind."""
        return await change(
            request, principal, case_id, lambda tx, c: service.classify(tx, c, body.kind, body.several_places)
        )

    @router.post("/cases/{case_id}/accept", dependencies=[deciders])
    async def accept(
        case_id: str, body: Accept, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Acceptance decision (thụ lý): resolution deadline set, the unit gets the case as a task."""
        await check_unit(request, body.unit_id)
        return await change(
            request,
            principal,
            case_id,
            lambda tx, c: service.accept(
                tx,
                c,
                when=module.now(),
                by=principal.id,
                unit_id=body.unit_id,
                officer_id=body.officer_id,
                complexity=body.complexity,
            ),
        )

    @router.post("/cases/{case_id}/reject", dependencies=[deciders])
    async def reject(
        case_id: str, body: Reject, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Do not accept the case (không thụ lý), with the reason told to the submitter."""
        return await change(
            request,
            principal,
            case_id,
            lambda tx, c: service.reject(tx, c, when=module.now(), by=principal.id, reason=body.reason),
        )

    @router.post("/cases/{case_id}/assign", dependencies=[deciders])
    async def assign(
        case_id: str, body: Assign, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        await check_unit(request, body.unit_id)
        return await change(
            request,
            principal,
            case_id,
            lambda tx, c: service.assign(
                tx, c, by=principal.id, unit_id=body.unit_id, officer_id=body.officer_id
            ),
        )

    @router.post("/cases/{case_id}/notes", status_code=201, dependencies=[handlers_])
    async def add_note(
        case_id: str, body: Note, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Investigation note."""
        return await change(
            request,
            principal,
            case_id,
            lambda tx, c: service.note(tx, c, when=module.now(), by=principal.id, text=body.text),
        )

    @router.post("/cases/{case_id}/extend", dependencies=[deciders])
    async def extend(
        case_id: str, body: Extend, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Extend the resolution deadline where the law allows it."""
        return await change(
            request,
            principal,
            case_id,
            lambda tx, c: service.extend(
                tx,
                c,
                when=module.now(),
                by=principal.id,
                days=body.days,
                reason=body.reason,
                complexity=body.complexity,
            ),
        )

    @router.post("/cases/{case_id}/conclude", status_code=202, dependencies=[deciders])
    async def conclude(
        case_id: str, body: Conclude, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Draft the conclusion and send it for the leader's signature; the case closes once signed."""
        hub = request.app.state.hub
        today = module.today()
        async with hub.db.session() as s:
            try:
                c = await service.find(s, case_id)
            except service.CaseError as exc:
                raise fail(exc) from None
        if c.status != "accepted":
            raise HTTPException(status.HTTP_409_CONFLICT, f"Đơn {c.number} chưa thụ lý hoặc đã kết luận")
        pdf = forms.render_conclusion(
            forms.Conclusion(
                agency_name=hub.settings.agency_name,
                document_number=body.document_number,
                kind_label=KIND_LABELS[c.kind or "khieu_nai"],
                case_number=c.number,
                submitter_name=c.submitter_name,
                subject=c.subject,
                received_on=c.received_on,
                result_label=RESULT_LABELS[body.result],
                summary=body.summary,
                issued_on=today,
            )
        )
        claim = await hub.claims.put(pdf, media_type="application/pdf")

        async def step(tx: Any, case: Case) -> None:
            if case.status != "accepted":
                raise service.CaseError(f"Đơn {case.number} chưa thụ lý hoặc đã kết luận")
            case.status = "concluding"
            case.conclusion_result = body.result
            case.conclusion_summary = body.summary
            case.conclusion_number = body.document_number
            case.conclusion_draft = claim.model_dump(mode="json")
            await tx.emit(
                "sign.pdf.requested",
                {
                    "document": claim.model_dump(mode="json"),
                    "request": {
                        "signer": body.signer,
                        "stage": "approval",
                        "box": forms.SIGNATURE_BOX,
                        "reason": f"Kết luận giải quyết đơn {case.number}",
                        "document_number": body.document_number,
                        "issued_on": today,
                    },
                },
                issue=f"complaint:{case.id}",
            )

        return await change(request, principal, case_id, step)

    @router.get("/cases/{case_id}/conclusion.pdf", dependencies=[staff])
    async def conclusion_pdf(case_id: str, request: Request) -> Response:
        """The signed conclusion (or the draft while it waits for signature)."""
        hub = request.app.state.hub
        async with hub.db.session() as s:
            try:
                c = await service.find(s, case_id)
            except service.CaseError as exc:
                raise fail(exc) from None
        ref = c.conclusion_signed or c.conclusion_draft
        if ref is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Đơn {c.number} chưa có kết luận")
        from schemas.envelope import ClaimCheck

        return Response(await hub.claims.get(ClaimCheck.model_validate(ref)), media_type="application/pdf")

    @router.get("/stats", dependencies=[staff])
    async def statistics(
        request: Request, start: date = Query(alias="from"), end: date = Query(alias="to")
    ) -> dict[str, Any]:
        """Counts per kind and unit for cases received in the period, with the on-time rate."""
        async with request.app.state.hub.db.session() as s:
            cases = await stats.cases_in(s, start, end)
        today = module.today()
        return {
            "from": start,
            "to": end,
            "total": len(cases),
            "by_kind": stats.tally(cases, "kind", today),
            "by_unit": stats.tally(cases, "unit", today),
            "by_month": stats.tally(cases, "month", today),
        }

    @router.get("/stats.xlsx", dependencies=[staff])
    async def statistics_xlsx(
        request: Request, start: date = Query(alias="from"), end: date = Query(alias="to")
    ) -> Response:
        """The same statistics and the case list as an Excel workbook."""
        async with request.app.state.hub.db.session() as s:
            cases = await stats.cases_in(s, start, end)
        today = module.today()
        data = stats.workbook(
            stats.tally(cases, "kind", today),
            stats.tally(cases, "unit", today),
            cases,
            stats.tally(cases, "month", today),
        )
        name = f"thong-ke-don-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
        return Response(
            data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    return router
