"""A living demo for `make run`: in its first minute, a fresh office receives work from its simulators.

Only on a data folder whose demo chart was just created (LIENTHONG_DEMO=false turns it all off), and
only through the counterparts' own simulators, exactly as real traffic would arrive:

- over the national axis (VDXP simulator), signed with the sending agency's development seal: a
  Hỏa tốc document from the Government Office, one with a deadline from a province, and one that is
  revoked a little later by its sender;
- over the city axis (LGSP simulator), a report request from the city People's Committee office;
- at the one-stop counter (its simulator), two dossiers of businesses;
- from the attendance device (its simulator), last month's punches of the demo staff;
- in the investment project registry, a few hundred generated projects;
- on the public pages, a citizen files a complaint and a business a petition (the citizens' own form);
- the office puts this week's leadership meetings on the schedule, approves and publishes them, and
  leaves one waiting for review (through the staff API, as the Văn phòng's head).

Each step is independent: a step that cannot run (its adapter is off or configured for a real
counterpart) is skipped with a log line. A marker file keeps the demo from playing twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import structlog

from schemas.edxml import (
    Attachment,
    BuildOptions,
    Bussiness,
    BussinessDocType,
    Code,
    EdocMessage,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    SignerInfo,
    StaffInfo,
    TraceHeader,
    TraceHeaderList,
    build_edoc,
)
from schemas.edxml.codes import VN_TZ, Priority

if TYPE_CHECKING:
    from hub.module import Module
    from hub.runtime import Hub
    from hub.settings import Settings

log = structlog.get_logger(__name__)
MARKER = "demo-traffic.done"
START_DELAY_SECONDS = 3.0
REVOKE_AFTER_SECONDS = 45.0
PROJECTS = 300
STAFF_CODES = {  # device enrolment code -> demo account
    "1001": "giamdoc",
    "1002": "phogiamdoc",
    "1003": "vanthu",
    "1004": "chanhvanphong",
    "1005": "truongphongth",
    "1006": "chuyenvien",
    "1007": "chuyenvien2",
    "1008": "truongphongdt",
}


Later = tuple[str, Callable[[], Awaitable[None]]]
"""A step played after the first ones (a revocation), with its name."""
Step = Callable[["Hub", "Settings", list[Later]], Awaitable[str | None]]
"""One demo step: None when done, else why it was skipped; it may leave work for later."""


def start(hub: Hub, settings: Settings) -> asyncio.Task[None] | None:
    """Play the demo in the background, once per data folder; None when it already played or is off."""
    marker = settings.data_dir / MARKER
    if not settings.demo or marker.exists():
        return None
    return asyncio.create_task(_play(hub, settings, marker), name="demo-traffic")


async def _play(hub: Hub, settings: Settings, marker: Path) -> None:
    await asyncio.sleep(START_DELAY_SECONDS)
    later: list[Later] = []
    steps: list[tuple[str, Step]] = [
        ("projects", _projects),
        ("national_axis", _national_axis),
        ("city_axis", _city_axis),
        ("onestop", _onestop),
        ("attendance", _attendance),
        ("complaints", _complaints),
        ("meetings", _meetings),
        ("direction", _direction),
    ]
    for name, step in steps:
        try:
            skipped = await step(hub, settings, later)
        except Exception as exc:  # a demo step must never take the office down
            log.warning("demo.step_failed", step=name, error=f"{type(exc).__name__}: {exc}")
            continue
        if skipped:
            log.info("demo.step_skipped", step=name, reason=skipped)
        else:
            log.info("demo.step_done", step=name)
    await asyncio.to_thread(marker.write_text, dt.datetime.now(dt.UTC).isoformat() + "\n", "utf-8")
    for name, action in later:
        await asyncio.sleep(REVOKE_AFTER_SECONDS)
        try:
            await action()
        except Exception as exc:
            log.warning("demo.step_failed", step=name, error=f"{type(exc).__name__}: {exc}")
            continue
        log.info("demo.step_done", step=name)


def _module(hub: Hub, name: str) -> Module | None:
    return next((m for m in hub.modules if m.name == name), None)


# -- the national axis --------------------------------------------------------------------------------


def _pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with Vietnamese text (a DejaVu font when the system has one)."""
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if font.exists():
        doc.add_font("dejavu", fname=str(font))
        doc.set_font("dejavu", size=13)
    else:  # without a Unicode font the text is written without its diacritics
        doc.set_font("helvetica", size=13)
        title = title.encode("ascii", "ignore").decode()
        lines = [line.encode("ascii", "ignore").decode() for line in lines]
    doc.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_font_size(11)
    for line in lines:
        doc.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    out = io.BytesIO()
    doc.output(out)
    return out.getvalue()


