"""Two agencies, each a hub with its own nats-server and the documents module, exchange documents through
the VDXP simulator: A issues a document to Hanoi; Hanoi registers, assigns, handles it and answers with a
signed reply; A sees 01, 03, 04, 05, 06 in order and receives the answer linked to its document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.axis import AxisDispatchModule
from adapters.signing import SigningConfig, SigningModule
from adapters.vdxp import VdxpModule, VdxpSettings
from adapters.vdxp.simulator import SimulatorServer
from hub.embedded import NatsServer
from hub.runtime import wait_for
from tests.adapters.signing.conftest import pki, signing_config  # noqa: F401
from tests.adapters.signing.documents import decision_pdf
from tests.adapters.vdxp.conftest import HANOI, SYSTEMS, VPCP, sim_dir, simulator  # noqa: F401
from tests.handlers.documents.conftest import Office, StartOffice


def vdxp(simulator: SimulatorServer, systemid: str) -> VdxpModule:
    return VdxpModule(
        VdxpSettings(
            endpoint=simulator.url,
            systemid=systemid,
            secret=SYSTEMS[systemid]["secret"],
            poll_enabled=False,
            retry_attempts=1,
        )
    )


@pytest.fixture
def second_nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=tmp_path / "nats-b", name="lt-documents-b").start()
    yield server
    server.stop()


async def _issue(office: Office, subject: str, to: str, to_name: str, response_for: str | None = None) -> str:
    body: dict[str, Any] = {
        "subject": subject,
        "document_type": "Công văn",
        "recipients": [{"code": to, "name": to_name}],
        "response_for_id": response_for,
    }
    r = await office.post("chuyenvien", "/api/documents/outgoing", json=body)
    assert r.status_code == 201, r.text
    doc_id = str(r.json()["id"])
    files = {"file": ("du-thao.pdf", decision_pdf(), "application/pdf")}
    assert (
        await office.post("chuyenvien", f"/api/documents/{doc_id}/versions", files=files)
    ).status_code == 201
    r = await office.post("chuyenvien", f"/api/documents/{doc_id}/submit", json={"approvers": ["giamdoc"]})
    assert r.status_code == 200, r.text
    approve = {"otp": await office.code("giamdoc")}
    assert (await office.post("giamdoc", f"/api/documents/{doc_id}/approve", json=approve)).status_code == 200
    await _until(office, doc_id, "approved")
    assert (await office.post("vanthu", f"/api/documents/{doc_id}/issue")).status_code == 200
    await _until(office, doc_id, "issued")
    return doc_id


async def _until(office: Office, doc_id: str, status: str) -> dict[str, Any]:
    body: dict[str, Any] = {}

    async def reached() -> bool:
        nonlocal body
        body = (await office.get("vanthu", f"/api/documents/{doc_id}")).json()
        return bool(body["status"] == status)

    assert await wait_for(reached, timeout=90), f"{body.get('status')} != {status}: {body.get('history')}"
    return body


async def test_agency_sees_every_status_in_order_and_receives_the_linked_answer(
    second_nats: NatsServer,  # first: torn down after the hubs that use it
    simulator: SimulatorServer,
    start_office: StartOffice,
    signing_config: SigningConfig,
) -> None:
    a_axis, h_axis = vdxp(simulator, "vxp.vpcp"), vdxp(simulator, "vxp.hanoi.skhdt")
    a = await start_office(
        modules=[AxisDispatchModule(), a_axis],
        agency_code=VPCP,
        agency_name="Văn phòng Chính phủ",
        name="vpcp",
        agency_abbreviation="VPCP",
        watch_commands=False,
    )
    h = await start_office(
        modules=[AxisDispatchModule(), h_axis, SigningModule(signing_config)],
        nats_url=second_nats.url,
        name="hanoi",
        auto_register=False,
        watch_commands=False,
        signing_enabled=True,
    )

    # A issues a công văn to Hanoi.
    question = await _issue(a, "V/v đề nghị báo cáo giải ngân vốn đầu tư công", HANOI, "Sở KH&ĐT Hà Nội")
    sent = await a.bus.wait("axis.sent")
    assert sent[0][1].to_codes == [HANOI]

    seen_by_a: list[str] = []

    async def a_sees(code: str) -> None:
        """Hanoi's status went out; A polls the axis and records it on its document's delivery."""

        async def status_sent() -> bool:
            return any(p.status_code == code for _, p in h.bus.seen["axis.sent"])

        assert await wait_for(status_sent, timeout=60), f"Hanoi did not send {code}"
        await a_axis.poll_once()

        async def recorded() -> bool:
            body = (await a.get("vanthu", f"/api/documents/{question}")).json()
            [delivery] = body["deliveries"]
            return bool(delivery["status_code"] == code)

        assert await wait_for(recorded, timeout=60), f"A did not record {code}"
        seen_by_a.append(code)

    await h_axis.poll_once()
    [(_, received)] = await h.bus.wait("document.received")
    assert received.from_code == VPCP
    await a_sees("01")

    r = await h.get("vanthu", "/api/documents", params={"status": "received"})
    [waiting] = r.json()["items"]
    incoming = waiting["id"]
    assert (await h.post("vanthu", f"/api/documents/{incoming}/register", json={})).status_code == 200
    await a_sees("03")
    assert (
        await h.post("giamdoc", f"/api/documents/{incoming}/assign", json={"lead_unit_id": "TH"})
    ).status_code == 200
    await a_sees("04")
    await h.post("truongphongth", f"/api/documents/{incoming}/handlers", json={"officer_ids": ["chuyenvien"]})
    assert (await h.post("chuyenvien", f"/api/documents/{incoming}/processing", json={})).status_code == 200
    await a_sees("05")

    # Hanoi answers with a signed reply linked to the question: issuing it completes the handling (06).
    answer = await _issue(h, "V/v báo cáo giải ngân vốn đầu tư công", VPCP, "Văn phòng Chính phủ", incoming)
    await a_sees("06")
    assert (await h.get("vanthu", f"/api/documents/{incoming}")).json()["status"] == "completed"
    assert seen_by_a == ["01", "03", "04", "05", "06"]
    body = (await a.get("vanthu", f"/api/documents/{question}")).json()
    assert [s["code"] for s in body["deliveries"][0]["statuses"]] == ["01", "03", "04", "05", "06"]

    # A received the answer, registered it, and it points at A's own document. The answer and its 06
    # leave Hanoi together: the poll that brought the 06 may have come before the answer reached the axis.
    async def answer_arrived() -> bool:
        await a_axis.poll_once()
        return bool(a.bus.seen["document.registered"])

    assert await wait_for(answer_arrived, timeout=60, every=0.5), "A did not receive Hanoi's answer"
    [(_, reply)] = await a.bus.wait("document.registered")
    a_reply = (await a.get("vanthu", f"/api/documents/{reply.document_id}")).json()
    assert a_reply["response_for_id"] == question
    assert a_reply["code"] == "01/SKHĐT-TH"
    assert a_reply["from_code"] == HANOI

    # In Hanoi, question and answer share one dossier.
    r = await h.post(
        "chuyenvien", "/api/documents/dossiers", json={"title": "Báo cáo giải ngân", "notation": "TH.01"}
    )
    dossier = r.json()["id"]
    for doc in (answer, incoming):
        assert (
            await h.post("chuyenvien", f"/api/documents/dossiers/{dossier}/items", json={"document_id": doc})
        ).status_code == 201
    items = (await h.get("chuyenvien", f"/api/documents/dossiers/{dossier}")).json()["items"]
    assert [i["document_id"] for i in items] == [incoming, answer]


async def test_a_leader_withdraws_an_issued_document_and_the_recipient_destroys_it(
    second_nats: NatsServer,
    simulator: SimulatorServer,
    start_office: StartOffice,
    signing_config: SigningConfig,
) -> None:
    """Decree 30 App. VI I.III.8.a and Art. 18.4: A's director revokes a document A issued to Hanoi. A's
    copy is frozen as issued, Hanoi is asked over the axis to give it back (13), destroys its content and
    answers 15, which A keeps on the delivery; only a leader may revoke, and only an issued document."""
    a_axis, h_axis = vdxp(simulator, "vxp.vpcp"), vdxp(simulator, "vxp.hanoi.skhdt")
    a = await start_office(
        modules=[AxisDispatchModule(), a_axis],
        agency_code=VPCP,
        agency_name="Văn phòng Chính phủ",
        name="vpcp",
        agency_abbreviation="VPCP",
        watch_commands=False,
    )
    h = await start_office(
        modules=[AxisDispatchModule(), h_axis, SigningModule(signing_config)],
        nats_url=second_nats.url,
        name="hanoi",
        watch_commands=False,
    )
    subject = "V/v mời họp tổng kết công tác đầu tư công"
    doc_id = await _issue(a, subject, HANOI, "Sở KH&ĐT Hà Nội")
    await a.bus.wait("axis.sent")
    await h_axis.poll_once()
    [(_, registered)] = await h.bus.wait("document.registered")  # Hanoi registered it (automatically here)
    copy = registered.document_id
    assert (await h.get("vanthu", f"/api/documents/{copy}")).json()["attachments"]

    refused = await a.post("vanthu", f"/api/documents/{doc_id}/withdraw", json={"reason": "Ban hành nhầm"})
    assert refused.status_code == 403
    withdrawn = await a.post(
        "giamdoc", f"/api/documents/{doc_id}/withdraw", json={"reason": "Ban hành nhầm ngày họp"}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "revoked"
    again = await a.post("giamdoc", f"/api/documents/{doc_id}/withdraw", json={"reason": "lần nữa"})
    assert again.status_code == 409 and "đã thu hồi" in again.json()["detail"]

    async def asked() -> bool:
        return any(p.message_type == "status" for _, p in a.bus.seen["axis.sent"])

    assert await wait_for(asked, timeout=60), "A did not send the take-back request"
    await h_axis.poll_once()
    gone = await _until(h, copy, "revoked")
    assert gone["attachments"] == [] and "Ban hành nhầm ngày họp" in gone["note"]

    async def answered() -> bool:
        if not any(p.message_type == "status" for _, p in h.bus.seen["axis.sent"]):
            return False
        await a_axis.poll_once()
        body = (await a.get("vanthu", f"/api/documents/{doc_id}")).json()
        return bool(body["deliveries"][0]["status_code"] == "15")

    assert await wait_for(answered, timeout=60, every=0.5), "A did not record Hanoi's 15"
    body = (await a.get("vanthu", f"/api/documents/{doc_id}")).json()
    assert body["status"] == "revoked" and body["subject"] == subject  # frozen as issued
    assert body["attachments"] or body["versions"]  # our own record keeps its content
    [step] = [h_ for h_ in body["history"] if h_["action"] == "withdrawn"]
    assert "Nguyễn Văn Hùng" in step["text"] and "1 nơi nhận" in step["text"]
