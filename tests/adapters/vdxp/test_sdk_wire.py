"""The national axis's wire as the official SDK 2.0.1 speaks it (docs/domain.md §3.2-3.3, corrected
2026-12-03), built here byte for byte without the project's signer, against both ends:

- the simulator must accept what the SDK sends (the file followed by CRLF, the file's SHA-256 in the
  SDK's no-leading-zero hex, a Vietnam-time timestamp, stale entries of an earlier call) and answer
  what the SDK reads (`DocId` in every send reply, `/getEdoc` as JSON with base64 `data`);
- our client must send what the SDK sends (captured on a real HTTP server) and read what the axis
  answers, so the two ends cannot drift apart again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from adapters.vdxp import VdxpClient, VdxpConfig
from adapters.vdxp.simulator import SimulatorServer
from tests.adapters.vdxp import samples
from tests.adapters.vdxp.conftest import HANOI, SYSTEMS, VPCP
from tests.portal.staff.conftest import serve

VN = timezone(timedelta(hours=7))
HANOI_SYSTEM, VPCP_SYSTEM = "vxp.hanoi.skhdt", "vxp.vpcp"


def sdk_timestamp(moment: datetime) -> str:
    """`ddMMyyyy'T'HHmmss+SSSS` in the machine's local (Vietnam) time; SSSS = milliseconds."""
    local = moment.astimezone(VN)
    return local.strftime("%d%m%YT%H%M%S") + f"+{local.microsecond // 1000:04d}"


def sdk_hex(data: bytes) -> str:
    """The SDK's hex: each byte without its leading zero (0x0d -> "d")."""
    return "".join(f"{b:x}" for b in hashlib.sha256(data).digest())


def sdk_headers(
    systemid: str, params: list[tuple[str, str]], content_type: str, *, file: bytes | None = None
) -> dict[str, str]:
    """Every header of one SDK call, in the SDK's entry order."""
    entries: list[tuple[str, str]] = [("systemid", systemid)]
    entries += [(k, v) for k, v in params if k in ("servicetype", "messagetype")]
    if file is not None:
        entries.append(("hash-file", sdk_hex(file)))
    entries += [(k, v) for k, v in params if k not in ("servicetype", "messagetype")]
    entries += [("timestamp", sdk_timestamp(datetime.now(VN))), ("Content-Type", content_type)]
    signed = {f"XroadVnpt-{k}": v for k, v in entries}
    sign_header = json.dumps(signed, separators=(",", ":"))
    secret = SYSTEMS[systemid]["secret"]
    return {
        **signed,
        "XroadVnpt-sign-header": sign_header,
        "XroadVnpt-hash-header": hmac.new(secret.encode(), sign_header.encode(), hashlib.sha256).hexdigest(),
        "XroadVnpt-sign-header-key": ";".join(k for k, _ in entries),
        "XroadVnpt-version": "3.0.201608",
        "Content-Type": content_type,
        "User-Agent": "JAVASDKAgent/1.0.0 XRoad/VPCP",
    }


def sdk_send(url: str, file: bytes, *, from_code: str = HANOI, to: list[str] | None = None) -> httpx.Response:
    params = [("servicetype", "eDoc"), ("messagetype", "edoc"), ("from", from_code)]
    if to is not None:
        params.append(("to", json.dumps(to, separators=(",", ":"))))
    headers = sdk_headers(HANOI_SYSTEM, params, "application/octet-stream", file=file)
    return httpx.post(f"{url}/sendEdoc", headers=headers, content=file + b"\r\n")


def sdk_json_call(url: str, path: str, systemid: str, params: list[tuple[str, str]]) -> httpx.Response:
    return httpx.post(
        f"{url}/{path}", headers=sdk_headers(systemid, params, "application/json"), content=b"{}"
    )