def _edoc(
    sender: Organization,
    us: Organization,
    number: str,
    notation: str,
    subject: str,
    *,
    priority: Priority = Priority.NORMAL,
    due: dt.date | None = None,
    business: BussinessDocType = BussinessDocType.NEW,
    revoked: str | None = None,
    signer: tuple[str, str] = ("Nguyễn Văn An", "Chánh Văn phòng"),
) -> tuple[str, bytes]:
    today = dt.datetime.now(VN_TZ)
    document_id = f"{sender.organ_id},{today:%Y/%m/%d},{number}/{notation}"
    header = MessageHeader(
        from_=sender,
        to=[us],
        document_id=document_id,
        code=Code(code_number=number, code_notation=notation),
        promulgation_info=PromulgationInfo(place="Hà Nội", promulgation_date=today.date()),
        subject=subject,
        content=subject,
        signer_info=SignerInfo(competence="TL.", position=signer[1], full_name=signer[0]),
        due_date=due,
        other_info=OtherInfo(priority=priority),
        to_places=["Như trên", "Lưu: VT"],
    )
    trace = TraceHeaderList(
        trace_headers=[TraceHeader(organ_id=sender.organ_id, timestamp=today.replace(microsecond=0))],
        bussiness=Bussiness(
            document_id=revoked,
            bussiness_doc_type=business,
            bussiness_doc_reason=business.description,
            paper=0,
            staff_info=StaffInfo(department="Văn phòng", staff="Văn thư"),
        ),
    )
    pdf = _pdf(f"{number}/{notation}", [subject, "Đề nghị Sở Kế hoạch và Đầu tư thành phố Hà Nội phối hợp."])
    attachment = Attachment(
        content_id="1",
        attachment_name=f"{number}-{notation.replace('/', '-')}.pdf",
        description=subject[:100],
        content_type="application/pdf",
        data=pdf,
    )
    message = EdocMessage(message_header=header, trace_header_list=trace, attachments=[attachment])
    return document_id, build_edoc(message, BuildOptions(zip_attachments=True))


def _signed(edxml: bytes, settings: Settings, code: str) -> bytes:
    """Sign as the sending agency with its development seal, when the development PKI has one."""
    from adapters.signing.settings import DEV_PKI_FOLDER
    from schemas.edxml.dsig import SigningKey, sign_edoc

    folder = settings.data_dir / DEV_PKI_FOLDER
    key, chain = folder / "keys" / f"agency-{code}.key.pem", folder / "agencies" / f"{code}.pem"
    if not (key.exists() and chain.exists()):
        return edxml
    return sign_edoc(edxml, SigningKey.from_pem(key.read_bytes(), chain.read_bytes()))


