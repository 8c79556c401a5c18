"""The simulated national axis as a FastAPI app: same paths, signed headers and JSON replies as VDXP."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from adapters.axis.simulation import install as install_faults
from adapters.vdxp.auth import (
    DEFAULT_MAX_SKEW,
    ReplayGuard,
    SignatureError,
    VerifiedRequest,
    verify_body_hash,
    verify_request,
)
from adapters.vdxp.protocol import Agency
from adapters.vdxp.simulator.accounts import SystemAccount, Systems
from adapters.vdxp.simulator.faults import Faults, FaultSpec
from adapters.vdxp.simulator.store import SENT_DESC, STATUS_DESC, Delivery, SimStore, StoredDocument
from schemas.edxml.peek import EdxmlPeekError, EdxmlSummary, peek_edxml
from schemas.edxml.xmlsafe import MAX_XML_BYTES

log = logging.getLogger(__name__)
ADMIN_PREFIX = "/_admin"


class Fail(Exception):
    """A FAIL reply: HTTP status, ErrorCode and ErrorDesc."""

    def __init__(self, http_status: int, code: str, desc: str) -> None:
        super().__init__(f"{code}: {desc}")
        self.http_status = http_status
        self.code = code
        self.desc = desc


@dataclass
class Simulator:
    """State and settings of one simulated axis."""

    systems: Systems
    store: SimStore
    directory: dict[str, Agency]
    faults: Faults = field(default_factory=Faults)
    max_skew: timedelta = DEFAULT_MAX_SKEW
    max_body_bytes: int = MAX_XML_BYTES
    admin_token: str | None = None
    check_edxml: bool = True  # False lets hostile edXML through to test the receiving hub
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    replays: ReplayGuard = field(default_factory=ReplayGuard)

    def __post_init__(self) -> None:
        self.replays.window = self.max_skew

    def secret_of(self, systemid: str) -> str | None:
        account = self.systems.get(systemid)
        return account.secret if account else None


def ok(**data: Any) -> JSONResponse:
    """An OK reply with extra fields."""
    return JSONResponse({"status": "OK", "ErrorCode": "0", "ErrorDesc": "", **data})


def _fail_response(fail: Fail, **extra: Any) -> JSONResponse:
    body = {"status": "FAIL", "ErrorCode": fail.code, "ErrorDesc": fail.desc, **extra}
    return JSONResponse(body, status_code=fail.http_status)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Fail(413, "TOO_LARGE", f"body of {declared} bytes exceeds the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Fail(413, "TOO_LARGE", f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _required(signed: VerifiedRequest, name: str) -> str:
    value = signed.get(name)
    if not value:
        raise Fail(400, "MISSING_PARAMETER", f"signed header XroadVnpt-{name} is required")
    return value


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _received_row(delivery: Delivery, doc: StoredDocument) -> dict[str, Any]:
    return {
        "docId": delivery.receiver_doc_id,
        "serviceType": doc.service_type,
        "messageType": doc.message_type,
        "from": doc.from_code,
        "to": delivery.to_code,
        "status": delivery.status,
        "status_desc": STATUS_DESC[delivery.status],
        "created_time": _iso(delivery.created_time),
        "updated_time": _iso(delivery.updated_time),
        "contentSha256": doc.sha256,
        "contentLength": doc.length,
        "versionSdk": "simulator",
    }


def _sent_row(doc: StoredDocument, delivery: Delivery) -> dict[str, Any]:
    return {
        "serviceType": doc.service_type,
        "messageType": doc.message_type,
        "senderDocId": doc.sender_doc_id,
        "receiverDocId": delivery.receiver_doc_id,
        "fromCode": doc.from_code,
        "toCode": delivery.to_code,
        "title": doc.title,
        "notation": doc.notation,
        "sentTime": _iso(doc.sent_time),
        "receivedTime": _iso(delivery.received_time),
        "sendStatus": "done",
        "sendStatusDesc": SENT_DESC,
        "receiveStatus": delivery.status,
        "receiveStatusDesc": STATUS_DESC[delivery.status],
    }


def _parse_to(raw: str) -> list[str]:
    try:
        value = json.loads(raw)
    except ValueError:
        raise Fail(
            400, "BAD_PARAMETER", f"XroadVnpt-to must be a JSON array of agency codes, got {raw!r}"
        ) from None
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise Fail(400, "BAD_PARAMETER", f"XroadVnpt-to must be a JSON array of agency codes, got {raw!r}")
    return list(dict.fromkeys(v.strip() for v in value))


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


async def _on_fail(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Fail)
    log.info("vdxp-sim refused: %s", exc)
    # the SDK reads DocId from every /sendEdoc reply, a FAIL one too, and fails when the key is absent
    extra = {"DocId": ""} if request.url.path.rstrip("/").endswith("/sendEdoc") else {}
    return _fail_response(exc, **extra)


def _fault_response(status: int) -> Response:
    """An injected HTTP error, in the axis's own error format."""
    return _fail_response(Fail(status, "SIMULATED_FAULT", f"simulated fault: HTTP {status}"))


