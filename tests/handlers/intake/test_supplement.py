"""The supplement request is made once, listing everything; the printed forms Mẫu 02, 03, 05, 06; the
public look-up page shows what to add and nothing about the applicant; the look-up limit is shared."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime

from handlers.intake import IntakeModule
from tests.handlers.intake.harness import VN, Api, Clock, StartHub

APPLICANT = {
    "name": "Công ty Cổ phần Hoa Sen Xanh",
    "id_number": "0108887776",
    "phone": "0977123456",
    "email": "hoasen@example.vn",
    "address": "25 Trần Duy Hưng, Cầu Giấy, Hà Nội",
}
ITEMS = [
    "Bản sao Điều lệ công ty có chữ ký của các cổ đông sáng lập",
    "Danh sách cổ đông sáng lập theo mẫu Phụ lục I-7",
    "Bản sao giấy tờ pháp lý của người đại diện theo pháp luật",
]


def text_of(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        return ""
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


async def test_supplement_once_listing_everything_and_the_forms(module_hub: StartHub, db_url: str) -> None:
    clock = Clock(datetime(2026, 11, 2, 9, tzinfo=VN))
    hub = await module_hub([IntakeModule(clock=clock)], ["handlers.intake"], db_url=db_url)
    api = Api(hub)
    try:
        d = (
            await api.call(
                "POST",
                "vanthu",
                "/api/intake/dossiers",
                json={"procedure_code": "DKDN-01", "applicant": APPLICANT},
            )
        ).json()
        code = d["code"]
        act = f"/api/intake/dossiers/{code}/actions"
        empty = await api.call("POST", "vanthu", f"{act}/supplement_requested", json={"note": ""})
        assert empty.status_code == 422 and "liệt kê đầy đủ" in empty.json()["detail"]
        r = await api.call("POST", "vanthu", f"{act}/supplement_requested", json={"items": ITEMS})
        assert r.status_code == 200, r.text
        assert r.json()["supplement_items"] == ITEMS and r.json()["status_label"] == "Chờ bổ sung"

        page = await api.client.get(f"/public/tra-cuu-ho-so?ma={code}")
        assert page.status_code == 200
        for item in ITEMS:
            assert item in page.text
        assert (
            "Chờ bổ sung" in page.text
            and APPLICANT["name"] not in page.text
            and APPLICANT["phone"] not in page.text
        )

        mau02 = await api.call("GET", "vanthu", f"/api/intake/dossiers/{code}/supplement.pdf")
        assert mau02.status_code == 200 and mau02.content.startswith(b"%PDF")
        words = text_of(mau02.content)
        assert not words or (
            "PHIẾU YÊU CẦU BỔ SUNG" in words and "Phụ lục I-7" in words and "một lần" in words
        )

        # the applicant brings the documents; a second supplement request is refused by the rules
        r = await api.call("POST", "vanthu", f"{act}/received", json={"note": "Đã nộp bổ sung"})
        assert r.status_code == 200, r.text
        again = await api.call(
            "POST", "vanthu", f"{act}/supplement_requested", json={"items": ["Giấy tờ khác"]}
        )
        assert again.status_code == 409
        assert (
            "chỉ yêu cầu bổ sung một lần" in again.json()["detail"] and "02/11/2026" in again.json()["detail"]
        )
        detail = (await api.call("GET", "vanthu", f"/api/intake/dossiers/{code}")).json()
        assert detail["supplement_items"] == ITEMS and [s["action"] for s in detail["steps"]] == [
            "received",
            "supplement_requested",
            "received",
        ]
        assert detail["steps"][1]["action_label"] == "Yêu cầu bổ sung, hoàn thiện"

        # refused with its reason: Mẫu 03
        no_reason = await api.call("POST", "vanthu", f"{act}/refused", json={})
        assert no_reason.status_code == 422
        r = await api.call(
            "POST",
            "vanthu",
            f"{act}/refused",
            json={"note": "Ngành nghề đăng ký thuộc danh mục cấm kinh doanh."},
        )
        assert r.status_code == 200
        mau03 = await api.call("GET", "vanthu", f"/api/intake/dossiers/{code}/refusal.pdf")
        words = text_of(mau03.content)
        assert mau03.status_code == 200 and (not words or ("TỪ CHỐI" in words and "danh mục cấm" in words))
        mau05 = await api.call("GET", "vanthu", f"/api/intake/dossiers/{code}/control.pdf")
        words = text_of(mau05.content)
        assert mau05.status_code == 200 and (
            not words or ("Lê Thị Hoa" in words and "Yêu cầu bổ sung" in words)
        )

        other = (
            await api.call(
                "POST",
                "vanthu",
                "/api/intake/dossiers",
                json={
                    "procedure_code": "DT-01",
                    "applicant": {**APPLICANT, "name": "Ông Phạm Văn Tâm"},
                    "accept": True,
                },
            )
        ).json()
        mau06 = await api.call("GET", "vanthu", "/api/intake/register.pdf?from=2026-11-01&to=2026-11-30")
        words = text_of(mau06.content)
        assert mau06.status_code == 200
        assert not words or (
            "SỔ THEO DÕI HỒ SƠ" in words and other["code"] in words and "Tổng số hồ sơ: 2" in words
        )
        listed = (await api.call("GET", "vanthu", "/api/intake/dossiers?q=Tâm")).json()
        assert [x["code"] for x in listed["items"]] == [other["code"]]
        assert (await api.call("GET", "vanthu", "/api/intake/dossiers?procedure_code=DT-01")).json()[
            "total"
        ] == 1
    finally:
        await api.close()


async def test_the_look_up_limit_holds_across_two_app_instances(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 11, 2, 9, tzinfo=VN))
    one = await module_hub([IntakeModule(clock=clock, lookup_limit=4)], ["handlers.intake"])
    two = await module_hub([IntakeModule(clock=clock, lookup_limit=4)], ["handlers.intake"])
    first, second = Api(one), Api(two)
    try:
        answers = [
            (await (first if i % 2 else second).client.get("/public/tra-cuu-ho-so?ma=KHONG-CO")).status_code
            for i in range(5)
        ]
        assert answers == [404, 404, 404, 404, 429]
        page = await first.client.get("/public/tra-cuu-ho-so?ma=KHONG-CO")
        assert (
            page.status_code == 429 and "quá nhiều lần" in page.text and int(page.headers["Retry-After"]) >= 1
        )
        assert (await second.client.get("/public/intake/lookup/KHONG-CO")).status_code == 429
        assert (await first.client.get("/public/tra-cuu-ho-so")).status_code == 200  # the empty form is free
    finally:
        await first.close()
        await second.close()