async def _national_axis(hub: Hub, settings: Settings, later: list[Later]) -> str | None:
    from adapters.vdxp import VdxpClient, VdxpConfig
    from adapters.vdxp.settings import DEV_ENDPOINT, DEV_SECRET, DEV_SYSTEM_ID

    module: Any = _module(hub, "vdxp")
    if module is None or not module.settings.is_development:
        return "the national axis adapter is off or talks to the real axis"
    us = Organization(organ_id=settings.agency_code, organ_name=settings.agency_name)
    vpcp = Organization(organ_id="000.00.00.G22", organ_name="Văn phòng Chính phủ")
    nghean = Organization(organ_id="000.00.00.H41", organ_name="Ủy ban nhân dân tỉnh Nghệ An")
    tayninh = Organization(organ_id="000.00.00.H53", organ_name="Ủy ban nhân dân tỉnh Tây Ninh")
    today = dt.date.today()
    sends = [
        (
            vpcp,
            _edoc(
                vpcp,
                us,
                "9876",
                "VPCP-KTTH",
                "V/v đôn đốc giải ngân vốn đầu tư công những tháng cuối năm",
                priority=Priority.FLASH,
                due=today + dt.timedelta(days=3),
            ),
        ),
        (
            nghean,
            _edoc(
                nghean,
                us,
                "512",
                "UBND-KT",
                "V/v đề nghị cung cấp thông tin về các dự án đầu tư của nhà đầu tư Hà Nội tại Nghệ An",
                due=today + dt.timedelta(days=10),
            ),
        ),
    ]
    invitation = _edoc(
        tayninh, us, "2031", "UBND-VP", "V/v mời dự Hội nghị xúc tiến đầu tư tỉnh Tây Ninh năm 2027"
    )
    sends.append((tayninh, invitation))
    config = VdxpConfig(endpoint=DEV_ENDPOINT, systemid=DEV_SYSTEM_ID, secret=DEV_SECRET)
    async with VdxpClient(config) as client:
        for sender, (_, edxml) in sends:
            await client.send_edoc(
                _signed(edxml, settings, sender.organ_id), from_code=sender.organ_id, to=[us.organ_id]
            )

    async def revoke() -> None:
        _, revocation = _edoc(
            tayninh,
            us,
            "2031",
            "UBND-VP",
            "V/v mời dự Hội nghị xúc tiến đầu tư tỉnh Tây Ninh năm 2027",
            business=BussinessDocType.REVOKE,
            revoked=invitation[0],
        )
        async with VdxpClient(config) as again:
            await again.send_edoc(
                _signed(revocation, settings, tayninh.organ_id), from_code=tayninh.organ_id, to=[us.organ_id]
            )

    later.append(("revocation", revoke))
    return None


# -- the city axis ------------------------------------------------------------------------------------


async def _city_axis(hub: Hub, settings: Settings, later: list[Later]) -> str | None:
    from adapters.lgsp.client import LgspClient
    from adapters.lgsp.settings import DEV_CITY_AGENCIES

    module: Any = _module(hub, "lgsp")
    if module is None or not module.settings.embeds_simulator:
        return "the city axis adapter is off or talks to the real city axis"
    sender = DEV_CITY_AGENCIES[0]
    us = Organization(organ_id=settings.agency_code, organ_name=settings.agency_name)
    office = Organization(organ_id=sender.organ_id, organ_name=sender.name)
    _, edxml = _edoc(
        office,
        us,
        "4417",
        "UBND-TH",
        "V/v báo cáo tình hình thu hút đầu tư trực tiếp nước ngoài năm 2026",
        due=dt.date.today() + dt.timedelta(days=7),
    )
    client = LgspClient(module.settings.simulator_url, sender.organ_id, sender.token)
    try:
        await client.send_document(edxml, receiver_ids=[us.organ_id])
    finally:
        await client.aclose()
    return None


# -- the one-stop counter, the attendance device, the project registry --------------------------------


async def _onestop(hub: Hub, settings: Settings, later: list[Later]) -> str | None:
    module: Any = _module(hub, "onestop")
    if module is None or not getattr(module, "embedded", False):
        return "the one-stop adapter is off or talks to the real one-stop system"
    dossiers = [
        {
            "procedure_code": "DKDN-01",
            "applicant": {"name": "Công ty TNHH Thương mại Sông Hồng", "phone": "0912345678"},
        },
        {
            "procedure_code": "DKDN-02",
            "applicant": {"name": "Công ty Cổ phần Xây dựng Thăng Long", "email": "lienhe@thanglong.vn"},
            "channel": "counter",
        },
    ]
    async with httpx.AsyncClient(base_url=module.settings.simulator_url, timeout=30) as client:
        for body in dossiers:
            (await client.post("/api/dossiers", json=body)).raise_for_status()
    return None