async def _authenticate(request: Request) -> tuple[VerifiedRequest, SystemAccount]:
    """The signed headers checked against the secret of the caller's systemid."""
    sim = _sim(request)
    try:
        signed = verify_request(request.headers, sim.secret_of, now=sim.now(), max_skew=sim.max_skew)
    except SignatureError as exc:
        raise Fail(401, exc.code.value, exc.desc) from None
    return signed, sim.systems[signed.systemid]


def _sent_file(sim: Simulator, signed: VerifiedRequest, body: bytes) -> bytes:
    """The file inside a /sendEdoc body: the SDK sends the file followed by CRLF and signs the file's
    SHA-256 (domain.md §3.2); a body without the CRLF, or hashed whole, is accepted too."""
    file = body[:-2] if body.endswith(b"\r\n") else body
    try:
        content = _hashed_part(signed, file, body)
        sim.replays.check(signed, sim.now())
    except SignatureError as exc:
        raise Fail(401, exc.code.value, exc.desc) from None
    return content


def _hashed_part(signed: VerifiedRequest, file: bytes, body: bytes) -> bytes:
    """The file when the signed hash is of it; the whole body when a client hashed that; else the
    file's mismatch is the error."""
    try:
        verify_body_hash(signed, file)
    except SignatureError:
        if file is body:
            raise
        try:
            verify_body_hash(signed, body)
        except SignatureError:
            verify_body_hash(signed, file)  # raise the error about the file, the one the SDK signs
        return body
    return file


def _check_code(account: SystemAccount, systemid: str, code: str, role: str) -> None:
    if not account.may_act_for(code):
        raise Fail(
            403, "FORBIDDEN_AGENCY", f"system {systemid!r} is not registered for {role} agency {code!r}"
        )


def _recipients(
    sim: Simulator, signed: VerifiedRequest, message_type: str, body: bytes
) -> tuple[list[str], EdxmlSummary]:
    """Who a sent message goes to: the `to` header, else the edXML's To (or ResponseFor for a status)."""
    try:
        summary = peek_edxml(body, max_size=sim.max_body_bytes)
    except EdxmlPeekError as exc:
        if sim.check_edxml or not signed.get("to"):
            raise Fail(400, "INVALID_EDXML", str(exc)) from None
        summary = EdxmlSummary("edoc", sender_id=None)
    to_raw = signed.get("to")
    if to_raw:
        to_codes = _parse_to(to_raw)
    elif message_type == "status":
        to_codes = [summary.response_for_id] if summary.response_for_id else []
    else:
        to_codes = list(summary.to_ids)
    if not to_codes:
        where = "ResponseFor/OrganId" if message_type == "status" else "To/OrganId"
        raise Fail(400, "NO_RECIPIENT", f"no XroadVnpt-to header and no {where} in the edXML")
    unknown = [c for c in to_codes if c not in sim.directory]
    if unknown:
        raise Fail(400, "UNKNOWN_AGENCY", f"recipient(s) not in the agency directory: {', '.join(unknown)}")
    return to_codes, summary


async def send_edoc(request: Request) -> JSONResponse:
    sim = _sim(request)
    body = await _read_body(request, sim.max_body_bytes + 2)
    signed, account = await _authenticate(request)
    body = _sent_file(sim, signed, body)
    from_code = _required(signed, "from")
    message_type = _required(signed, "messagetype")
    if message_type not in ("edoc", "status"):
        raise Fail(
            400, "BAD_PARAMETER", f"XroadVnpt-messagetype must be edoc or status, got {message_type!r}"
        )
    _check_code(account, signed.systemid, from_code, "sender")
    to_codes, summary = _recipients(sim, signed, message_type, body)
    doc = sim.store.add(
        systemid=signed.systemid,
        from_code=from_code,
        to_codes=to_codes,
        service_type=signed.get("servicetype") or "eDoc",
        message_type=message_type,
        content=body,
        title=summary.subject,
        notation=summary.notation,
    )
    return ok(DocId=doc.sender_doc_id)


async def received_list(request: Request) -> JSONResponse:
    signed, account = await _authenticate(request)
    to_code = signed.get("to")
    if to_code:
        _check_code(account, signed.systemid, to_code, "recipient")
        codes: set[str] = {to_code}
    elif account.agencies:
        codes = set(account.agencies)
    else:
        raise Fail(
            400, "MISSING_PARAMETER", "XroadVnpt-to is required for a centre without registered agencies"
        )
    rows = _sim(request).store.pending(codes, signed.get("messagetype"))
    return ok(data=[_received_row(d, doc) for d, doc in rows])


