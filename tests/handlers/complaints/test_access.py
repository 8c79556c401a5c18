"""Who may read and change a case: an officer of another unit gets 404 and changes nothing; the law's
checks at acceptance (the 90-day limitation) and refusal (the legal ground, forwarding); the deadline
filter; evidence with its files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.complaints import ComplaintsModule
from hub.runtime import wait_for
from tests.handlers.intake.harness import VN, Api, Clock, StartHub, Tap


def case(kind: str | None, subject: str, **kw: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "channel": "counter",
        "subject": subject,
        "content": kw.pop("content", "Nội dung đơn gửi Sở Kế hoạch và Đầu tư."),
        "submitter": {"name": "Trịnh Văn Khải", "phone": "0904111222", "address": "Cầu Giấy, Hà Nội"},
        **kw,
    }


async def test_an_officer_of_another_unit_cannot_read_or_change_a_case(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 9, 1, 9, tzinfo=VN))
    hub = await module_hub([ComplaintsModule(clock=clock)], ["handlers.complaints"])
    api = Api(hub)
    try:
        r = await api.call(
            "POST", "vanthu", "/api/complaints/cases", json=case("phan_anh", "Phản ánh chậm cấp phép")
        )
        cid = r.json()["id"]
        r = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{cid}/accept",
            json={"unit_id": "TH", "officer_id": "chuyenvien"},
        )
        assert r.status_code == 200, r.text
        r = await api.call(
            "POST", "chuyenvien", f"/api/complaints/cases/{cid}/notes", json={"text": "Đã xác minh tại chỗ."}
        )
        assert r.status_code == 201
        before = (await api.call("GET", "giamdoc", f"/api/complaints/cases/{cid}")).json()

        # chuyenvien2 is an officer of DNDT: the case is not theirs
        outsider = "chuyenvien2"
        assert (await api.call("GET", outsider, f"/api/complaints/cases/{cid}")).status_code == 404
        by_number = await api.call("GET", outsider, f"/api/complaints/cases/{before['number']}")
        assert by_number.status_code == 404 and "Trịnh" not in by_number.text
        listed = await api.call("GET", outsider, "/api/complaints/cases")
        assert listed.json()["total"] == 0 and "Trịnh" not in listed.text
        for path, body in (
            ("notes", {"text": "Ghi chú của người ngoài"}),
            ("assign", {"unit_id": "DNDT"}),
        ):
            refused = await api.call("POST", outsider, f"/api/complaints/cases/{cid}/{path}", json=body)
            assert refused.status_code in (403, 404), refused.text
        evidence = await api.call(
            "POST",
            outsider,
            f"/api/complaints/cases/{cid}/evidence",
            data={"text": "Ảnh"},
            files=[("files", ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50, "image/png"))],
        )
        assert evidence.status_code == 404
        assert (
            await api.call("GET", outsider, f"/api/complaints/cases/{cid}/conclusion.pdf")
        ).status_code == 404
        # the unit head of DNDT neither (the case is accepted and belongs to TH)
        assert (await api.call("GET", "truongphongdt", f"/api/complaints/cases/{cid}")).status_code == 404
        after = (await api.call("GET", "giamdoc", f"/api/complaints/cases/{cid}")).json()
        assert after == before  # nothing changed

        # the handling officer adds evidence; it is listed with its file
        ok = await api.call(
            "POST",
            "chuyenvien",
            f"/api/complaints/cases/{cid}/evidence",
            data={"text": "Biên bản làm việc"},
            files=[("files", ("biên bản.pdf", b"%PDF-1.4 bien ban", "application/pdf"))],
        )
        assert ok.status_code == 201, ok.text
        notes = (await api.call("GET", "chuyenvien", f"/api/complaints/cases/{cid}")).json()["notes"]
        [ev] = [n for n in notes if n["kind"] == "evidence"]
        assert ev["kind_label"] == "Chứng cứ" and ev["files"][0]["name"] == "biên bản.pdf"
        got = await api.call("GET", "chuyenvien", f"/api/complaints/cases/{cid}/notes/{ev['id']}/files/0")
        assert got.content == b"%PDF-1.4 bien ban"
        bad = await api.call(
            "POST",
            "chuyenvien",
            f"/api/complaints/cases/{cid}/evidence",
            data={"text": "Tệp lạ"},
            files=[("files", ("virus.pdf", b"MZ\x90", "application/pdf"))],
        )
        assert bad.status_code == 422 and "không phải tệp PDF" in bad.json()["detail"]
    finally:
        await api.close()


async def test_limitation_grounds_and_deadlines(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 9, 1, 9, tzinfo=VN))
    hub = await module_hub([ComplaintsModule(clock=clock)], ["handlers.complaints"])
    api = Api(hub)
    told = await Tap(hub, "lt.complaint.evt.submitter_notification_requested", "t-told").open()
    try:
        late = (
            await api.call(
                "POST", "vanthu", "/api/complaints/cases", json=case("khieu_nai", "Khiếu nại quyết định cũ")
            )
        ).json()
        # the decision was learnt of on 1 May: 90 days ended on 30 July, the case came on 1 September
        r = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{late['id']}/accept",
            json={"unit_id": "TH", "decision_known_on": "2026-05-01"},
        )
        assert r.status_code == 409 and "quá thời hiệu khiếu nại 90 ngày" in r.json()["detail"]
        assert "30/07/2026" in r.json()["detail"]
        detail = (await api.call("GET", "giamdoc", f"/api/complaints/cases/{late['id']}")).json()
        assert detail["status"] == "received" and detail["status_label"] == "Chờ thụ lý"
        codes = [g["code"] for g in detail["refusal_grounds"]]
        assert "het_thoi_hieu" in codes and "lan_hai" in codes
        r = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{late['id']}/reject",
            json={"ground": "het_thoi_hieu", "reason": "Đơn gửi sau 90 ngày, không nêu lý do chính đáng."},
        )
        assert r.status_code == 200, r.text
        assert r.json()["rejected_reason"].startswith("Căn cứ: Thời hiệu khiếu nại đã hết")
        # with a lawful excuse the same complaint may be accepted (and the excuse is on record)
        excused = (
            await api.call(
                "POST",
                "vanthu",
                "/api/complaints/cases",
                json=case("khieu_nai", "Khiếu nại quyết định thu hồi"),
            )
        ).json()
        r = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{excused['id']}/accept",
            json={
                "unit_id": "TH",
                "decision_known_on": "2026-05-01",
                "limitation_excuse": "Nằm viện từ 10/5 đến 20/8/2026, có giấy ra viện.",
            },
        )
        assert r.status_code == 200, r.text
        notes = (await api.call("GET", "giamdoc", f"/api/complaints/cases/{excused['id']}")).json()["notes"]
        assert notes[0]["kind"] == "limitation" and "Nằm viện" in notes[0]["text"]

        # a denunciation outside the department's competence is forwarded, and the denouncer told where
        d = (
            await api.call(
                "POST", "vanthu", "/api/complaints/cases", json=case("to_cao", "Tố cáo cán bộ phường")
            )
        ).json()
        no_body = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{d['id']}/reject",
            json={"ground": "khong_tham_quyen", "reason": "Không thuộc thẩm quyền của Sở."},
        )
        assert no_body.status_code == 422 and "cơ quan có thẩm quyền" in no_body.json()["detail"]
        wrong = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{d['id']}/reject",
            json={"ground": "lan_hai", "reason": "Không đúng loại đơn."},
        )
        assert wrong.status_code == 422
        r = await api.call(
            "POST",
            "giamdoc",
            f"/api/complaints/cases/{d['id']}/reject",
            json={
                "ground": "khong_tham_quyen",
                "reason": "Người bị tố cáo là cán bộ UBND phường.",
                "forward_to": "UBND phường Láng",
            },
        )
        assert (
            r.status_code == 200 and "Đơn đã được chuyển đến: UBND phường Láng" in r.json()["rejected_reason"]
        )

        async def forwarded() -> bool:
            return any("chuyển đơn" in m["payload"]["title"] for m in await told.drain())

        assert await wait_for(forwarded, timeout=60)

        # deadlines: past its acceptance deadline (received 20 Sept.) or its resolution deadline (1 Oct.)
        clock.set(2026, 9, 20)
        pending = (
            await api.call("POST", "vanthu", "/api/complaints/cases", json=case("phan_anh", "Phản ánh mới"))
        ).json()
        clock.set(2026, 10, 5)
        overdue = (await api.call("GET", "giamdoc", "/api/complaints/cases?deadline=overdue")).json()
        assert {c["id"] for c in overdue["items"]} == {pending["id"], excused["id"]}
        assert {c["deadline_state"] for c in overdue["items"]} == {"overdue"}
        soon = (await api.call("GET", "giamdoc", "/api/complaints/cases?deadline=due_soon")).json()
        assert soon["total"] == 0
    finally:
        await api.close()