async def _attendance(hub: Hub, settings: Settings, later: list[Later]) -> str | None:
    from handlers.timekeeping import service as timekeeping
    from hub.auth import Principal
    from hub.orgchart import ADMIN

    module: Any = _module(hub, "attendance")
    if module is None or _module(hub, "timekeeping") is None or not getattr(module, "embedded", False):
        return "the attendance adapter or timekeeping is off, or a real device is configured"
    admin = Principal(id="quantri", username="quantri", full_name="Quản trị (demo)", roles=frozenset({ADMIN}))
    async with hub.transaction("timekeeping", "quantri") as work:
        for code, user in STAFF_CODES.items():
            await timekeeping.enrol(work, admin, code, user)
    first = dt.date.today().replace(day=1)
    month = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    url = f"http://127.0.0.1:{module.settings.simulator_port}"
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        answer = await client.post("/api/month", json={"month": month, "codes": list(STAFF_CODES)})
        answer.raise_for_status()
    return None


async def _projects(hub: Hub, settings: Settings, later: list[Later]) -> str | None:
    from handlers.projects import versions
    from handlers.projects.generator import generate

    if _module(hub, "projects") is None:
        return "the projects module is not loaded"
    when = dt.datetime.now(dt.UTC)
    for data in generate(PROJECTS):
        async with hub.transaction("projects", "demo") as tx:
            await versions.register(tx, data, when=when, by="demo")  # the registry's own seed
    return None


# -- the citizens' public form and the week's schedule, through the portal as people use it ------------


def _portal_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.portal_host in ("0.0.0.0", "::", "") else settings.portal_host
    return f"http://{host}:{settings.portal_port}"


CASES = [
    {
        "kind": "khieu_nai",
        "subject": "Khiếu nại về việc chậm giải quyết hồ sơ điều chỉnh dự án đầu tư",
        "content": "Công ty đã nộp hồ sơ điều chỉnh chủ trương đầu tư từ ngày 02/10 nhưng đến nay quá hạn "
        "mà chưa nhận được kết quả hay văn bản giải thích lý do chậm trễ.",
        "submitter": {
            "name": "Nguyễn Thị Thu Hà",
            "id_number": "001185012345",
            "phone": "0904123456",
            "address": "Số 12 phố Hàng Bông, phường Hoàn Kiếm, Hà Nội",
        },
        "respondent": "Phòng Đăng ký đầu tư",
    },
    {
        "kind": "kien_nghi",
        "subject": "Kiến nghị công khai tiến độ giải ngân các dự án đầu tư công trên địa bàn",
        "content": "Đề nghị Sở công bố định kỳ hằng quý tiến độ giải ngân của từng dự án để người dân "
        "và doanh nghiệp cùng theo dõi.",
        "submitter": {"name": "Công ty Cổ phần Tư vấn Hồng Hà", "email": "lienhe@tuvanhongha.vn"},
    },
]


async def _complaints(hub: Hub, settings: Settings, later: list[Later]) -> str | None:
    if _module(hub, "complaints") is None:
        return "the complaints module is not loaded"
    async with httpx.AsyncClient(base_url=_portal_url(settings), timeout=30) as client:
        for case in CASES:
            (await client.post("/public/complaints/web-form", json=case)).raise_for_status()
    return None


