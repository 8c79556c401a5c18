"""The citizens' pages of the complaints module (`router`), mounted under /public without login.

- `GET /public`, `/public/`: the start page of the public pages (cases, and the one-stop dossier look-up).
- `GET|POST /public/gui-don`: the form, the four kinds explained in plain words; attachments read as
  they stream (`formdata`), bounded and typed (`uploads`); the answer is the receipt code.
- `GET|POST /public/tra-cuu-don`: look-up by receipt code and the phone or e-mail given with the case
  (status, dates, handling unit, the answer once concluded); `POST /public/tra-cuu-don/ket-luan.pdf`.
- JSON for other front ends: `POST /public/complaints/web-form`, `POST /public/complaints/lookup`.

Rate limits per client IP are counted in the database, shared by every process (429, `Retry-After`, a
Vietnamese message). No page shows who filed a case: a denouncer's identity never leaves the staff side.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from handlers.complaints import ComplaintsModule, formdata, publicform, receipts, service, uploads
from handlers.complaints.models import Case
from hub.errors import DomainError, NotFound
from hub.orgchart import Unit
from hub.runtime import Hub
from hub.web import hub_of, module_of, transaction
from kit.ratelimit import retry_header, vn_wait
from schemas.complaints import KIND_LABELS, CaseKind, SubmitCase, Submitter

router = APIRouter(tags=["public"])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.filters["vndate"] = service.vn
SOURCE = "complaints-web"
FIELDS_ALLOWANCE = 256 * 1024  # the text fields and the multipart framing around the files
LOOKUP_FAILED = "Không tìm thấy đơn với mã tiếp nhận và số điện thoại hoặc thư điện tử đã nhập."


def _module(request: Request) -> ComplaintsModule:
    return module_of(request, "complaints", ComplaintsModule)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    hub = hub_of(request)
    return TEMPLATES.TemplateResponse(
        request,
        f"public/{template}",
        {"agency_name": hub.settings.agency_name, "intake_lookup": _has(hub, "intake"), **context},
        status_code=status_code,
    )


def _has(hub: Hub, name: str) -> bool:
    """Whether another module's public page is served here (its link is shown only then)."""
    return any(m.name == name for m in hub.modules)


def _limited(request: Request, wait: float, what: str) -> HTMLResponse:
    response = _page(
        request,
        "message.html",
        status_code=429,
        title="Tạm thời chưa nhận thêm yêu cầu",
        message=f"Ông/Bà đã {what} quá nhiều lần trong thời gian ngắn. "
        f"Vui lòng thử lại sau {vn_wait(wait)}. Đơn và thông tin đã gửi trước đó không bị ảnh hưởng.",
    )
    response.headers["Retry-After"] = retry_header(wait)
    return response


# -- the start page --------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse, include_in_schema=False)
@router.get("/", response_class=HTMLResponse)
async def start(request: Request) -> HTMLResponse:
    """The start page of the public pages: send a case, look one up, look a one-stop dossier up."""
    return _page(request, "start.html", title="Dịch vụ dành cho công dân, doanh nghiệp")


# -- the form --------------------------------------------------------------------------------------


def _limits(module: ComplaintsModule) -> uploads.Limits:
    s = module.settings
    return uploads.Limits(s.file_max_bytes, s.files_max_bytes, s.files_max_count)


