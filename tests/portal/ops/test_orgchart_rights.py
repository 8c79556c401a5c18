"""Moving a person to another unit changes what they may read at once (Decree 30, Appendix VI, I.IV),
and only after a second administrator confirms the move: the documents module's unit access rule."""

from __future__ import annotations

from portal.ops import orgchart
from tests.handlers.documents.conftest import StartOffice, nats, start_office  # noqa: F401
from tests.handlers.documents.test_incoming import _received


async def test_a_confirmed_move_to_another_unit_takes_the_old_units_documents_away(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    hub = office.hub
    doc_id = await _received(office, subject="Kế hoạch vốn đầu tư công năm 2027")
    r = await office.post("giamdoc", f"/api/documents/{doc_id}/assign", json={"lead_unit_id": "TH"})
    assert r.status_code == 200, r.text
    assert (await office.get("chuyenvien", f"/api/documents/{doc_id}")).status_code == 200
    assert (await office.get("chuyenvien2", f"/api/documents/{doc_id}")).status_code == 404

    await orgchart.create_superuser(hub.db, "quantri2", "Lý Thị Hai", "Quan-Tri-Hai-2026!", "test")
    change = await orgchart.request_access(hub, "chuyenvien", "DNDT", ["officer"], "quantri")
    # pending: nothing changed yet
    assert (await office.get("chuyenvien", f"/api/documents/{doc_id}")).status_code == 200

    await orgchart.decide(hub, change.id, "quantri2", confirm=True)
    # the same session, the next request: the old unit's document is gone, the new unit's reader sees it
    refused = await office.get("chuyenvien", f"/api/documents/{doc_id}")
    assert refused.status_code == 404 and "không có quyền" in refused.json()["detail"]
    back = await orgchart.request_access(hub, "chuyenvien2", "TH", ["officer"], "quantri2")
    await orgchart.decide(hub, back.id, "quantri", confirm=True)
    assert (await office.get("chuyenvien2", f"/api/documents/{doc_id}")).status_code == 200
