"""Complaints and denunciations through the API: Tết deadlines, duplicates, two extensions and no more."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import load_workbook
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from adapters.signing import SigningConfig, SigningModule
from handlers.complaints import ComplaintsModule
from handlers.documents import DocumentsModule
from handlers.documents.settings import DocumentsSettings
from hub.core import module as core
from hub.models import AuditEntry, DeadLetter
from hub.runtime import wait_for
from tests.handlers.intake.harness import VN, Api, Clock, StartHub, Tap
from tests.support.otp_codes import one_time_code


def case(
    kind: str | None, subject: str, content: str, name: str = "Nguyễn Thị Hằng", **kw: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "channel": kw.pop("channel", "counter"),
        "subject": subject,
        "content": content,
        "submitter": {
            "name": name,
            "id_number": kw.pop("id_number", "001190004321"),
            "phone": "0903123456",
            "address": "Số 5 ngõ 12 Láng Hạ, Đống Đa, Hà Nội",
        },
        **kw,
    }


async def test_complaint_deadline_over_tet_and_duplicates(module_hub: StartHub, db_url: str) -> None:
    clock = Clock(datetime(2027, 1, 5, 9, tzinfo=VN))
    hub = await module_hub([ComplaintsModule(clock=clock)], ["handlers.complaints"], db_url=db_url)
    api = Api(hub)
    tasks = await Tap(hub, "lt.task.cmd.create", "t-tasks").open()
    try:
        r = await api.call(
            "POST",
            "vanthu",
            "/api/complaints/cases",
            json=case(
                "khieu_nai",
                "Khiếu nại quyết định thu hồi giấy chứng nhận đăng ký hộ kinh doanh",
                "Tôi không đồng ý với quyết định số 45/QĐ-UBND thu hồi giấy chứng nhận của hộ kinh doanh.",
                respondent="UBND quận Đống Đa",
            ),
        )
        assert r.status_code == 201, r.text
        first = r.json()
        assert first["number"] == "00001/2027" and first["acceptance_due"] == "2027-01-15"

        clock.set(2027, 1, 7)
        r = await api.call(
            "POST", "giamdoc", f"/api/complaints/cases/{first['id']}/accept", json={"unit_id": "TTr"}
        )
        assert r.status_code == 200, r.text
        # 30 days from 7 January 2027 end on Saturday 6 February, in the Tết break: Thursday 11 February
        assert r.json()["resolution_due"] == "2027-02-11" and r.json()["accepted_on_time"] is True

        clock.set(2027, 1, 26)
        r = await api.call(
            "POST",
            "vanthu",
            "/api/complaints/cases",
            json=case(
                "khieu_nai",
                "Khiếu nại việc chậm cấp giấy chứng nhận đăng ký đầu tư",
                "Hồ sơ nộp từ tháng 11 nhưng đến nay chưa được giải quyết.",
                name="Lê Văn Sơn",
                id_number="001080001111",
            ),
        )
        # 10 days from 26 January end on 5 February (Tết): Thursday 11 February
        assert r.json()["acceptance_due"] == "2027-02-11" and r.json()["duplicate_of"] is None

        # the same person files the same complaint again by post, slightly reworded: flagged as a duplicate
        r = await api.call(
            "POST",
            "vanthu",
            "/api/complaints/cases",
            json=case(
                "khieu_nai",
                "Khiếu nại quyết định thu hồi giấy chứng nhận đăng ký hộ kinh doanh",
                "Tôi không đồng ý với Quyết định số 45/QĐ-UBND về việc thu hồi giấy chứng nhận "
                "của hộ kinh doanh!",
                respondent="UBND quận Đống Đa",
                channel="post",
            ),
        )
        assert r.json()["duplicate_of"] == "00001/2027"

        async def two_tasks() -> bool:
            return len(await tasks.drain()) >= 3

        assert await wait_for(two_tasks, timeout=60)
        resolution = [t["payload"] for t in tasks.messages if t["payload"]["title"].startswith("Giải quyết")]
        assert resolution[0]["deadline"] == "2027-02-11" and resolution[0]["assignee_unit_id"] == "TTr"
        assert (
            len([t for t in tasks.messages if "00003/2027" in t["payload"]["title"]]) == 0
        )  # no task for a duplicate

        stats = (
            await api.call("GET", "giamdoc", "/api/complaints/stats?from=2027-01-01&to=2027-12-31")
        ).json()
        assert stats["total"] == 3
        assert stats["by_kind"][0]["received"] == 3 and stats["by_kind"][0]["accepted"] == 1
        assert [(m["key"], m["received"]) for m in stats["by_month"]] == [("2027-01", 3)]
        assert {u["key"]: u["accepted"] for u in stats["by_unit"]} == {"TTr": 1, "-": 0}
    finally:
        await api.close()


async def test_denunciation_extended_twice_and_no_more(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 3, 2, 9, tzinfo=VN))
    hub = await module_hub([ComplaintsModule(clock=clock)], ["handlers.complaints"])
    api = Api(hub)
    try:
        r = await api.call(
            "POST",
            "vanthu",
            "/api/complaints/cases",
            json=case(
                None,
                "Tố cáo cán bộ nhận tiền khi giải quyết hồ sơ",
                "Cán bộ tiếp nhận yêu cầu nộp thêm tiền ngoài lệ phí.",
                channel="email",
            ),
        )
        cid = r.json()["id"]
        early = await api.call(
            "POST", "giamdoc", f"/api/complaints/cases/{cid}/accept", json={"unit_id": "TTr"}
        )
        assert early.status_code == 422 and "phân loại" in early.json()["detail"]
        r = await api.call("POST", "vanthu", f"/api/complaints/cases/{cid}/classify", json={"kind": "to_cao"})
        assert r.json()["acceptance_due"] == "2026-03-11"  # 7 working days after Monday 2 March
        clock.set(2026, 3, 9)
        r = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{cid}/accept",
            json={"unit_id": "TH", "complexity": "very_complex"},  # the officer below is of TH
        )
        assert r.json()["resolution_due"] == "2026-04-08"  # 9 March + 30 days
        r = await api.call(
            "POST",
            "chuyenvien",
            f"/api/complaints/cases/{cid}/notes",
            json={"text": "Đã làm việc với người bị tố cáo."},
        )
        assert r.status_code == 201
        one = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{cid}/extend",
            json={"days": 30, "reason": "Cần xác minh tại nhiều nơi"},
        )
        assert one.status_code == 200, one.text
        assert one.json()["resolution_due"] == "2026-05-08" and one.json()["extensions"] == 1
        two = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{cid}/extend",
            json={"days": 30, "reason": "Chờ kết quả giám định"},
        )
        # 9 March + 90 days = Sunday 7 June -> Monday 8 June
        assert two.json()["resolution_due"] == "2026-06-08" and two.json()["extensions"] == 2
        three = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{cid}/extend",
            json={"days": 10, "reason": "Xin thêm thời gian"},
        )
        assert three.status_code == 409 and "tối đa 2 lần" in three.json()["detail"]
        detail = (await api.call("GET", "giamdoc", f"/api/complaints/cases/{cid}")).json()
        assert detail["resolution_due"] == "2026-06-08"
        assert [n["kind"] for n in detail["notes"]] == ["note", "extension", "extension"]
        officer = await api.call(
            "POST",
            "chuyenvien",
            f"/api/complaints/cases/{cid}/extend",
            json={"days": 10, "reason": "Không có quyền"},
        )
        assert officer.status_code == 403
    finally:
        await api.close()


async def test_conclusion_signed_by_the_leader_is_numbered_sealed_and_issued_by_the_clerk(
    module_hub: StartHub, signing_config: SigningConfig
) -> None:
    clock = Clock(datetime(2026, 5, 4, 9, tzinfo=VN))
    documents = DocumentsModule(DocumentsSettings(signing_enabled=True))
    hub = await module_hub(
        [ComplaintsModule(clock=clock), SigningModule(signing_config), documents],
        ["handlers.complaints", "handlers.documents"],
    )
    api = Api(hub)
    told = await Tap(hub, "lt.complaint.evt.submitter_notification_requested", "t-told").open()
    try:
        r = await api.call(
            "POST",
            "vanthu",
            "/api/complaints/cases",
            json=case(
                "kien_nghi",
                "Kiến nghị rút ngắn thời gian cấp giấy chứng nhận đầu tư",
                "Đề nghị Sở công khai tiến độ xử lý hồ sơ trên cổng dịch vụ công.",
                channel="web",
            ),
        )
        cid = r.json()["id"]
        r = await api.call("POST", "giamdoc", f"/api/complaints/cases/{cid}/accept", json={"unit_id": "TH"})
        assert r.json()["resolution_due"] == "2026-05-18"  # 10 working days after Monday 4 May
        clock.set(2026, 5, 15)
        conclusion = {
            "result": "dung",
            "summary": "Kiến nghị có cơ sở; Sở sẽ công khai tiến độ từ quý III.",
            "signer": "leader",
        }
        no_code = await api.call("POST", "giamdoc", f"/api/complaints/cases/{cid}/conclude", json=conclusion)
        assert no_code.status_code == 403 and "Cần mã xác thực một lần" in no_code.json()["detail"]
        code = await one_time_code(hub, "giamdoc", {})
        r = await api.call(
            "POST", "giamdoc", f"/api/complaints/cases/{cid}/conclude", json={**conclusion, "otp": code}
        )
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "concluding"

        async def status_is(wanted: str) -> bool:
            got = (await api.call("GET", "giamdoc", f"/api/complaints/cases/{cid}")).json()
            return bool(got["status"] == wanted)

        # signed by the leader, the case waits for the clerk: no number yet, no word to the citizen
        assert await wait_for(lambda: status_is("issuing"), timeout=120)
        waiting = (await api.call("GET", "giamdoc", f"/api/complaints/cases/{cid}")).json()
        assert waiting["conclusion_number"] is None and waiting["concluded_on"] is None
        assert not any("Kết luận" in m["payload"]["title"] for m in await told.drain())

        # the clerk finds it among the approved outgoing documents and issues it: next số đi, the seal
        async def handed_over() -> list[dict[str, Any]]:
            found = (await api.call("GET", "vanthu", "/api/documents?direction=out&status=approved")).json()
            return [d for d in found["items"] if cid_number in d["subject"]]

        cid_number = r.json()["number"]
        assert await wait_for(handed_over, timeout=60)
        [doc] = await handed_over()
        assert doc["document_type"] == "Công văn" and doc["number"] is None
        issued = await api.call("POST", "vanthu", f"/api/documents/{doc['id']}/issue")
        assert issued.status_code == 200, issued.text
        assert await wait_for(lambda: status_is("concluded"), timeout=120)
        detail = (await api.call("GET", "giamdoc", f"/api/complaints/cases/{cid}")).json()
        assert detail["on_time"] is True and detail["concluded_on"] == "2026-05-15"
        register = (await api.call("GET", "vanthu", f"/api/documents/{doc['id']}")).json()
        assert register["status"] == "issued" and register["code"] == detail["conclusion_number"]
        assert "/SKHĐT-" in detail["conclusion_number"]  # số đi and notation of a công văn of a unit
        assert detail["conclusion_document_id"] == doc["id"]
        pdf = await api.call("GET", "giamdoc", f"/api/complaints/cases/{cid}/conclusion.pdf")
        assert pdf.content.startswith(b"%PDF")
        # two signatures in the bytes: the leader's approval, then the organisation's seal at issue
        reader = PdfFileReader(io.BytesIO(pdf.content))
        names = [s.signer_cert.subject.native["common_name"] for s in reader.embedded_signatures]
        assert len(names) == 2 and names[0] != names[1], names

        async def told_of_conclusion() -> bool:
            return any("Kết luận" in m["payload"]["title"] for m in await told.drain())

        assert await wait_for(told_of_conclusion, timeout=60)
        notice = next(m["payload"] for m in told.messages if "Kết luận" in m["payload"]["title"])
        assert notice["attachment"]["sha256"] == detail["conclusion_signed"]["sha256"]

        stats = await api.call("GET", "giamdoc", "/api/complaints/stats.xlsx?from=2026-01-01&to=2026-12-31")
        sheet = load_workbook(io.BytesIO(stats.content)).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert (
            rows[0][0] == "Loại đơn" and rows[1][:6] == ("Kiến nghị", 1, 1, 0, 1, 1) and rows[1][-1] == 100.0
        )
    finally:
        await api.close()


async def test_a_unit_head_cannot_have_a_conclusion_signed_with_the_leaders_key(
    module_hub: StartHub, signing_config: SigningConfig
) -> None:
    clock = Clock(datetime(2026, 5, 4, 9, tzinfo=VN))
    hub = await module_hub(
        [core, ComplaintsModule(clock=clock), SigningModule(signing_config)], ["handlers.complaints"]
    )
    api = Api(hub)
    refused = await Tap(hub, "lt.sign.evt.pdf_refused", "t-refused").open()
    try:
        r = await api.call(
            "POST",
            "vanthu",
            "/api/complaints/cases",
            json=case("phan_anh", "Phản ánh chậm trả kết quả", "Hồ sơ nộp từ tháng trước chưa có kết quả."),
        )
        cid = r.json()["id"]
        r = await api.call(
            "POST", "truongphongth", f"/api/complaints/cases/{cid}/accept", json={"unit_id": "TH"}
        )
        assert r.status_code == 200, r.text
        code = await one_time_code(hub, "truongphongth", {})  # the unit head's own factor is right ...
        r = await api.call(
            "POST",
            "truongphongth",
            f"/api/complaints/cases/{cid}/conclude",
            json={
                "result": "dung",
                "summary": "Phản ánh đúng; đơn vị đã trả kết quả.",
                "document_number": "16/KL-SKHĐT",
                "signer": "leader",
                "otp": code,
            },
        )
        assert r.status_code == 202, r.text

        async def back_to_the_unit() -> bool:
            got = (await api.call("GET", "truongphongth", f"/api/complaints/cases/{cid}")).json()
            return bool(got["status"] == "accepted")

        assert await wait_for(back_to_the_unit, timeout=90)  # ... but the leader's key is not theirs
        detail = (await api.call("GET", "truongphongth", f"/api/complaints/cases/{cid}")).json()
        [note] = [n for n in detail["notes"] if n["kind"] == "signing"]
        assert "không phải người giữ khóa ký 'leader'" in note["text"]
        assert detail["conclusion_signed"] is None

        async def dead_lettered() -> bool:
            async with hub.db.session() as s:
                found = await s.scalar(select(DeadLetter.id).where(DeadLetter.consumer == "signing-pdf"))
            return found is not None

        assert await wait_for(dead_lettered, timeout=30)
        async with hub.db.session() as s:
            audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "signing.refused"))
        assert audit is not None and audit.actor == "truongphongth"
        assert await refused.drain()
    finally:
        await api.close()


async def test_public_web_form_files_a_case_without_login(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 6, 1, 9, tzinfo=VN))
    complaints = ComplaintsModule(clock=clock, form_limit=2)
    hub = await module_hub([complaints], ["handlers.complaints"])
    api = Api(hub)  # the portal mounts public_router() under /public
    try:
        form = {
            "subject": "Phản ánh thủ tục rườm rà",
            "content": "Biểu mẫu đăng ký yêu cầu nộp bản sao trùng lặp.",
            "submitter": {"name": "Phạm Thu Trang", "email": "trang@example.vn"},
        }
        r = await api.client.post("/public/complaints/web-form", json=form)
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        assert number == "00001/2026" and "thụ lý" in r.json()["message"]
        filed = (await api.call("GET", "vanthu", "/api/complaints/cases")).json()["items"][0]
        assert filed["number"] == number
        assert filed["channel"] == "web" and filed["kind"] is None and filed["status"] == "received"
        api.client.cookies.clear()
        other = {
            **form,
            "subject": "Phản ánh khác hẳn về giờ làm việc",
            "content": "Bộ phận một cửa mở cửa muộn.",
        }
        assert (await api.client.post("/public/complaints/web-form", json=other)).status_code == 201
        limited = await api.client.post("/public/complaints/web-form", json=other)
        assert limited.status_code == 429
        bad = await api.client.post("/public/complaints/web-form", json={**form, "submitter": {}})
        assert bad.status_code == 422  # validation names the missing field before any rate limit
        assert "name" in bad.text
    finally:
        await api.close()


async def test_email_submission_arrives_as_a_bus_command(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 7, 1, 9, tzinfo=VN))
    hub = await module_hub([ComplaintsModule(clock=clock)], ["handlers.complaints"])
    api = Api(hub)
    try:
        mail = case(
            "to_cao",
            "Tố cáo hành vi gây khó dễ",
            "Cán bộ hẹn nhiều lần không lý do.",
            channel="email",
            external_ref="<abc123@mail.example.vn>",
            received_on="2026-06-30",
        )
        await hub.publish("complaint.submit_requested", mail, source="mail")

        async def filed() -> bool:
            return len((await api.call("GET", "vanthu", "/api/complaints/cases")).json()["items"]) == 1

        assert await wait_for(filed, timeout=60)
        got = (await api.call("GET", "vanthu", "/api/complaints/cases")).json()["items"][0]
        assert got["channel"] == "email" and got["received_on"] == "2026-06-30"
        assert got["acceptance_due"] == "2026-07-09"  # 7 working days after Tuesday 30 June
    finally:
        await api.close()
