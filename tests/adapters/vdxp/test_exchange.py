"""Two centres exchange documents and status messages through the real simulator server."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.vdxp import VdxpClient, VdxpConfig, VdxpRejectedError
from adapters.vdxp.simulator import SimulatorServer, build_simulator
from tests.adapters.vdxp.conftest import HANOI, SYSTEMS, VPCP
from tests.adapters.vdxp.samples import edoc, status


async def test_document_goes_from_hanoi_to_vpcp_and_status_comes_back(
    hanoi: VdxpClient, vpcp: VdxpClient
) -> None:
    document = edoc(HANOI, [VPCP])
    sender_doc_id = await hanoi.send_edoc(document, from_code=HANOI, to=[VPCP])

    pending = await vpcp.get_received_edoc_list("edoc")
    assert [(i.from_code, i.to_code, i.message_type) for i in pending] == [(HANOI, VPCP, "edoc")]
    item = pending[0]
    assert await vpcp.get_edoc(item.doc_id) == document
    await vpcp.update_status(item.doc_id, "done")
    assert await vpcp.get_received_edoc_list("edoc") == []

    sent = await hanoi.get_sent_edoc_list("edoc", doc_id=sender_doc_id)
    assert len(sent) == 1
    row = sent[0]
    assert (row.to_code, row.receiver_doc_id, row.receive_status) == (VPCP, item.doc_id, "done")
    assert row.receive_status_desc == "Đã nhận"
    assert row.title == "Về việc báo cáo tình hình đầu tư công"
    assert row.notation == "125/SKHĐT-TH"

    # VPCP answers with business status 01; the recipient comes from ResponseFor/OrganId.
    await vpcp.send_edoc(status(VPCP, HANOI, "01"), from_code=VPCP, message_type="status")
    assert await hanoi.get_received_edoc_list("edoc") == []
    statuses = await hanoi.get_received_edoc_list("status")
    assert [(s.from_code, s.message_type) for s in statuses] == [(VPCP, "status")]
    assert b"<edXML:StatusCode>01</edXML:StatusCode>" in await hanoi.get_edoc(statuses[0].doc_id)


async def test_failed_transport_keeps_the_item_pending(hanoi: VdxpClient, vpcp: VdxpClient) -> None:
    sender_doc_id = await hanoi.send_edoc(edoc(HANOI, [VPCP]), from_code=HANOI, to=[VPCP])
    (item,) = await vpcp.get_received_edoc_list()
    await vpcp.update_status(item.doc_id, "fail")

    (again,) = await vpcp.get_received_edoc_list()
    assert (again.doc_id, again.status, again.status_desc) == (item.doc_id, "fail", "Nhận lỗi")
    (row,) = await hanoi.get_sent_edoc_list(doc_id=sender_doc_id)
    assert row.receive_status == "fail"


async def test_recipients_are_read_from_the_edxml_when_to_is_absent(
    hanoi: VdxpClient, vpcp: VdxpClient
) -> None:
    await hanoi.send_edoc(edoc(HANOI, [VPCP, "000.00.00.H41"]), from_code=HANOI)

    assert len(await vpcp.get_received_edoc_list()) == 1
    rows = await hanoi.get_sent_edoc_list()
    assert sorted(r.to_code or "" for r in rows) == ["000.00.00.G22", "000.00.00.H41"]
    assert {r.receive_status for r in rows} == {"pending"}


async def test_unknown_recipient_is_refused_by_code(hanoi: VdxpClient) -> None:
    with pytest.raises(VdxpRejectedError) as caught:
        await hanoi.send_edoc(edoc(HANOI, ["000.00.00.X99"]), from_code=HANOI)
    assert caught.value.error_code == "UNKNOWN_AGENCY"
    assert "000.00.00.X99" in caught.value.error_desc


async def test_edxml_with_a_dtd_is_refused(hanoi: VdxpClient, vpcp: VdxpClient) -> None:
    hostile = b'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x "boom">]><edXML>&x;</edXML>'
    with pytest.raises(VdxpRejectedError) as caught:
        await hanoi.send_edoc(hostile, from_code=HANOI, to=[VPCP])
    assert caught.value.error_code == "INVALID_EDXML"
    assert "DTD" in caught.value.error_desc
    assert await vpcp.get_received_edoc_list() == []


async def test_a_centre_cannot_send_as_or_read_for_another_agency(
    hanoi: VdxpClient, vpcp: VdxpClient
) -> None:
    with pytest.raises(VdxpRejectedError) as caught:
        await hanoi.send_edoc(edoc(VPCP, [HANOI]), from_code=VPCP, to=[HANOI])
    assert caught.value.error_code == "FORBIDDEN_AGENCY"

    await hanoi.send_edoc(edoc(HANOI, [VPCP]), from_code=HANOI, to=[VPCP])
    (item,) = await vpcp.get_received_edoc_list()
    with pytest.raises(VdxpRejectedError) as caught:
        await hanoi.get_edoc(item.doc_id)
    assert caught.value.error_code == "NOT_FOUND"
    with pytest.raises(VdxpRejectedError):
        await hanoi.update_status(item.doc_id, "done")
    assert len(await vpcp.get_received_edoc_list()) == 1


async def test_agency_directory_lists_the_hanoi_department(hanoi: VdxpClient) -> None:
    agencies = {a.code102: a for a in await hanoi.get_agencies_list()}
    assert agencies[HANOI].name == "Sở Kế hoạch và Đầu tư thành phố Hà Nội"
    assert agencies[VPCP].name == "Văn phòng Chính phủ"
    assert agencies["000.00.00.H41"].code == "000.00.00.H41"


async def test_download_streams_to_a_file(hanoi: VdxpClient, vpcp: VdxpClient, tmp_path: Path) -> None:
    big = edoc(HANOI, [VPCP], subject="Tài liệu " + "x" * 300_000)
    await hanoi.send_edoc(big, from_code=HANOI, to=[VPCP])
    (item,) = await vpcp.get_received_edoc_list()
    target = tmp_path / "in.edxml"
    assert await vpcp.download_edoc(item.doc_id, target) == len(big)
    assert target.read_bytes() == big


async def test_documents_survive_a_simulator_restart(
    simulator: SimulatorServer, sim_dir: Path, hanoi: VdxpClient
) -> None:
    document = edoc(HANOI, [VPCP])
    await hanoi.send_edoc(document, from_code=HANOI, to=[VPCP])
    simulator.stop()

    with SimulatorServer(build_simulator(sim_dir, SYSTEMS), port=simulator.port) as restarted:
        async with VdxpClient(_config(restarted.url, "vxp.vpcp")) as vpcp:
            (item,) = await vpcp.get_received_edoc_list()
            assert await vpcp.get_edoc(item.doc_id) == document
            # New ids never collide with ids given out before the restart.
            second = await hanoi.send_edoc(document, from_code=HANOI, to=[VPCP])
            assert int(second) > int(item.doc_id)


def _config(url: str, systemid: str) -> VdxpConfig:
    return VdxpConfig(endpoint=url, systemid=systemid, secret=SYSTEMS[systemid]["secret"])


async def test_send_streams_a_file_and_the_axis_stores_the_same_bytes(
    hanoi: VdxpClient, vpcp: VdxpClient, tmp_path: Path
) -> None:
    document = edoc(HANOI, [VPCP], subject="Hồ sơ " + "y" * 3_000_000)
    source = tmp_path / "out.edxml"
    source.write_bytes(document)
    await hanoi.send_edoc(source, from_code=HANOI, to=[VPCP])
    (item,) = await vpcp.get_received_edoc_list()
    assert item.content_length == len(document)
    assert await vpcp.get_edoc(item.doc_id) == document
