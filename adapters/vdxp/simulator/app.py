"""The simulated national axis as a FastAPI app: same paths, signed headers and JSON replies as VDXP."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from adapters.vdxp.models import Agency
from adapters.vdxp.signing import (
    DEFAULT_MAX_SKEW,
    ReplayGuard,
    SignatureError,
    VerifiedRequest,
    verify_body_hash,
    verify_request,
)
from adapters.vdxp.simulator.accounts import SystemAccount, Systems
from adapters.vdxp.simulator.faults import Faults, FaultSpec
from adapters.vdxp.simulator.peek import MAX_PEEK_BYTES, EdxmlPeekError, EdxmlSummary, peek_edxml
from adapters.vdxp.simulator.store import SENT_DESC, STATUS_DESC, Delivery, SimStore, StoredDocument

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
    max_body_bytes: int = MAX_PEEK_BYTES
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


def _fail_response(fail: Fail) -> JSONResponse:
    body = {"status": "FAIL", "ErrorCode": fail.code, "ErrorDesc": fail.desc}
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


def create_app(sim: Simulator) -> FastAPI:
    """Build the simulator's ASGI app over `sim`."""
    app = FastAPI(title="VDXP simulator", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(Fail)
    async def on_fail(_: Request, exc: Fail) -> JSONResponse:
        log.info("vdxp-sim refused: %s", exc)
        return _fail_response(exc)

    @app.middleware("http")
    async def inject_faults(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path.startswith(ADMIN_PREFIX):
            return await call_next(request)
        fault = sim.faults.take()
        if fault is not None:
            if fault.delay_seconds:
                await asyncio.sleep(fault.delay_seconds)
            if fault.status_code is not None:
                desc = f"simulated fault: HTTP {fault.status_code}"
                return _fail_response(Fail(fault.status_code, "SIMULATED_FAULT", desc))
        return await call_next(request)

    async def authenticate(
        request: Request, body: bytes | None = None
    ) -> tuple[VerifiedRequest, SystemAccount]:
        try:
            signed = verify_request(request.headers, sim.secret_of, now=sim.now(), max_skew=sim.max_skew)
            if body is not None:
                verify_body_hash(signed, body)
                sim.replays.check(signed, sim.now())
        except SignatureError as exc:
            raise Fail(401, exc.code.value, exc.desc) from None
        return signed, sim.systems[signed.systemid]

    def check_code(account: SystemAccount, systemid: str, code: str, role: str) -> None:
        if not account.may_act_for(code):
            raise Fail(
                403, "FORBIDDEN_AGENCY", f"system {systemid!r} is not registered for {role} agency {code!r}"
            )

    @app.post("/sendEdoc")
    async def send_edoc(request: Request) -> JSONResponse:
        body = await _read_body(request, sim.max_body_bytes)
        signed, account = await authenticate(request, body)
        from_code = _required(signed, "from")
        message_type = _required(signed, "messagetype")
        if message_type not in ("edoc", "status"):
            raise Fail(
                400, "BAD_PARAMETER", f"XroadVnpt-messagetype must be edoc or status, got {message_type!r}"
            )
        check_code(account, signed.systemid, from_code, "sender")
        try:
            summary = peek_edxml(body, sim.max_body_bytes)
        except EdxmlPeekError as exc:
            if sim.check_edxml or not signed.get("to"):
                raise Fail(400, "INVALID_EDXML", str(exc)) from None
            summary = EdxmlSummary(from_code=None)
        to_raw = signed.get("to")
        if to_raw:
            to_codes = _parse_to(to_raw)
        elif message_type == "status":
            to_codes = [summary.response_for_code] if summary.response_for_code else []
        else:
            to_codes = summary.to_codes
        if not to_codes:
            where = "ResponseFor/OrganId" if message_type == "status" else "To/OrganId"
            raise Fail(400, "NO_RECIPIENT", f"no XroadVnpt-to header and no {where} in the edXML")
        unknown = [c for c in to_codes if c not in sim.directory]
        if unknown:
            raise Fail(
                400, "UNKNOWN_AGENCY", f"recipient(s) not in the agency directory: {', '.join(unknown)}"
            )
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

    @app.post("/getReceivedEdocList")
    async def received_list(request: Request) -> JSONResponse:
        signed, account = await authenticate(request)
        to_code = signed.get("to")
        if to_code:
            check_code(account, signed.systemid, to_code, "recipient")
            codes: set[str] = {to_code}
        elif account.agencies:
            codes = set(account.agencies)
        else:
            raise Fail(
                400, "MISSING_PARAMETER", "XroadVnpt-to is required for a centre without registered agencies"
            )
        rows = sim.store.pending(codes, signed.get("messagetype"))
        return ok(data=[_received_row(d, doc) for d, doc in rows])

    def owned_delivery(signed: VerifiedRequest, account: SystemAccount) -> Delivery:
        doc_id = _required(signed, "docId")
        delivery = sim.store.delivery(doc_id)
        if delivery is None or not account.may_act_for(delivery.to_code):
            raise Fail(
                404, "NOT_FOUND", f"no incoming item with docId {doc_id!r} for system {signed.systemid!r}"
            )
        return delivery

    @app.post("/getEdoc")
    async def get_edoc(request: Request) -> Response:
        signed, account = await authenticate(request)
        delivery = owned_delivery(signed, account)
        content = sim.store.content(delivery.sender_doc_id)
        return Response(content, media_type="application/octet-stream")

    @app.post("/updateStatus")
    async def update_status(request: Request) -> JSONResponse:
        signed, account = await authenticate(request)
        delivery = owned_delivery(signed, account)
        status = _required(signed, "status")
        if status not in ("done", "fail", "processing"):
            raise Fail(
                400, "BAD_PARAMETER", f"XroadVnpt-status must be done, fail or processing, got {status!r}"
            )
        sim.store.set_status(delivery.receiver_doc_id, status)  # type: ignore[arg-type]
        return ok()

    @app.post("/getSentEdocList")
    async def sent_list(request: Request) -> JSONResponse:
        signed, _ = await authenticate(request)
        rows = sim.store.sent(signed.systemid, signed.get("messagetype"), signed.get("docId"))
        return ok(data=[_sent_row(doc, d) for doc, d in rows])

    @app.post("/getAgenciesList")
    async def agencies(request: Request) -> JSONResponse:
        await authenticate(request)
        return ok(data=[a.model_dump(by_alias=True) for a in sim.directory.values()])

    def check_admin(request: Request) -> None:
        if sim.admin_token and request.headers.get("x-admin-token") != sim.admin_token:
            raise Fail(401, "ADMIN_TOKEN", "header X-Admin-Token is missing or wrong")

    @app.post(ADMIN_PREFIX + "/faults")
    async def set_fault(request: Request, spec: FaultSpec) -> JSONResponse:
        check_admin(request)
        sim.faults.set(spec)
        return ok(**sim.faults.describe())

    @app.delete(ADMIN_PREFIX + "/faults")
    async def clear_faults(request: Request) -> JSONResponse:
        check_admin(request)
        sim.faults.clear()
        return ok(**sim.faults.describe())

    @app.get(ADMIN_PREFIX + "/state")
    async def state(request: Request) -> JSONResponse:
        check_admin(request)
        pending: dict[str, int] = {}
        for delivery, _ in sim.store.pending(None, None):
            pending[delivery.to_code] = pending.get(delivery.to_code, 0) + 1
        return ok(documents=len(sim.store.state.documents), pending=pending, faults=sim.faults.describe())

    return app
