"""A dossier that runs late: exactly one apology form (Mẫu 04), the citizen told, the look-up shows it."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime
from typing import Any

from handlers.intake import IntakeModule
from hub.runtime import wait_for
from kit.workcal import default_calendar
from tests.handlers.intake.harness import VN, Api, Clock, StartHub, Tap

APPLICANT = {
    "name": "Công ty TNHH Sao Mai",
    "id_number": "0109876543",
    "phone": "0912345678",
    "email": "saomai@example.vn",
    "address": "12 Phố Huế, Hai Bà Trưng, Hà Nội",
}


async def test_late_dossier_gets_exactly_one_apology(module_hub: StartHub, db_url: str) -> None:
    clock = Clock(datetime(2026, 11, 2, 9, tzinfo=VN))  # Monday
    intake = IntakeModule(clock=clock)
    hub = await module_hub([intake], ["handlers.intake"], db_url=db_url)
    api = Api(hub)  # the portal mounts public_router() under /public
    tasks = await Tap(hub, "lt.task.cmd.create", "t-tasks").open()
    docs = await Tap(hub, "lt.doc.cmd.register", "t-docs").open()
    events = await Tap(hub, "lt.intake.evt.>", "t-intake").open()
    try:
        up = await api.call(
            "POST",
            "vanthu",
            "/api/intake/files?name=don-de-nghi.pdf",
            content=b"%PDF-1.4 giay de nghi",
            headers={"content-type": "application/pdf"},
        )
        assert up.status_code == 200, up.text
        r = await api.call(
            "POST",
            "vanthu",
            "/api/intake/dossiers",
            json={
                "procedure_code": "DKDN-01",
                "applicant": APPLICANT,
                "accept": True,
                "documents": [up.json()],
            },
        )
        assert r.status_code == 201, r.text
        d = r.json()
        code = d["code"]
        assert code == f"{hub.settings.agency_code}-261102-0001"
        # business registration: 3 working days after Monday 2 November
        assert (
            d["due_date"]
            == default_calendar().add_working_days(date(2026, 11, 2), 3).isoformat()
            == "2026-11-05"
        )
        slip = await api.call("GET", "vanthu", f"/api/intake/dossiers/{code}/receipt.pdf")
        assert slip.status_code == 200
        assert slip.content.startswith(b"%PDF")
        assert shutil.which("pdftotext") is None or "05/11/2026" in pdf_text(slip.content)
        second = await api.call(
            "POST", "vanthu", "/api/intake/dossiers", json={"procedure_code": "DT-02", "applicant": APPLICANT}
        )
        assert second.json()["code"].endswith("-261102-0002")  # gap-free daily sequence

        r = await api.call(
            "POST", "vanthu", f"/api/intake/dossiers/{code}/actions/transferred", json={"unit_id": "DNDT"}
        )
        assert r.status_code == 200, r.text

        async def handed_over() -> bool:
            return len(await tasks.drain()) == 1 and len(await docs.drain()) == 1

        assert await wait_for(handed_over, timeout=60)
        task = tasks.messages[0]["payload"]
        assert task["assignee_unit_id"] == "DNDT" and task["deadline"] == "2026-11-05"
        assert task["source"] == "intake" and task["external_ref"] == code
        doc = docs.messages[0]["payload"]
        assert doc["source"] == "onestop" and doc["code"] == code
        assert doc["attachments"][0]["claim"]["sha256"] == up.json()["claim"]["sha256"]

        # Wednesday 4 November, one day before the deadline: the watch warns the unit head once,
        # and the unit issues Mẫu 04
        clock.set(2026, 11, 4)
        staff_notices = await Tap(hub, "lt.notify.cmd.send", "t-notify").open()
        assert await intake.scan(hub) == {"at_risk": 1, "overdue": 0}
        assert await intake.scan(hub) == {"at_risk": 0, "overdue": 0}
        wrong_unit = await api.call(
            "POST",
            "chuyenvien",
            f"/api/intake/dossiers/{code}/apology",
            json={"reason": "Cần xác minh thông tin", "new_due_date": "2026-11-10"},
        )
        assert wrong_unit.status_code == 404  # not their unit's dossier: as if there were none
        r = await api.call(
            "POST",
            "chuyenvien2",
            f"/api/intake/dossiers/{code}/apology",
            json={"reason": "Cần xác minh thông tin người thành lập", "new_due_date": "2026-11-10"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["due_date"] == "2026-11-10" and r.json()["original_due_date"] == "2026-11-05"
        again = await api.call(
            "POST",
            "truongphongdt",
            f"/api/intake/dossiers/{code}/apology",
            json={"reason": "Lần thứ hai xin hẹn lại", "new_due_date": "2026-11-12"},
        )
        assert again.status_code == 409
        assert "một lần" in again.json()["detail"]
        pdf = await api.call("GET", "chuyenvien2", f"/api/intake/dossiers/{code}/apology.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        if shutil.which("pdftotext"):
            text = " ".join(pdf_text(pdf.content).split())
            assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
            assert code in text and "10/11/2026" in text and "Phòng Đăng ký đầu tư" in text

        async def apology_told() -> bool:
            return len(await events.of_type("intake.apology_issued")) == 1

        assert await wait_for(apology_told, timeout=60)
        notices = [m["payload"] for m in await events.of_type("intake.citizen_notification_requested")]
        apology_notices = [n for n in notices if "hẹn lại" in n["title"]]
        assert len(apology_notices) == 1
        assert (
            apology_notices[0]["phone"] == APPLICANT["phone"] and "10/11/2026" in apology_notices[0]["body"]
        )
        assert apology_notices[0]["attachment"]["media_type"] == "application/pdf"

        # after the new date without a result: flagged overdue once, and the public look-up reads "Quá hạn"
        clock.set(2026, 11, 11)
        assert await intake.scan(hub) == {"at_risk": 0, "overdue": 1}
        assert await intake.scan(hub) == {"at_risk": 0, "overdue": 0}

        async def two_notices() -> bool:
            return len(await staff_notices.drain()) == 2

        assert await wait_for(two_notices, timeout=60)
        warned, overdue = (m["payload"] for m in staff_notices.messages)
        assert warned["recipients"] == ["truongphongdt"] and "05/11/2026" in warned["title"]
        assert set(overdue["recipients"]) == {"truongphongdt", "vanthu"} and "quá hạn" in overdue["title"]
        look = await api.client.get(f"/public/intake/lookup/{code}")
        assert look.status_code == 200
        body: dict[str, Any] = look.json()
        assert body["status_label"] == "Quá hạn" and body["rescheduled"] is True
        assert body["appointment_date"] == "2026-11-10"
        assert "Sao Mai" not in look.text and APPLICANT["phone"] not in look.text
    finally:
        await api.close()


async def test_apology_on_the_deadline_day_is_refused(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 11, 2, 9, tzinfo=VN))
    intake = IntakeModule(clock=clock)
    hub = await module_hub([intake], ["handlers.intake"])
    api = Api(hub)
    try:
        r = await api.call(
            "POST",
            "vanthu",
            "/api/intake/dossiers",
            json={"procedure_code": "DKDN-01", "applicant": APPLICANT, "accept": True},
        )
        code = r.json()["code"]
        await api.call(
            "POST", "vanthu", f"/api/intake/dossiers/{code}/actions/transferred", json={"unit_id": "DNDT"}
        )
        clock.set(2026, 11, 5)  # the deadline itself: too late for Mẫu 04
        late = await api.call(
            "POST",
            "truongphongdt",
            f"/api/intake/dossiers/{code}/apology",
            json={"reason": "Chưa kịp xử lý hồ sơ", "new_due_date": "2026-11-10"},
        )
        assert late.status_code == 409
        assert "chậm nhất 1 ngày trước hạn" in late.json()["detail"]
        bad = await api.call(
            "POST", "vanthu", "/api/intake/dossiers", json={"procedure_code": "XX-99", "applicant": APPLICANT}
        )
        assert bad.status_code == 422 and "XX-99" in bad.json()["detail"]
    finally:
        await api.close()


def pdf_text(data: bytes) -> str:
    """The text of a PDF through poppler's pdftotext."""
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return out.stdout.decode()
