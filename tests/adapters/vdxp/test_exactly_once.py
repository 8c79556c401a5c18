"""Every document to a partner exactly once: a send whose reply is lost after the axis stored it is not
sent again (the sender finds it on the axis's sent list), one that never reached the axis is."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from adapters.vdxp.client import VdxpClient
from adapters.vdxp.once import Attempt, candidates
from adapters.vdxp.protocol import SentItem
from adapters.vdxp.settings import VdxpConfig
from adapters.vdxp.simulator import FaultSpec, SimulatorServer
from hub.models import JournalEntry
from schemas.axis import AxisSendRequested
from schemas.edxml.build import build_status
from schemas.edxml.codes import VN_TZ, StatusCode
from schemas.edxml.models import Organization, StatusMessage, StatusResponseFor
from tests.adapters.vdxp.conftest import HANOI, SYSTEMS, VPCP
from tests.adapters.vdxp.test_service import (  # noqa: F401
    Agency,
    StartAgency,
    make_edoc,
    nats_pair,
    send,
    start_agency,
)

LOST_REPLY = {
    "store-then-504": {"status_code": 504, "after_processing": True},
    "store-then-drop-connection": {"drop_connection": True, "after_processing": True},
    "answer-after-3s": {"delay_seconds": 3.0, "after_processing": True},
}


def status_edxml(code: str = "03") -> bytes:
    """A status from Hanoi about a document VPCP sent us."""
    return build_status(
        StatusMessage.model_validate(
            {
                "from_": Organization(organ_id=HANOI, organ_name="Sở Kế hoạch và Đầu tư thành phố Hà Nội"),
                "response_for": StatusResponseFor(
                    organ_id=VPCP, code="88/VPCP-KSTT", document_id=f"{VPCP},2026/11/20,88/VPCP-KSTT"
                ),
                "status_code": StatusCode(code),
                "description": StatusCode(code).description,
                "timestamp": dt.datetime(2026, 11, 28, 10, 0, tzinfo=VN_TZ),
            }
        )
    )


async def received_by_vpcp(simulator: SimulatorServer, message_type: str = "edoc") -> list[str]:
    """What the recipient gets from the axis: its inbox, as its own client lists it."""
    config = VdxpConfig(endpoint=simulator.url, systemid="vxp.vpcp", secret=SYSTEMS["vxp.vpcp"]["secret"])
    async with VdxpClient(config) as vpcp:
        return [item.doc_id for item in await vpcp.get_received_edoc_list(message_type, to=VPCP)]  # type: ignore[arg-type]


async def retried(agency: Agency) -> int:
    await agency.hub.journal.flush()
    async with agency.hub.db.session() as s:
        rows = await s.execute(
            select(JournalEntry).where(JournalEntry.actor == "vdxp-send", JournalEntry.hop == "retried")
        )
        return len(list(rows.scalars()))


@pytest.mark.parametrize("fault", LOST_REPLY.values(), ids=list(LOST_REPLY))
@pytest.mark.parametrize("message_type", ["edoc", "status"])
async def test_a_reply_lost_after_the_axis_stored_the_document_leaves_one_copy(
    start_agency: StartAgency, simulator: SimulatorServer, fault: dict[str, Any], message_type: str
) -> None:
    # a long settle period: were the first attempt not found on the sent list, nothing would be sent in time
    hanoi = await start_agency(HANOI, read_timeout=1.0, send_settle_seconds=60)
    simulator.simulator.faults.set(FaultSpec(paths=["/sendEdoc"], count=1, **fault))
    if message_type == "edoc":
        document_id = f"{HANOI},2026/11/28,125/SKHĐT-TH"
        await send(hanoi, make_edoc(HANOI, VPCP), document_id)
    else:
        document_id = f"{VPCP},2026/11/20,88/VPCP-KSTT"
        claim = await hanoi.hub.claims.put(status_edxml(), media_type="application/xml")
        await hanoi.hub.publish(
            "axis.send",
            AxisSendRequested(edxml=claim, message_type="status", to_codes=[VPCP], document_id=document_id),
            source="test",
            issue=document_id,
        )

    [(env, sent)] = await hanoi.saw("axis.sent")
    assert simulator.simulator.faults.injected == 1
    assert await retried(hanoi) >= 1  # the first delivery failed: its reply was lost
    await asyncio.sleep(1.5)  # a second copy, were one sent, would show by now
    store = simulator.simulator.store
    assert store.delivered_counts(message_type) == {VPCP: 1}, "copies the recipient received"
    assert len(await received_by_vpcp(simulator, message_type)) == 1
    [doc] = [d for d in store.state.documents.values() if d.message_type == message_type]
    assert len(hanoi.seen["axis.sent"]) == 1
    assert (sent.sender_doc_id, sent.to_codes, sent.document_id) == (doc.sender_doc_id, [VPCP], document_id)
    assert env.issue == document_id


async def test_a_request_the_axis_never_stored_is_sent_again_after_the_settle_period(
    start_agency: StartAgency, simulator: SimulatorServer
) -> None:
    hanoi = await start_agency(HANOI, send_settle_seconds=1.0)
    # the connection drops before the axis handles the request: nothing stored, the client cannot tell
    simulator.simulator.faults.set(FaultSpec(drop_connection=True, paths=["/sendEdoc"], count=1))
    await send(hanoi, make_edoc(HANOI, VPCP), "never-stored")
    [(_, sent)] = await hanoi.saw("axis.sent")
    assert simulator.simulator.store.delivered_counts() == {VPCP: 1}
    [doc] = simulator.simulator.store.state.documents.values()
    assert sent.sender_doc_id == doc.sender_doc_id


async def test_a_burst_through_a_gateway_losing_replies_leaves_one_copy_per_command(
    start_agency: StartAgency, simulator: SimulatorServer
) -> None:
    """10 commands (two of them the same document sent twice on purpose), every other reply lost."""
    hanoi = await start_agency(HANOI, send_settle_seconds=60, breaker_open_seconds=0.5)
    simulator.simulator.faults.set(
        FaultSpec(status_code=504, after_processing=True, paths=["/sendEdoc"], count=5)
    )
    numbers = [str(300 + n) for n in range(8)] + ["399", "399"]
    for n, number in enumerate(numbers):
        await send(hanoi, make_edoc(HANOI, VPCP, number), f"burst-{n}")
    sent = await hanoi.saw("axis.sent", len(numbers))
    await asyncio.sleep(1.5)
    assert simulator.simulator.faults.injected == 5
    assert len(hanoi.seen["axis.sent"]) == len(numbers)
    copies = simulator.simulator.store.delivered_counts()
    assert copies == {VPCP: len(numbers)}, f"copies VPCP received: {copies}"
    doc_ids = [p.sender_doc_id for _, p in sent]
    assert len(set(doc_ids)) == len(numbers)  # each command its own copy, the repeated one too
    stored = {d.sender_doc_id: d.notation for d in simulator.simulator.store.state.documents.values()}
    assert Counter(stored[i] for i in doc_ids) == Counter(f"{n}/SKHĐT-TH" for n in numbers)


def _row(doc_id: str, to: str, **kw: Any) -> SentItem:
    values = {"senderDocId": doc_id, "toCode": to, "fromCode": HANOI, "messageType": "edoc"}
    values.update(kw)
    return SentItem.model_validate(values)


def test_candidates_match_the_document_its_recipients_and_the_time_after_the_first_attempt() -> None:
    first = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)
    attempt = Attempt(
        command_id="c1",
        message_type="edoc",
        from_code=HANOI,
        to_codes=[VPCP, "000.00.00.G01"],
        notation="456/UBND-KT",
        subject="V/v kế hoạch",
        first_at=first,
        last_at=first,
    )
    late = "2026-11-28T09:01:00+07:00"
    rows = [
        _row("7", VPCP, notation="456/UBND-KT", title="V/v kế hoạch", sentTime=late),
        _row("7", "000.00.00.G01", notation="456/UBND-KT", title="V/v kế hoạch", sentTime=late),
        _row("5", VPCP, notation="456/UBND-KT", title="V/v kế hoạch", sentTime="28/11/2026 08:00:00"),
        _row(
            "5", "000.00.00.G01", notation="456/UBND-KT", title="V/v kế hoạch", sentTime="28/11/2026 08:00:00"
        ),
        _row("8", VPCP, notation="457/UBND-KT", title="V/v kế hoạch", sentTime=late),
        _row("8", "000.00.00.G01", notation="457/UBND-KT", title="V/v kế hoạch", sentTime=late),
        _row("9", VPCP, notation="456/UBND-KT", title="V/v kế hoạch", sentTime=late),  # one recipient only
        _row("10", VPCP, notation="456/UBND-KT", title="V/v  KẾ hoạch", sentTime="2026-11-28 09:05:00"),
        _row("10", "000.00.00.G01", notation=None, title=None, sentTime="2026-11-28 09:05:00"),
    ]
    # 5: sent an hour before the first attempt; 8: another number; 9: other recipients
    assert candidates(rows, attempt) == ["7", "10"]
    hashed = [_row("11", VPCP, contentSha256="ab" * 32), _row("11", "000.00.00.G01", contentSha256="ab" * 32)]
    assert candidates(hashed, attempt) == []
    attempt.sha256.append("ab" * 32)
    assert candidates(hashed, attempt) == ["11"]
