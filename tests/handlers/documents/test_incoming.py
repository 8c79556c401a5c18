"""Incoming documents end to end on a real bus: received -> registered -> assigned -> handled -> completed,
with the statuses for the sending agency queued as `axis.send` commands in order; refusals; visibility."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from handlers.documents.clock import today
from handlers.documents.models import DocCounter, Document
from hub.models import AuditEntry
from hub.runtime import wait_for
from tests.handlers.documents.conftest import SENDER, Office, StartOffice, pdf_bytes, received_event


async def _received(office: Office, **kw: object) -> str:
    payload = await received_event(office.hub, **kw)  # type: ignore[arg-type]
    await office.hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)
    before = len(office.bus.seen["document.registered"])
    [*_, (_, registered)] = await office.bus.wait("document.registered", before + 1)
    return str(registered.document_id)


async def test_axis_document_is_registered_assigned_handled_and_completed_with_statuses_in_order(
    start_office: StartOffice, db_url: str
) -> None:
    office = await start_office(db_url)
    doc_id = await _received(office, priority=2)
    [(env, registered)] = office.bus.seen["document.registered"]
    assert (registered.so_den, registered.priority, registered.from_agency) == (
        1,
        "Thượng khẩn",
        "Văn phòng Chính phủ",
    )
    assert env.issue == f"{SENDER},2026/11/20,125/VPCP-KTTH"

    deadline = (today() + timedelta(days=20)).isoformat()
    r = await office.post(
        "giamdoc",
        f"/api/documents/{doc_id}/assign",
        json={
            "lead_unit_id": "TH",
            "coordinating_unit_ids": ["DNDT"],
            "deadline": deadline,
            "instruction": "Xử lý gấp",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "assigned"
    [(_, assigned)] = await office.bus.wait("document.assigned")
    assert (assigned.lead_unit_id, assigned.coordinating_unit_ids, assigned.priority) == (
        "TH",
        ["DNDT"],
        "Thượng khẩn",
    )

    r = await office.post(
        "truongphongth", f"/api/documents/{doc_id}/handlers", json={"officer_ids": ["chuyenvien"]}
    )
    assert r.status_code == 200, r.text
    [(_, handler)] = await office.bus.wait("document.handler_assigned")
    assert (handler.unit_id, handler.lead_officer_id) == ("TH", "chuyenvien")

    r = await office.post("chuyenvien", f"/api/documents/{doc_id}/processing", json={"note": "Đang tổng hợp"})
    assert r.status_code == 200, r.text
    r = await office.post("chuyenvien", f"/api/documents/{doc_id}/complete", json={"note": "Đã trả lời"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["deadline_status"], body["deadline_label"]) == (
        "completed",
        "done_on_time",
        "Hoàn thành đúng hạn",
    )
    [(_, completed)] = await office.bus.wait("document.completed")
    assert completed.completed_on_time

    await office.bus.wait("axis.send", 4)
    assert await office.bus.statuses(office.hub) == ["03", "04", "05", "06"]
    for _, cmd in office.bus.seen["axis.send"]:
        assert cmd.to_codes == [SENDER]
        message = cmd.status
        assert message.response_for.document_id == f"{SENDER},2026/11/20,125/VPCP-KTTH"
        assert message.response_for.code == "125/VPCP-KTTH"

    r = await office.get("vanthu", f"/api/documents/{doc_id}")
    history = [(h["action"], h["status_code"]) for h in r.json()["history"]]
    assert history == [
        ("received", None),
        ("registered", "03"),
        ("assigned", "04"),
        ("handler_assigned", None),
        ("processing", "05"),
        ("completed", "06"),
    ]
    async with office.hub.db.session() as s:
        actions = list(
            (await s.execute(select(AuditEntry.action, AuditEntry.actor).order_by(AuditEntry.id))).all()
        )
    assert ("document.assigned", "giamdoc") in actions
    assert ("document.completed", "chuyenvien") in actions


async def test_officers_see_only_what_was_assigned_to_them_or_their_unit(start_office: StartOffice) -> None:
    office = await start_office()
    doc_id = await _received(office, subject="Quyết định giao vốn cho dự án đường vành đai")
    r = await office.post("giamdoc", f"/api/documents/{doc_id}/assign", json={"lead_unit_id": "TH"})
    assert r.status_code == 200, r.text

    # chuyenvien sits in TH: sees it by link and by search; chuyenvien2 (DNDT) sees neither.
    assert (await office.get("chuyenvien", f"/api/documents/{doc_id}")).status_code == 200
    refused = await office.get("chuyenvien2", f"/api/documents/{doc_id}")
    assert refused.status_code == 404
    assert "không có quyền" in refused.json()["detail"]
    found = await office.get("chuyenvien", "/api/documents", params={"q": "quyet dinh giao von"})
    assert [d["id"] for d in found.json()["items"]] == [doc_id]
    hidden = await office.get("chuyenvien2", "/api/documents", params={"q": "quyet dinh giao von"})
    assert (hidden.json()["total"], hidden.json()["items"]) == (0, [])
    # The head of another unit cannot hand it out either.
    r = await office.post(
        "truongphongdt", f"/api/documents/{doc_id}/handlers", json={"officer_ids": ["chuyenvien2"]}
    )
    assert r.status_code == 404


async def test_refusals_are_clear_and_leave_nothing_half_written(start_office: StartOffice) -> None:
    office = await start_office()
    doc_id = await _received(office)

    # wrong role
    r = await office.post("chuyenvien", f"/api/documents/{doc_id}/assign", json={"lead_unit_id": "TH"})
    assert r.status_code == 403
    assert (
        "Lãnh đạo" in r.json()["detail"] and "leader" not in r.json()["detail"]
    )  # roles named in Vietnamese
    # missing field
    r = await office.post("giamdoc", f"/api/documents/{doc_id}/assign", json={"deadline": "2030-01-01"})
    assert r.status_code == 422
    assert "lead_unit_id" in r.text
    # unknown unit: refused, document untouched
    r = await office.post("giamdoc", f"/api/documents/{doc_id}/assign", json={"lead_unit_id": "KHONGCO"})
    assert r.status_code == 422
    assert "KHONGCO" in r.json()["detail"]
    r = await office.post("giamdoc", f"/api/documents/{doc_id}/assign", json={"lead_unit_id": "TH"})
    assert r.status_code == 200
    # wrong unit: the head of DNDT cannot assign officers on a TH document (they cannot even see it)
    r = await office.post(
        "truongphongdt", f"/api/documents/{doc_id}/handlers", json={"officer_ids": ["chuyenvien2"]}
    )
    assert r.status_code == 404
    # the head of TH cannot name an officer of another unit
    r = await office.post(
        "truongphongth", f"/api/documents/{doc_id}/handlers", json={"officer_ids": ["chuyenvien2"]}
    )
    assert r.status_code == 422
    assert "Hoàng Văn Nam không thuộc đơn vị" in r.json()["detail"]
    # an officer not assigned cannot complete
    r = await office.post("chuyenvien", f"/api/documents/{doc_id}/complete", json={})
    assert r.status_code == 403

    # duplicate paper registration of the same (số/ký hiệu, agency, date): 409, nothing written
    meta = {
        "subject": "Công văn về kế hoạch vốn năm 2027",
        "from_agency": "Sở Tài chính Hà Nội",
        "code": "88/STC-NS",
        "issued_date": "2026-11-25",
    }
    files = {"file": ("scan.pdf", pdf_bytes("Kế hoạch vốn năm 2027"), "application/pdf")}
    r = await office.post(
        "vanthu", "/api/documents/incoming/paper", data={"metadata": json.dumps(meta)}, files=files
    )
    assert r.status_code == 201, r.text
    assert r.json()["number"] == 2
    async with office.hub.db.session() as s:
        before = await s.scalar(select(func.count()).select_from(Document))
    r = await office.post(
        "vanthu", "/api/documents/incoming/paper", data={"metadata": json.dumps(meta)}, files=files
    )
    assert r.status_code == 409
    assert "trùng" in r.json()["detail"]
    async with office.hub.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Document)) == before
        assert (await s.get(DocCounter, ("VBDEN", today().year))).last == 2  # type: ignore[union-attr]
    # missing metadata: the field is named
    r = await office.post(
        "vanthu",
        "/api/documents/incoming/paper",
        data={"metadata": json.dumps({"subject": "x"})},
        files=files,
    )
    assert r.status_code == 422
    assert "from_agency" in r.json()["detail"]
    # a duplicate confirmed by the clerk is registered with the next number
    meta["allow_duplicate"] = True  # type: ignore[assignment]
    r = await office.post(
        "vanthu", "/api/documents/incoming/paper", data={"metadata": json.dumps(meta)}, files=files
    )
    assert r.status_code == 201
    assert (r.json()["number"], r.json()["duplicate_of"] is not None) == (3, True)
    # an officer cannot register paper
    r = await office.post(
        "chuyenvien", "/api/documents/incoming/paper", data={"metadata": json.dumps(meta)}, files=files
    )
    assert r.status_code == 403


async def test_duplicate_from_the_axis_waits_for_the_clerk_and_rejection_sends_02(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    await _received(office)
    again = await received_event(office.hub)
    again = again.model_copy(update={"axis_doc_id": "axis-again"})
    await office.hub.publish("document.received", again, source="vdxp", issue=again.document_id)
    r = None

    async def held() -> bool:
        nonlocal r
        r = await office.get("vanthu", "/api/documents", params={"status": "received"})
        return bool(r.json()["total"] == 1)

    assert await wait_for(held, timeout=60)
    assert r is not None
    [waiting] = r.json()["items"]
    assert waiting["duplicate_of"] is not None and waiting["number"] is None
    refused = await office.post("vanthu", f"/api/documents/{waiting['id']}/register", json={})
    assert refused.status_code == 409
    r = await office.post(
        "vanthu", f"/api/documents/{waiting['id']}/reject", json={"reason": "Văn bản gửi trùng"}
    )
    assert r.status_code == 200
    assert r.json()["status"] == "rejected"
    await office.bus.wait("axis.send", 2)
    assert await office.bus.statuses(office.hub) == ["03", "02"]
    message = office.bus.seen["axis.send"][1][1].status
    assert message.description is not None and "Văn bản gửi trùng" in message.description


async def test_search_ignores_diacritics_covers_full_text_and_reports_deadlines(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    first = await _received(office, subject="Quyết định phê duyệt chủ trương đầu tư")
    second = await _received(office, number="126", subject="Báo cáo tình hình giải ngân")
    r = await office.get("vanthu", "/api/documents", params={"q": "quyet dinh"})
    assert [d["id"] for d in r.json()["items"]] == [first]
    r = await office.get("vanthu", "/api/documents", params={"q": "GIAI NGAN"})
    assert [d["id"] for d in r.json()["items"]] == [second]

    # words only in the attached PDF's text
    async def indexed() -> bool:
        r = await office.get("vanthu", "/api/documents", params={"q": "noi dung chi tiet ve von"})
        return {d["id"] for d in r.json()["items"]} == {first, second}

    assert await wait_for(indexed, timeout=60)

    await office.post(
        "giamdoc",
        f"/api/documents/{first}/assign",
        json={"lead_unit_id": "TH", "deadline": today().isoformat()},
    )
    await office.post("giamdoc", f"/api/documents/{second}/assign", json={"lead_unit_id": "TH"})
    async with office.hub.db.session() as s:
        doc = await s.get(Document, second)
        assert doc is not None
        doc.deadline = today() - timedelta(days=1)
    r = await office.get("vanthu", "/api/documents", params={"deadline_status": "due_today"})
    assert [(d["id"], d["deadline_label"]) for d in r.json()["items"]] == [(first, "Đến hạn hôm nay")]
    r = await office.get("vanthu", "/api/documents", params={"deadline_status": "overdue"})
    assert [(d["id"], d["deadline_label"]) for d in r.json()["items"]] == [(second, "Quá hạn")]


async def test_register_command_from_another_module_is_registered_once(start_office: StartOffice) -> None:
    office = await start_office()
    from schemas.documents import RegisterDocument

    command = RegisterDocument(
        subject="Đơn khiếu nại về việc thu hồi đất",
        from_agency="Ông Nguyễn Văn Bình",
        source="complaints",
        external_ref="KN-2026-0042",
        priority="Khẩn",
    )
    await office.hub.publish("document.register", command, source="complaints")
    await office.hub.publish("document.register", command, source="complaints")
    [(_, registered)] = await office.bus.wait("document.registered")
    assert (registered.so_den, registered.source, registered.priority) == (1, "complaints", "Khẩn")
    r = await office.get("vanthu", "/api/documents", params={"q": "khieu nai thu hoi dat"})
    assert r.json()["total"] == 1


async def test_reading_a_confidential_document_is_audited(start_office: StartOffice) -> None:
    office = await start_office()
    meta = {
        "subject": "Báo cáo tình hình an ninh",
        "from_agency": "Công an thành phố",
        "confidentiality": "Mật",
    }
    files = {"file": ("mat.pdf", pdf_bytes("Nội dung mật"), "application/pdf")}
    r = await office.post(
        "vanthu", "/api/documents/incoming/paper", data={"metadata": json.dumps(meta)}, files=files
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    assert (await office.get("giamdoc", f"/api/documents/{doc_id}")).status_code == 200
    assert (await office.get("giamdoc", f"/api/documents/{doc_id}/files/0")).content.startswith(b"%PDF")
    assert (await office.get("chuyenvien", f"/api/documents/{doc_id}")).status_code == 404
    async with office.hub.db.session() as s:
        rows = (
            await s.execute(
                select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail)
                .where(AuditEntry.target == f"document:{doc_id}")
                .order_by(AuditEntry.id)
            )
        ).all()
    actions = [(actor, action) for actor, action, _ in rows]
    assert actions == [
        ("vanthu", "document.received"),
        ("vanthu", "document.registered"),
        ("giamdoc", "document.read"),
        ("giamdoc", "document.file_read"),
        ("chuyenvien", "document.read_refused"),
    ]
    registered = rows[1][2]
    assert (registered["before"]["status"], registered["after"]["status"], registered["after"]["number"]) == (
        "received",
        "registered",
        1,
    )


async def test_openapi_documents_every_route(start_office: StartOffice) -> None:
    office = await start_office()
    r = await office.get("vanthu", "/api/openapi.json")
    assert r.status_code == 200, r.text[:2000]
    spec = r.json()
    paths = set(spec["paths"])
    for path in (
        "/api/documents",
        "/api/documents/{document_id}",
        "/api/documents/incoming/paper",
        "/api/documents/{document_id}/assign",
        "/api/documents/outgoing",
        "/api/documents/{document_id}/issue",
        "/api/documents/registers/{kind}.{fmt}",
        "/api/documents/dossiers/{dossier_id}/export.{fmt}",
    ):
        assert path in paths