def _owned_delivery(sim: Simulator, signed: VerifiedRequest, account: SystemAccount) -> Delivery:
    doc_id = _required(signed, "docId")
    delivery = sim.store.delivery(doc_id)
    if delivery is None or not account.may_act_for(delivery.to_code):
        raise Fail(404, "NOT_FOUND", f"no incoming item with docId {doc_id!r} for system {signed.systemid!r}")
    return delivery


async def get_edoc(request: Request) -> Response:
    sim = _sim(request)
    signed, account = await _authenticate(request)
    delivery = _owned_delivery(sim, signed, account)
    content = sim.store.content(delivery.sender_doc_id)
    # as the real axis answers (domain.md §3.3): JSON whose `data` is the base64 edXML
    return ok(data=base64.b64encode(content).decode("ascii"))


async def update_status(request: Request) -> JSONResponse:
    sim = _sim(request)
    signed, account = await _authenticate(request)
    delivery = _owned_delivery(sim, signed, account)
    status = _required(signed, "status")
    if status not in ("done", "fail", "processing"):
        raise Fail(400, "BAD_PARAMETER", f"XroadVnpt-status must be done, fail or processing, got {status!r}")
    sim.store.set_status(delivery.receiver_doc_id, status)  # type: ignore[arg-type]
    return ok()


async def sent_list(request: Request) -> JSONResponse:
    signed, _ = await _authenticate(request)
    rows = _sim(request).store.sent(signed.systemid, signed.get("messagetype"), signed.get("docId"))
    return ok(data=[_sent_row(doc, d) for doc, d in rows])


async def agencies(request: Request) -> JSONResponse:
    await _authenticate(request)
    return ok(data=[a.model_dump(by_alias=True) for a in _sim(request).directory.values()])


def _check_admin(request: Request) -> Simulator:
    sim = _sim(request)
    if sim.admin_token and request.headers.get("x-admin-token") != sim.admin_token:
        raise Fail(401, "ADMIN_TOKEN", "header X-Admin-Token is missing or wrong")
    return sim


async def set_fault(request: Request, spec: FaultSpec) -> JSONResponse:
    sim = _check_admin(request)
    sim.faults.set(spec)
    return ok(**sim.faults.describe())


async def clear_faults(request: Request) -> JSONResponse:
    sim = _check_admin(request)
    sim.faults.clear()
    return ok(**sim.faults.describe())


async def state(request: Request) -> JSONResponse:
    """Documents stored, deliveries per recipient (all of them, and those not yet taken), the fault."""
    sim = _check_admin(request)
    pending: dict[str, int] = {}
    for delivery, _ in sim.store.pending(None, None):
        pending[delivery.to_code] = pending.get(delivery.to_code, 0) + 1
    return ok(
        documents=len(sim.store.state.documents),
        delivered=sim.store.delivered_counts(),
        pending=pending,
        faults=sim.faults.describe(),
    )


async def get_faults(request: Request) -> JSONResponse:
    sim = _check_admin(request)
    return ok(**sim.faults.describe())


_AXIS_ROUTES: tuple[tuple[str, Callable[..., Awaitable[Response]]], ...] = (
    ("/sendEdoc", send_edoc),
    ("/getReceivedEdocList", received_list),
    ("/getEdoc", get_edoc),
    ("/updateStatus", update_status),
    ("/getSentEdocList", sent_list),
    ("/getAgenciesList", agencies),
)


def create_app(sim: Simulator) -> FastAPI:
    """Build the simulator's ASGI app over `sim`: the axis's paths, and the operator's fault controls."""
    app = FastAPI(title="VDXP simulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sim = sim
    app.add_exception_handler(Fail, _on_fail)
    install_faults(
        app,
        sim.faults,
        call_of=lambda request: request.url.path,
        struck=lambda request: not request.url.path.startswith(ADMIN_PREFIX),
        error=lambda status: _fail_response(
            Fail(status, "SIMULATED_FAULT", f"simulated fault: HTTP {status}")
        ),
        content_type="application/json",
    )
    for path, endpoint in _AXIS_ROUTES:
        app.add_api_route(path, endpoint, methods=["POST"])
    app.add_api_route(ADMIN_PREFIX + "/faults", set_fault, methods=["POST"])
    app.add_api_route(ADMIN_PREFIX + "/faults", get_faults, methods=["GET"])
    app.add_api_route(ADMIN_PREFIX + "/faults", clear_faults, methods=["DELETE"])
    app.add_api_route(ADMIN_PREFIX + "/state", state, methods=["GET"])
    return app