async def _meetings(hub: Hub, settings: Settings, later: list[Later]) -> str | None:
    """This week's schedule: the office's head registers it, approves all but one and publishes."""
    password_file = settings.data_dir / "demo-password.txt"
    if _module(hub, "meetings") is None or not password_file.exists():
        return "the meetings module is not loaded, or the demo accounts' password is not known"
    password = (await asyncio.to_thread(password_file.read_text, "utf-8")).strip()
    today = dt.datetime.now(VN_TZ).date()
    monday = today - dt.timedelta(days=today.weekday())

    def at(day: int, hour: int, minute: int = 0) -> str:
        return dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour, minute), VN_TZ).isoformat()

    async with httpx.AsyncClient(base_url=_portal_url(settings), timeout=30) as client:
        login = await client.post("/api/auth/login", json={"username": "chanhvanphong", "password": password})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        rooms = (await client.get("/api/meetings/rooms")).json()["items"]
        room = {"room_id": rooms[0]["id"]} if rooms else {"place": "Phòng họp tầng 3, trụ sở Sở"}
        week = [
            (
                "Giao ban lãnh đạo Sở đầu tuần",
                "giamdoc",
                ["phogiamdoc", "chanhvanphong"],
                at(0, 8),
                at(0, 9, 30),
            ),
            (
                "Họp rà soát tiến độ giải ngân vốn đầu tư công",
                "giamdoc",
                ["truongphongth"],
                at(2, 14),
                at(2, 16),
            ),
            (
                "Làm việc với nhà đầu tư dự án khu đô thị phía Tây",
                "phogiamdoc",
                ["truongphongdt"],
                at(3, 9),
                at(3, 11),
            ),
        ]
        batch = [
            {"title": t, "chair_id": c, "participant_ids": p, "starts_at": a, "ends_at": b, **room}
            for t, c, p, a, b in week
        ]
        answer = await client.post("/api/meetings/batch", json={"meetings": batch})
        answer.raise_for_status()
        for item in answer.json()[:-1]:  # the last one waits for the office's review
            (await client.post(f"/api/meetings/{item['id']}/approve", json={"note": ""})).raise_for_status()
        (await client.post(f"/api/meetings/weeks/{monday.isoformat()}/publish")).raise_for_status()
    return None


# -- direction: work in the unit's hands ---------------------------------------------------------------

DIRECTED = "512/UBND-KT"  # the national-axis document with the sender's deadline (see _national_axis)


async def _direction(hub: Hub, settings: Settings, later: list[Later]) -> str | None:
    """Once the documents are in the register, the director gives one to Phòng Tổng hợp and its head
    gives it to an officer: the unit head's and the officer's first screens then have work too."""
    password_file = settings.data_dir / "demo-password.txt"
    if _module(hub, "documents") is None or not password_file.exists():
        return "the documents module is not loaded, or the demo accounts' password is not known"
    password = (await asyncio.to_thread(password_file.read_text, "utf-8")).strip()

    async def direct() -> None:
        async with httpx.AsyncClient(base_url=_portal_url(settings), timeout=30) as client:

            async def as_(username: str) -> dict[str, str]:
                login = await client.post(
                    "/api/auth/login", json={"username": username, "password": password}
                )
                login.raise_for_status()
                return {"Authorization": f"Bearer {login.json()['token']}"}

            leader = await as_("giamdoc")
            found = await client.get(
                "/api/documents",
                params={"direction": "in", "status": "registered", "limit": 100},
                headers=leader,
            )
            doc = next((d for d in found.json()["items"] if d.get("code") == DIRECTED), None)
            if doc is None:
                raise RuntimeError(f"the demo document {DIRECTED} is not in the register")
            deadline = (dt.datetime.now(VN_TZ).date() + dt.timedelta(days=3)).isoformat()
            body = {
                "lead_unit_id": "TH",
                "deadline": deadline,
                "instruction": "Phòng Tổng hợp chủ trì, báo cáo",
            }
            (
                await client.post(f"/api/documents/{doc['id']}/assign", json=body, headers=leader)
            ).raise_for_status()
            head = await as_("truongphongth")
            officers = {"officer_ids": ["chuyenvien"], "lead_officer_id": "chuyenvien"}
            answer = await client.post(f"/api/documents/{doc['id']}/handlers", json=officers, headers=head)
            answer.raise_for_status()

    later.append(("direction", direct))
    return None
