"""A document another module's leader signed (`document.prepare_issue`): it waits, approved, for the
clerk, who numbers it in the outgoing register and issues it; `document.issued` carries its origin and
file. Once per origin; a signer who is not a leader is refused; other units cannot see it."""

from __future__ import annotations

from hub import dlq
from hub.core import module as core
from hub.runtime import wait_for
from schemas.documents import PrepareIssue
from tests.handlers.documents.conftest import StartOffice, pdf_bytes


def _command(
    office_claim: object, signed_by: str = "giamdoc", origin: str = "complaint:c-42"
) -> PrepareIssue:
    return PrepareIssue.model_validate(
        {
            "origin": origin,
            "subject": "Kết luận giải quyết đơn khiếu nại số 42/2026",
            "document_type": "quyet dinh",  # any spelling: kept as Decree 30 writes it
            "file": office_claim,
            "drafting_unit_id": "TH",
            "signed_by": signed_by,
            "prepared_by": signed_by,
            "seal_box": {"page": 1, "x1": 280, "y1": 70, "x2": 420, "y2": 140},
        }
    )


async def test_a_prepared_document_is_issued_once_with_the_next_outgoing_number(
    start_office: StartOffice,
) -> None:
    office = await start_office(modules=[core])
    claim = await office.hub.claims.put(pdf_bytes("Kết luận đã ký"), media_type="application/pdf")
    command = _command(claim)
    await office.hub.publish("document.prepare_issue", command, source="complaints")
    await office.hub.publish("document.prepare_issue", command, source="complaints")  # redelivered

    async def waiting() -> list[dict[str, object]]:
        r = await office.get("vanthu", "/api/documents", params={"direction": "out", "status": "approved"})
        return list(r.json()["items"])

    assert await wait_for(waiting, timeout=60)
    await office.hub.journal.flush()
    [doc] = await waiting()
    assert (doc["document_type"], doc["source"], doc["number"]) == ("Quyết định", "complaints", None)
    # the handling unit sees it, another unit does not
    assert (await office.get("chuyenvien", f"/api/documents/{doc['id']}")).status_code == 200
    assert (await office.get("chuyenvien2", f"/api/documents/{doc['id']}")).status_code == 404

    r = await office.post("vanthu", f"/api/documents/{doc['id']}/issue")
    assert r.status_code == 200, r.text
    [(_, issued)] = await office.bus.wait("document.issued")
    assert issued.origin == "complaint:c-42" and issued.so_di == 1 and issued.number.startswith("01/QĐ-")
    assert issued.file is not None and issued.file.sha256 == claim.sha256  # signing off: the leader's PDF
    assert len(await waiting()) == 0


async def test_a_prepared_document_signed_by_someone_not_a_leader_is_refused(
    start_office: StartOffice,
) -> None:
    office = await start_office(modules=[core])
    claim = await office.hub.claims.put(pdf_bytes("Kết luận"), media_type="application/pdf")
    await office.hub.publish(
        "document.prepare_issue", _command(claim, signed_by="truongphongth"), source="complaints"
    )

    async def dead() -> bool:
        return any(row.consumer == "documents-prepare-issue" for row in await dlq.list_dead(office.hub))

    assert await wait_for(dead, timeout=60)
    [row] = [r for r in await dlq.list_dead(office.hub) if r.consumer == "documents-prepare-issue"]
    assert "is not a leader" in row.error
    r = await office.get("vanthu", "/api/documents", params={"direction": "out"})
    assert r.json()["total"] == 0