def test_the_simulator_takes_an_sdk_send_and_hands_the_file_back_as_base64_json(
    simulator: SimulatorServer,
) -> None:
    file = samples.edoc(HANOI, [VPCP]) + b"\n"  # a file's own last line break stays part of it
    sent = sdk_send(simulator.url, file)
    assert sent.status_code == 200, sent.text
    reply = sent.json()
    assert reply["status"] == "OK" and reply["DocId"], reply

    # the SDK keeps its header map between calls: hash-file and from travel on the list call too
    listed = sdk_json_call(
        simulator.url,
        "getReceivedEdocList",
        VPCP_SYSTEM,
        [("servicetype", "eDoc"), ("messagetype", "edoc"), ("from", HANOI), ("hash-file", sdk_hex(file))],
    )
    assert listed.status_code == 200, listed.text
    items = listed.json()["data"]
    assert len(items) == 1 and items[0]["from"] == HANOI
    assert items[0]["contentSha256"] == hashlib.sha256(file).hexdigest()

    got = sdk_json_call(simulator.url, "getEdoc", VPCP_SYSTEM, [("docId", items[0]["docId"])])
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/json")
    body = got.json()
    assert (body["status"], body["ErrorCode"]) == ("OK", "0")
    assert base64.b64decode(body["data"]) == file  # the file, without the CRLF the SDK added


def test_a_refused_sdk_send_still_carries_a_doc_id_key_and_names_the_problem(
    simulator: SimulatorServer,
) -> None:
    file = samples.edoc(HANOI, [VPCP])
    params = [("servicetype", "eDoc"), ("messagetype", "edoc"), ("from", HANOI)]
    headers = sdk_headers(HANOI_SYSTEM, params, "application/octet-stream", file=file)
    tampered = file.replace(b"125", b"126") + b"\r\n"
    answer = httpx.post(f"{simulator.url}/sendEdoc", headers=headers, content=tampered)
    body = answer.json()
    assert answer.status_code == 401 and body["status"] == "FAIL"
    assert "DocId" in body  # the SDK reads it from every send reply and fails without it
    assert body["ErrorCode"] == "AUTH_HASH_MISMATCH"
    assert f"{len(tampered) - 2}-byte file" in body["ErrorDesc"]


@pytest.fixture
def capture() -> list[dict[str, Any]]:
    return []


@pytest.fixture
async def sdk_server(capture: list[dict[str, Any]]) -> AsyncIterator[str]:
    """A real HTTP server answering as the axis does, recording each request's headers and body."""
    file = samples.edoc(VPCP, [HANOI])

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        capture.append({"path": scope["path"], "headers": headers, "body": body})
        if scope["path"] == "/sendEdoc":
            reply: dict[str, Any] = {"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "DocId": "sent-1"}
        else:
            reply = {
                "status": "OK",
                "ErrorCode": "0",
                "ErrorDesc": "",
                "data": base64.b64encode(file).decode(),
            }
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(reply).encode()})

    async with serve(app) as url:
        yield url


async def test_our_client_sends_what_the_sdk_sends_and_reads_what_the_axis_answers(
    sdk_server: str, capture: list[dict[str, Any]], tmp_path: Any
) -> None:
    secret = SYSTEMS[HANOI_SYSTEM]["secret"]
    client = VdxpClient(VdxpConfig(endpoint=sdk_server, systemid=HANOI_SYSTEM, secret=secret))
    file = samples.edoc(HANOI, [VPCP])
    path = tmp_path / "out.edxml"
    path.write_bytes(file)
    try:
        assert await client.send_edoc(path, from_code=HANOI, to=[VPCP]) == "sent-1"
        assert await client.send_edoc(file, from_code=HANOI, to=[VPCP]) == "sent-1"
        target = tmp_path / "in.edxml"
        size = await client.download_edoc("recv-1", target)
    finally:
        await client.aclose()

    for sent in capture[:2]:
        headers = sent["headers"]
        assert sent["body"] == file + b"\r\n"
        assert headers["content-type"] == "application/octet-stream"
        signed = json.loads(headers["xroadvnpt-sign-header"])
        assert signed["XroadVnpt-hash-file"] in (sdk_hex(file), hashlib.sha256(file).hexdigest())
        assert hmac.compare_digest(
            headers["xroadvnpt-hash-header"],
            hmac.new(secret.encode(), headers["xroadvnpt-sign-header"].encode(), hashlib.sha256).hexdigest(),
        )
        stamp = datetime.strptime(signed["XroadVnpt-timestamp"][:15], "%d%m%YT%H%M%S").replace(tzinfo=VN)
        assert abs(datetime.now(VN) - stamp) < timedelta(minutes=2)  # Vietnam wall-clock time
        assert set(headers["xroadvnpt-sign-header-key"].split(";")) == {
            k.removeprefix("XroadVnpt-") for k in signed
        }
    assert target.read_bytes() == samples.edoc(VPCP, [HANOI]) and size == target.stat().st_size