def _form_page(
    request: Request,
    module: ComplaintsModule,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    limits = _limits(module)
    return _page(
        request,
        "form.html",
        status_code=status_code,
        title="Gửi đơn khiếu nại, tố cáo, phản ánh, kiến nghị",
        kinds=publicform.KINDS,
        values=values or {},
        errors=errors or {},
        accept=uploads.ACCEPT,
        allowed=uploads.ALLOWED_WORDS,
        limits=limits,
        file_mb=uploads.megabytes(limits.file_bytes),
        total_mb=uploads.megabytes(limits.total_bytes),
        today=module.today().isoformat(),
    )


@router.get("/gui-don", response_class=HTMLResponse)
async def form(request: Request) -> HTMLResponse:
    """The form: which kind of case is which, who is writing, what about, files."""
    return _form_page(request, _module(request))


async def _drain(request: Request, cap: int) -> None:
    """Read what is left of a refused body (up to `cap` bytes) so the browser gets the answer."""
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > cap:
                return
    except Exception:  # the body was partly read or the client went away: nothing more to do
        return


async def _read(request: Request, module: ComplaintsModule) -> formdata.StreamedForm | HTMLResponse:
    """The form's body as it streams; a page saying why when it cannot be read at all."""
    limits = _limits(module)
    cap = limits.total_bytes * 2 + FIELDS_ALLOWANCE
    too_large = _form_page(
        request,
        module,
        errors={"files": f"Tổng dung lượng gửi lên vượt quá {uploads.megabytes(cap)}; hãy gửi ít tệp hơn."},
        status_code=413,
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        return too_large
    try:
        return await formdata.read_form(
            request.headers.get("content-type", ""), request.stream(), limits, hard_cap=cap
        )
    except formdata.BodyTooLarge:
        await _drain(request, cap)
        return too_large
    except (formdata.NotMultipart, ValueError):
        return _form_page(
            request, module, errors={"form": "Không đọc được biểu mẫu gửi lên."}, status_code=400
        )


@router.post("/gui-don", response_class=HTMLResponse)
async def send(request: Request) -> HTMLResponse:
    """File the case: checked fields and files, then the rate limit, then the receipt."""
    module = _module(request)
    hub = hub_of(request)
    limiter = module.limiter(hub.db, "form")
    wait = await limiter.wait(_client(request))
    if wait > 0:
        await _drain(request, _limits(module).total_bytes * 2)
        return _limited(request, wait, "gửi đơn")
    body = await _read(request, module)
    if isinstance(body, HTMLResponse):
        return body
    filled = publicform.read(body, _limits(module), module.today())
    if filled.errors:
        return _form_page(request, module, values=filled.values, errors=filled.errors, status_code=422)
    wait = await limiter.hit(_client(request))
    if wait > 0:
        return _limited(request, wait, "gửi đơn")
    c = await _file(request, module, filled)
    return _page(
        request,
        "receipt.html",
        title="Đơn đã được tiếp nhận",
        case=c,
        kind_label=KIND_LABELS.get(c.kind or "", "Chưa phân loại (cán bộ sẽ phân loại)"),
        files=[a.get("name") for a in c.attachments],
        protected=c.kind == "to_cao",
    )


async def _file(request: Request, module: ComplaintsModule, filled: publicform.Filled) -> Case:
    """Store the files, then log the case in one transaction."""
    hub = hub_of(request)
    claims = [await hub.claims.put(f.data, media_type=f.media_type) for f in filled.files]
    sub = filled.submission(claims)
    async with transaction(request, SOURCE) as tx:
        return await service.submit(
            tx,
            sub,
            when=module.now(),
            by=None,
            intake_unit=module.settings.intake_unit,
            decision_known_on=filled.decision_known_on,
            attachment_names=[f.name for f in filled.files],
        )


# -- the look-up -----------------------------------------------------------------------------------


async def _unit_name(hub: Hub, unit_id: str | None) -> str | None:
    if not unit_id:
        return None
    async with hub.db.session() as s:
        unit = await s.get(Unit, unit_id)
    return unit.name if unit else None


async def _found(request: Request, code: str, contact: str) -> Case | Response:
    """The case with this code and contact, after the look-up's rate limit; a refusal page otherwise."""
    module = _module(request)
    hub = hub_of(request)
    wait = await module.limiter(hub.db, "lookup").hit(_client(request))
    if wait > 0:
        return _limited(request, wait, "tra cứu")
    try:
        async with hub.db.session() as s:
            return await receipts.find(s, code, contact)
    except NotFound:
        return _lookup_page(request, code=code, contact=contact, error=LOOKUP_FAILED, status_code=404)


def _lookup_page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    response = _page(request, "lookup.html", status_code=status_code, title="Tra cứu đơn đã gửi", **context)
    response.headers["Cache-Control"] = "no-store"  # it holds the phone or e-mail typed in
    return response


@router.get("/tra-cuu-don", response_class=HTMLResponse)
async def lookup_form(request: Request, ma: str = "") -> HTMLResponse:
    """The look-up form (the code may come in the link of the receipt)."""
    return _lookup_page(request, code=ma)


LOOKUP_BODY = 4096  # a code and a phone or e-mail: anything larger is not the look-up form


async def _small_form(request: Request) -> dict[str, str] | None:
    """The look-up form's two fields; None for a body larger than the form could be."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > LOOKUP_BODY:
        return None
    form = await request.form(max_files=0, max_fields=5, max_part_size=1024)
    return {"ma": str(form.get("ma", "")).strip(), "lien_he": str(form.get("lien_he", "")).strip()}


@router.post("/tra-cuu-don", response_class=HTMLResponse)
async def lookup(request: Request) -> Response:
    """The case's status, dates, handling unit and answer, for its code and the submitter's contact."""
    form = await _small_form(request)
    if form is None:
        return _lookup_page(request, error="Yêu cầu tra cứu không hợp lệ.", status_code=413)
    code, contact = form["ma"], form["lien_he"]
    if not code or not contact:
        return _lookup_page(
            request,
            code=code,
            contact=contact,
            error="Hãy nhập mã tiếp nhận và số điện thoại hoặc thư điện tử đã khai khi gửi đơn.",
            status_code=422,
        )
    found = await _found(request, code, contact)
    if isinstance(found, Response):
        return found
    view = publicform.public_view(found, await _unit_name(hub_of(request), found.unit_id))
    return _lookup_page(request, code=code, contact=contact, case=view)


@router.post("/tra-cuu-don/ket-luan.pdf")
async def conclusion(request: Request) -> Response:
    """The signed conclusion, for the case's code and the submitter's contact."""
    form = await _small_form(request)
    if form is None:
        return _lookup_page(request, error="Yêu cầu tra cứu không hợp lệ.", status_code=413)
    found = await _found(request, form["ma"], form["lien_he"])
    if isinstance(found, Response):
        return found
    if found.status != "concluded" or not found.conclusion_signed:
        return _lookup_page(request, error="Đơn chưa có kết luận được ban hành.", status_code=404)
    data = await hub_of(request).claims.get(service.conclusion_file(found))
    name = f"ket-luan-{found.number.replace('/', '-')}.pdf"
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# -- JSON for other front ends ---------------------------------------------------------------------


class WebForm(BaseModel):
    """What a citizen fills in (without files: those come through the HTML form)."""

    kind: CaseKind | None = None
    subject: str = Field(min_length=3, max_length=500)
    content: str = Field(min_length=10, max_length=20000)
    submitter: Submitter
    respondent: str | None = Field(default=None, max_length=300)


class WebFormReceipt(BaseModel):
    """What the citizen is told: the receipt code to look the case up, its number, the acceptance deadline."""

    number: str
    receipt_code: str
    received_on: date
    message: str


class LookupRequest(BaseModel):
    code: str = Field(min_length=4, max_length=40, description="The receipt code, DT-XXXX-XXXX")
    contact: str = Field(min_length=5, max_length=200, description="The phone or e-mail given with the case")


def _json_limited(wait: float, what: str) -> JSONResponse:
    return JSONResponse(
        {"detail": f"Quá nhiều lượt {what}, vui lòng thử lại sau {vn_wait(wait)}"},
        status_code=429,
        headers={"Retry-After": retry_header(wait)},
    )


@router.post("/complaints/web-form", status_code=201, response_model=WebFormReceipt)
async def web_form(body: WebForm, request: Request) -> Response | WebFormReceipt:
    """File a case; answers its receipt code, number and acceptance deadline."""
    module = _module(request)
    wait = await module.limiter(hub_of(request).db, "form").hit(_client(request))
    if wait > 0:  # the web's own refusal, not a rule of the case
        return _json_limited(wait, "gửi đơn")
    sub = SubmitCase(channel="web", **body.model_dump())
    async with transaction(request, SOURCE) as tx:
        c = await service.submit(tx, sub, when=module.now(), by=None, intake_unit=module.settings.intake_unit)
    assert c.receipt_code is not None
    return WebFormReceipt(
        number=c.number,
        receipt_code=c.receipt_code,
        received_on=c.received_on,
        message=f"Đơn của Ông/Bà đã được tiếp nhận, số {c.number}, mã tra cứu {c.receipt_code}. "
        f"Cơ quan sẽ xem xét thụ lý và thông báo trước ngày {service.vn(c.acceptance_due)}.",
    )


@router.post("/complaints/lookup", response_model=publicform.PublicCase)
async def lookup_json(body: LookupRequest, request: Request) -> Response | publicform.PublicCase:
    """A case's public view for its receipt code and the submitter's phone or e-mail (404 otherwise)."""
    module = _module(request)
    hub = hub_of(request)
    wait = await module.limiter(hub.db, "lookup").hit(_client(request))
    if wait > 0:
        return _json_limited(wait, "tra cứu")
    try:
        async with hub.db.session() as s:
            c = await receipts.find(s, body.code, body.contact)
    except DomainError as exc:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)
    return publicform.public_view(c, await _unit_name(hub, c.unit_id))
