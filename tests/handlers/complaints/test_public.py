"""The citizens' pages without login: the form with files, the receipt code, the look-up, the limits.

Against a real nats-server and database: a case is filed with attachments and gets its receipt code;
the look-up with the right phone (or e-mail) shows status, dates and later the answer, a wrong one
gets nothing; a denunciation never shows its denouncer; files are bounded and typed with Vietnamese
refusals; the rate limit holds across two app instances on one database.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Any

import httpx

from handlers.complaints import ComplaintsModule
from handlers.complaints.settings import ComplaintsSettings
from hub.runtime import wait_for
from tests.handlers.intake.harness import VN, Api, Clock, StartHub, Tap

RECEIPT = re.compile(r'id="ma-tiep-nhan">([^<]+)<')
STATUS = re.compile(r'id="tinh-trang">([^<]+)<')
NAME = "Đặng Thị Thu Hà"
PHONE = "0983 456 789"


def png(size: int = 300) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * (size - 8)


def pdf(size: int = 300) -> bytes:
    return b"%PDF-1.4\n" + b"0" * (size - 12) + b"%%EOF"


def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def filled(kind: str = "khieu_nai", **extra: str) -> dict[str, str]:
    return {
        "kind": kind,
        "name": NAME,
        "phone": PHONE,
        "email": "thuha@example.vn",
        "address": "Số 8 ngõ 5 Kim Mã, Ba Đình, Hà Nội",
        "subject": "Khiếu nại quyết định thu hồi giấy chứng nhận đăng ký hộ kinh doanh",
        "content": "Ngày 02/05/2026 tôi nhận quyết định thu hồi mà không được giải thích lý do.",
        "respondent": "Phòng Đăng ký kinh doanh",
        "decision_known_on": "2026-05-02",
        "consent": "1",
        **extra,
    }


async def send(
    client: httpx.AsyncClient, data: dict[str, str], files: list[Any] | None = None
) -> httpx.Response:
    return await client.post(
        "/public/gui-don", data=data, files=files or [("files", ("", b"", "application/octet-stream"))]
    )


async def look(client: httpx.AsyncClient, code: str, contact: str) -> httpx.Response:
    return await client.post("/public/tra-cuu-don", data={"ma": code, "lien_he": contact})


async def test_form_round_trip_receipt_and_look_up(module_hub: StartHub, db_url: str) -> None:
    clock = Clock(datetime(2026, 6, 1, 9, tzinfo=VN))
    hub = await module_hub([ComplaintsModule(clock=clock)], ["handlers.complaints"], db_url=db_url)
    api = Api(hub)
    told = await Tap(hub, "lt.complaint.evt.submitter_notification_requested", "t-told").open()
    try:
        start = await api.client.get("/public")
        assert start.status_code == 200 and "Gửi đơn khiếu nại, tố cáo" in start.text
        assert (await api.client.get("/public/")).status_code == 200
        form = await api.client.get("/public/gui-don")
        for kind in ("Khiếu nại", "Tố cáo", "Phản ánh", "Kiến nghị"):
            assert f">{kind}</strong>" in form.text
        assert 'lang="vi"' in form.text and 'for="f-name"' in form.text

        r = await send(
            api.client,
            filled(),
            [
                ("files", ("quyết định.pdf", pdf(), "application/pdf")),
                ("files", ("ảnh cửa hàng.jpg", b"\xff\xd8\xff\xe0" + b"1" * 200, "image/jpeg")),
                ("files", ("đơn.docx", docx(), "application/octet-stream")),
            ],
        )
        assert r.status_code == 200, r.text
        code = RECEIPT.search(r.text).group(1)  # type: ignore[union-attr]
        assert re.fullmatch(r"DT-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
        assert "quyết định.pdf" in r.text and "11/06/2026" in r.text  # 10 days to decide on acceptance

        found = await look(api.client, code, "+84 983 456 789")  # the same phone, written otherwise
        assert found.status_code == 200, found.text
        assert STATUS.search(found.text).group(1) == "Đã tiếp nhận, đang xem xét thụ lý"  # type: ignore[union-attr]
        assert NAME not in found.text and "Kim Mã" not in found.text
        by_mail = await look(api.client, code.lower().replace("-", ""), "ThuHa@example.vn")
        assert by_mail.status_code == 200
        for wrong in ("0983 456 788", "khac@example.vn"):
            nothing = await look(api.client, code, wrong)
            assert nothing.status_code == 404 and "Không tìm thấy đơn" in nothing.text
            assert "Khiếu nại quyết định thu hồi" not in nothing.text
        guessed = await look(api.client, "DT-2222-2222", PHONE)
        assert guessed.status_code == 404 and "Không tìm thấy đơn" in guessed.text

        staff = (await api.call("GET", "vanthu", "/api/complaints/cases")).json()["items"][0]
        assert (
            staff["receipt_code"] == code
            and staff["channel"] == "web"
            and staff["decision_known_on"] == "2026-05-02"
        )
        assert [a["name"] for a in staff["attachments"]] == ["quyết định.pdf", "ảnh cửa hàng.jpg", "đơn.docx"]
        assert [a["media_type"] for a in staff["attachments"]][:2] == ["application/pdf", "image/jpeg"]
        got = await api.call("GET", "vanthu", f"/api/complaints/cases/{staff['id']}/files/0")
        assert got.status_code == 200 and got.content == pdf()

        # accepted: the look-up shows the unit and the resolution deadline; concluded: the answer
        r = await api.call(
            "POST", "giamdoc", f"/api/complaints/cases/{staff['id']}/accept", json={"unit_id": "DKKD"}
        )
        assert r.status_code == 200, r.text
        shown = (await look(api.client, code, PHONE)).text
        assert "Phòng Đăng ký kinh doanh" in shown and "01/07/2026" in shown  # 30 days from 1 June

        async def receipt_told() -> bool:
            return any("thụ lý" in m["payload"]["title"] for m in await told.drain())

        assert await wait_for(receipt_told, timeout=60)
        as_json = await api.client.post("/public/complaints/lookup", json={"code": code, "contact": PHONE})
        assert as_json.status_code == 200 and as_json.json()["unit_name"] == "Phòng Đăng ký kinh doanh"
        assert NAME not in as_json.text and "submitter" not in as_json.text
    finally:
        await api.close()


async def test_a_denunciation_never_shows_its_denouncer(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 6, 1, 9, tzinfo=VN))
    hub = await module_hub([ComplaintsModule(clock=clock)], ["handlers.complaints"])
    api = Api(hub)
    register = await Tap(hub, "lt.doc.cmd.register", "t-register").open()
    try:
        data = filled(
            "to_cao",
            subject="Tố cáo cán bộ Phòng Đăng ký kinh doanh nhận tiền",
            content="Cán bộ tiếp nhận yêu cầu nộp thêm 2 triệu đồng ngoài lệ phí để giải quyết nhanh.",
            respondent="Ông Nguyễn Văn X, Phòng Đăng ký kinh doanh",
            decision_known_on="",
        )
        r = await send(api.client, data, [("files", ("biên nhận.png", png(), "image/png"))])
        assert r.status_code == 200, r.text
        assert NAME not in r.text and "giữ bí mật" in r.text
        code = RECEIPT.search(r.text).group(1)  # type: ignore[union-attr]
        found = await look(api.client, code, PHONE)
        assert found.status_code == 200 and NAME not in found.text and "Kim Mã" not in found.text

        # the general register gets the case without the name, the subject or the files
        async def registered() -> bool:
            return len(await register.drain()) == 1

        assert await wait_for(registered, timeout=60)
        entry = register.messages[0]["payload"]
        assert NAME not in str(entry) and entry["attachments"] == [] and "nhận tiền" not in entry["subject"]

        # the clerk and a unit head see the case, the denouncer withheld; the leader sees who it is
        cid = (await api.call("GET", "giamdoc", "/api/complaints/cases")).json()["items"][0]["id"]
        for user in ("vanthu",):
            seen = await api.call("GET", user, f"/api/complaints/cases/{cid}")
            assert seen.status_code == 200 and NAME not in seen.text and PHONE not in seen.text
            assert seen.json()["identity_protected"] is True
            assert (await api.call("GET", user, f"/api/complaints/cases/{cid}/files/0")).status_code == 404
        assert (await api.call("GET", "truongphongdt", f"/api/complaints/cases/{cid}")).status_code == 404
        leader = await api.call("GET", "giamdoc", f"/api/complaints/cases/{cid}")
        assert leader.json()["submitter"]["name"] == NAME and leader.json()["identity_protected"] is False
        # handed to the inspectorate's care in TH: the denounced unit (DKKD) still cannot open it
        r = await api.call("POST", "giamdoc", f"/api/complaints/cases/{cid}/accept", json={"unit_id": "TH"})
        assert r.status_code == 200, r.text
        head = await api.call("GET", "truongphongth", f"/api/complaints/cases/{cid}")
        assert head.json()["submitter"]["name"] == NAME  # the handling unit's head handles it
        officer = await api.call("GET", "chuyenvien", f"/api/complaints/cases/{cid}")
        assert officer.status_code == 200 and NAME not in officer.text  # an officer not assigned to it
        listed = await api.call("GET", "vanthu", "/api/complaints/cases")
        assert NAME not in listed.text
    finally:
        await api.close()


async def test_files_are_bounded_and_typed(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 6, 1, 9, tzinfo=VN))
    settings = ComplaintsSettings(file_max_bytes=2048, files_max_bytes=4096, files_max_count=2, form_limit=50)
    hub = await module_hub([ComplaintsModule(clock=clock, settings=settings)], ["handlers.complaints"])
    api = Api(hub)
    try:
        cases: list[tuple[list[Any], str]] = [
            (
                [("files", ("chuong-trinh.exe", b"MZ\x90\x00" + b"0" * 100, "application/octet-stream"))],
                "không được nhận: chỉ nhận PDF, ảnh",
            ),
            (
                [("files", ("hoa-don.pdf", b"MZ\x90\x00" + b"0" * 100, "application/pdf"))],
                "có đuôi .pdf nhưng nội dung không phải tệp PDF",
            ),
            (
                [("files", ("anh.png", png(3000), "image/png"))],
                "có dung lượng 3 KB, vượt mức tối đa 2 KB cho mỗi tệp",
            ),
            ([("files", (f"{i}.png", png(1500), "image/png")) for i in range(3)], "tối đa 2 tệp"),
            ([("files", ("rong.pdf", b"", "application/pdf"))], "rỗng"),
        ]
        for files, message in cases:
            r = await send(api.client, filled(), files)
            assert r.status_code == 422, r.text
            assert message in r.text, (message, r.text[-2000:])
            assert 'value="Đặng Thị Thu Hà"' in r.text  # what the citizen typed is kept
        macro = io.BytesIO()
        with zipfile.ZipFile(macro, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", "<w:document/>")
            z.writestr("word/vbaProject.bin", "x")
        r = await send(
            api.client, filled(), [("files", ("mau.docx", macro.getvalue(), "application/msword"))]
        )
        assert r.status_code == 422 and "có chứa macro" in r.text
        # past twice the total, the request is cut while it streams
        r = await send(api.client, filled(), [("files", ("lon.pdf", pdf(300_000), "application/pdf"))])
        assert r.status_code == 413 and "vượt quá" in r.text
        missing = await send(api.client, {"kind": "to_cao", "consent": ""})
        assert missing.status_code == 422
        for message in (
            "Hãy nhập họ và tên",
            "Hãy nhập số điện thoại hoặc thư điện tử",
            "cần ghi rõ địa chỉ",
            "Hãy xác nhận",
        ):
            assert message in missing.text
        assert (await api.call("GET", "vanthu", "/api/complaints/cases")).json()["total"] == 0
    finally:
        await api.close()


async def test_the_rate_limit_holds_across_two_app_instances(module_hub: StartHub, db_url: str) -> None:
    url = db_url  # the same database for both
    clock = Clock(datetime(2026, 6, 1, 9, tzinfo=VN))
    one = await module_hub([ComplaintsModule(clock=clock, form_limit=3)], ["handlers.complaints"], db_url=url)
    two = await module_hub([ComplaintsModule(clock=clock, form_limit=3)], ["handlers.complaints"], db_url=url)
    first, second = Api(one), Api(two)  # two portal apps, two hubs, two engines: one database
    try:
        answers = []
        for i in range(4):
            client = (first if i % 2 == 0 else second).client
            data = filled(
                "phan_anh",
                subject=f"Phản ánh số {i} về giờ làm việc",
                content=f"Nội dung phản ánh khác nhau số {i}.",
            )
            answers.append(await send(client, data))
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert "quá nhiều lần" in refused.text and "Vui lòng thử lại sau khoảng" in refused.text
        assert int(refused.headers["Retry-After"]) >= 1
        again = await first.client.post(
            "/public/complaints/web-form",
            json={"subject": "Phản ánh", "content": "Nội dung đủ dài", "submitter": {"name": "A"}},
        )
        assert again.status_code == 429 and "Quá nhiều lượt gửi đơn" in again.json()["detail"]
        clock.set(2026, 6, 1, 11)  # two hours later the window has passed, in both
        assert (await send(second.client, filled("kien_nghi"))).status_code == 200
    finally:
        await first.close()
        await second.close()
