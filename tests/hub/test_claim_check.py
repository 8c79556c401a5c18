"""Claim check through the Object Store: large payloads round-trip, corrupted objects are refused."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub import dlq
from hub.claims import PAYLOAD_MEDIA_TYPE
from hub.core import module as core
from hub.runtime import Delivery, Hub, wait_for
from schemas.envelope import Envelope
from tests.support.fn_module import FnModule


async def test_five_megabyte_payload_round_trips_and_corruption_is_refused(
    hub_factory: Callable[..., Any], tmp_path: Path
) -> None:
    received: list[Any] = []

    def setup(hub: Hub) -> None:
        @hub.consumer("bulk", "lt.test.cmd.work")
        async def bulk(d: Delivery) -> None:
            received.append(d.payload)

    hub = await hub_factory([core, FnModule("bulk", setup)])
    note = os.urandom(5 * 1024 * 1024 // 2).hex()  # 5 MB of text
    first = await hub.publish("test.work", {"n": 1, "note": note}, source="test")

    async def one() -> bool:
        return len(received) == 1

    assert await wait_for(one)
    assert received[0].note == note

    # What travels on the bus is a claim check, well under NATS' message limit.
    env_bytes = (await hub.encode(first)).decode()
    travelled = Envelope.model_validate_json(env_bytes)
    assert travelled.claim is not None and travelled.payload == {}
    assert travelled.claim.media_type == PAYLOAD_MEDIA_TYPE and len(env_bytes) < 4096

    # Replace the stored object under the same key: the consumer must refuse it, not use it.
    store = await hub.claims.store()
    await store.put(travelled.claim.key, b'{"n": 666, "note": "forged"}')
    hub_bytes = env_bytes.encode()
    await hub.publish_raw("lt.test.cmd.work", hub_bytes, {"Nats-Msg-Id": "tampered-1"})

    async def refused() -> bool:
        return any(r.consumer == "bulk" for r in await dlq.list_dead(hub))

    assert await wait_for(refused)
    [dead] = [r for r in await dlq.list_dead(hub) if r.consumer == "bulk"]
    assert dead.reason == "permanent"
    assert "is corrupt" in dead.error and travelled.claim.sha256 in dead.error
    assert len(received) == 1


async def test_binary_content_streams_to_file_and_verifies(
    hub_factory: Callable[..., Any], tmp_path: Path
) -> None:
    hub = await hub_factory([])
    src = tmp_path / "scan.pdf"
    src.write_bytes(os.urandom(5 * 1024 * 1024))
    claim = await hub.claims.put(src, media_type="application/pdf")
    assert claim.size == src.stat().st_size
    assert claim.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    out = await hub.claims.get_to_file(claim, tmp_path / "copy.pdf")
    assert out.read_bytes() == src.read_bytes()
