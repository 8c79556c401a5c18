"""SOAP 1.1 server core for the LGSP contract: serve the WSDL, parse safely, validate, dispatch, fault.

Used by the simulator and by the hub's own push endpoint (`api.py`). Contract first: the WSDL file is
served as is (address rewritten) and its inline XSD validates every request before a backend sees it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter, Request, Response
from lxml import etree
from pydantic import ValidationError

from adapters.lgsp import protocol
from adapters.lgsp.contract import (
    CREDENTIALS_TAG,
    NS,
    SOAP11_ENV,
    SOAP12_ENV,
    Contract,
    Operation,
    load_contract,
)
from adapters.lgsp.errors import LgspError, LgspPermanentError
from adapters.lgsp.protocol import (
    Document,
    Organization,
    PendingQuery,
    SendReceipt,
    SendRequest,
    Trace,
    TraceUpdate,
)
from schemas.edxml.errors import EdxmlError, EntityReferenceError, MessageTooLargeError, UnsafeXmlError
from schemas.edxml.xmlsafe import MAX_XML_BYTES, parse_xml

log = logging.getLogger(__name__)

DEFAULT_MAX_REQUEST_BYTES = MAX_XML_BYTES
SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"
OFFLOAD_BYTES = 1024 * 1024
# Authentication faults: read by the other agency's staff, so in Vietnamese (the element named as is)
NO_HEADER = "Thiếu thông tin xác thực: yêu cầu không có SOAP Header chứa lgsp:Credentials."
NO_CREDENTIALS = "Thiếu thông tin xác thực: SOAP Header không có phần tử lgsp:Credentials."
BAD_CREDENTIALS = "Thông tin xác thực không hợp lệ: cần mã định danh (OrganId) và mã truy cập (Token)."
WRONG_CREDENTIALS = (
    "Xác thực không thành công: mã định danh {organ_id} không có tài khoản "
    "hoặc mã truy cập (Token) không đúng."
)


class LgspBackend(Protocol):
    """Implement the LGSP operations for an authenticated caller (its organisation id).

    Raise `LgspPermanentError` (or a subclass) for a request that cannot succeed: it becomes a SOAP
    Client fault. Raise `LgspTransientError` for a technical failure worth retrying: a Server fault.
    Any other exception becomes a Server fault with a generic message; the details are only logged.
    """

    async def authenticate(self, organ_id: str, token: str) -> bool:
        """Return whether `token` is the valid token of organisation `organ_id`."""
        ...

    async def send_document(self, caller: str, request: SendRequest) -> SendReceipt:
        """Accept an edXML message from `caller` and return its transport id and receivers."""
        ...

    async def get_pending_document_ids(self, caller: str, query: PendingQuery) -> list[str]:
        """Return the transport ids of messages waiting for `caller`, oldest first."""
        ...

    async def get_document(self, caller: str, document_id: str) -> Document:
        """Return one message addressed to (or sent by) `caller`."""
        ...

    async def confirm_received(self, caller: str, document_id: str) -> None:
        """Remove a message from `caller`'s pending list."""
        ...

    async def update_traces(self, caller: str, traces: Sequence[TraceUpdate]) -> int:
        """Record status updates reported by `caller`; return how many were recorded."""
        ...

    async def get_traces(self, caller: str, document_id: str) -> list[Trace]:
        """Return the recorded statuses of a message `caller` sent or received, oldest first."""
        ...

    async def get_organizations(self, caller: str, organ_id: str | None) -> list[Organization]:
        """Return the organisations on the axis, or only `organ_id` when given."""
        ...


@dataclass(frozen=True)
class SoapFault(Exception):
    """A fault to return: faultcode (Client, Server, VersionMismatch, MustUnderstand), detail code, text."""

    faultcode: str
    code: str
    message: str


def _client(code: str, message: str) -> SoapFault:
    return SoapFault("Client", code, message)


def _refusal_code(exc: EdxmlError) -> str:
    """The FaultDetail code of an XML refused by the hardened parser."""
    if isinstance(exc, MessageTooLargeError):
        return "TOO_LARGE"
    if isinstance(exc, UnsafeXmlError | EntityReferenceError):
        return "FORBIDDEN_XML"
    return "MALFORMED_XML"


def fault_envelope(fault: SoapFault) -> bytes:
    """Serialise a SOAP 1.1 Fault envelope carrying lgsp:FaultDetail."""
    envelope = etree.Element(f"{{{SOAP11_ENV}}}Envelope", nsmap={"soap": SOAP11_ENV, "lgsp": NS})
    body = etree.SubElement(envelope, f"{{{SOAP11_ENV}}}Body")
    node = etree.SubElement(body, f"{{{SOAP11_ENV}}}Fault")
    etree.SubElement(node, "faultcode").text = f"soap:{fault.faultcode}"
    etree.SubElement(node, "faultstring").text = fault.message
    detail = etree.SubElement(node, "detail")
    info = etree.SubElement(detail, f"{{{NS}}}FaultDetail")
    etree.SubElement(info, f"{{{NS}}}Code").text = fault.code
    etree.SubElement(info, f"{{{NS}}}Message").text = fault.message
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def response_envelope(payload: etree._Element) -> bytes:
    """Wrap a response element in a SOAP 1.1 envelope."""
    envelope = etree.Element(f"{{{SOAP11_ENV}}}Envelope", nsmap={"soap": SOAP11_ENV})
    etree.SubElement(envelope, f"{{{SOAP11_ENV}}}Body").append(payload)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


Handler = Callable[[LgspBackend, str, etree._Element], Awaitable[etree._Element]]


async def _send(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return protocol.send_response(await backend.send_document(caller, protocol.send_request(node)))


async def _pending(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return protocol.pending_response(
        await backend.get_pending_document_ids(caller, protocol.pending_query(node))
    )


async def _get(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return protocol.document_response(await backend.get_document(caller, protocol.document_id(node)))


async def _confirm(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    document_id = protocol.document_id(node)
    await backend.confirm_received(caller, document_id)
    return protocol.confirm_response(document_id)


async def _update(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return protocol.update_traces_response(await backend.update_traces(caller, protocol.trace_updates(node)))


async def _traces(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return protocol.traces_response(await backend.get_traces(caller, protocol.document_id(node)))


async def _organizations(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return protocol.organizations_response(
        await backend.get_organizations(caller, protocol.organization_filter(node))
    )


HANDLERS: dict[str, Handler] = {
    "SendDocument": _send,
    "GetPendingDocumentIds": _pending,
    "GetDocument": _get,
    "ConfirmReceived": _confirm,
    "UpdateTraces": _update,
    "GetTraces": _traces,
    "GetOrganizations": _organizations,
}


def _schema_problem(schema: etree.XMLSchema) -> str:
    log_: Any = schema.error_log
    error = log_.last_error
    return str(error.message) if error is not None else "schema validation failed"


def _header_and_payload(envelope: etree._Element) -> tuple[etree._Element | None, etree._Element]:
    """The SOAP 1.1 Header (if any) and the single element of the Body, or a fault saying what is wrong."""
    if envelope.tag == f"{{{SOAP12_ENV}}}Envelope":
        raise SoapFault("VersionMismatch", "VERSION_MISMATCH", "SOAP 1.2 is not supported, send SOAP 1.1")
    if envelope.tag != f"{{{SOAP11_ENV}}}Envelope":
        raise _client("INVALID_ENVELOPE", f"root element {envelope.tag} is not a SOAP 1.1 Envelope")
    body = envelope.find(f"{{{SOAP11_ENV}}}Body")
    if body is None:
        raise _client("INVALID_ENVELOPE", "the SOAP Envelope has no Body")
    children = [child for child in body if isinstance(child.tag, str)]
    if len(children) != 1:
        raise _client("INVALID_ENVELOPE", f"the SOAP Body must hold exactly one element, not {len(children)}")
    return envelope.find(f"{{{SOAP11_ENV}}}Header"), children[0]


class SoapEndpoint:
    """Serve one LGSP backend over SOAP 1.1."""

    def __init__(
        self,
        backend: LgspBackend,
        *,
        contract: Contract | None = None,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        public_url: str | None = None,
    ) -> None:
        self.backend = backend
        self.contract = contract or load_contract()
        self.max_request_bytes = max_request_bytes
        self.public_url = public_url

    def router(self, path: str = "/lgsp") -> APIRouter:
        """Return a FastAPI router with `GET path?wsdl` and the SOAP `POST path`."""
        router = APIRouter()

        @router.get(path, include_in_schema=False)
        async def wsdl(request: Request) -> Response:
            if not any(key.lower() == "wsdl" for key in request.query_params):
                return Response(
                    "Append ?wsdl to get the service description.\n", 404, media_type="text/plain"
                )
            address = self.public_url or str(request.url.replace(query=""))
            return Response(self.contract.wsdl_for(address), media_type="text/xml; charset=utf-8")

        @router.post(path, include_in_schema=False)
        async def soap(request: Request) -> Response:
            status, body = await self.handle_request(request)
            return Response(body, status, media_type=SOAP_CONTENT_TYPE)

        return router

    async def handle_request(self, request: Request) -> tuple[int, bytes]:
        """Read a bounded request body and answer it; never raises."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_request_bytes:
            await self._drain(request)
            return 500, fault_envelope(self._too_large(int(declared)))
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_request_bytes:
                await self._drain(request)
                return 500, fault_envelope(self._too_large(size))
            chunks.append(chunk)
        return await self.handle(b"".join(chunks), request.headers.get("soapaction"))

    def _too_large(self, size: int) -> SoapFault:
        return _client(
            "TOO_LARGE",
            f"request body of at least {size} bytes exceeds the limit of {self.max_request_bytes} bytes",
        )

    async def _drain(self, request: Request) -> None:
        """Discard the rest of an oversized body (up to 4x the limit) so the client sees the fault."""
        seen = 0
        try:
            async for chunk in request.stream():
                seen += len(chunk)
                if seen > 4 * self.max_request_bytes:
                    break
        except Exception:  # the client may give up first; nothing to answer then
            log.debug("client went away while an oversized body was drained")

    async def handle(self, data: bytes, soap_action: str | None) -> tuple[int, bytes]:
        """Answer one SOAP request body: (HTTP status, envelope bytes). Never raises."""
        try:
            return 200, response_envelope(await self._dispatch(data, soap_action))
        except SoapFault as fault:
            return 500, fault_envelope(fault)
        except Exception:
            log.exception("LGSP request failed with an unexpected error")
            return 500, fault_envelope(SoapFault("Server", "INTERNAL_ERROR", "internal server error"))

    async def _dispatch(self, data: bytes, soap_action: str | None) -> etree._Element:
        header, payload = _header_and_payload(await self._parse(data))
        operation = self._operation(payload, soap_action)
        credentials = self._credentials(header)
        if not self.contract.schema.validate(payload):
            raise _client("SCHEMA_VIOLATION", f"{operation.name}: {_schema_problem(self.contract.schema)}")
        caller = await self._authenticate(credentials)
        return await self._call(operation, caller, payload)

    async def _parse(self, data: bytes) -> etree._Element:
        """Parse the request with the hardened parser (off the event loop when it is big)."""
        try:
            if len(data) > OFFLOAD_BYTES:  # keep the event loop responsive while lxml parses big bodies
                return await asyncio.to_thread(parse_xml, data, max_size=self.max_request_bytes)
            return parse_xml(data, max_size=self.max_request_bytes)
        except EdxmlError as exc:
            raise _client(_refusal_code(exc), exc.problem) from None

    def _operation(self, payload: etree._Element, soap_action: str | None) -> Operation:
        """The operation of the body element, checked against the SOAPAction header when one is given."""
        operation = self.contract.operations.get(payload.tag)
        if operation is None:
            known = ", ".join(op.request_tag for op in self.contract.operations.values())
            raise _client(
                "UNKNOWN_OPERATION", f"unknown request element {payload.tag}; expected one of {known}"
            )
        action = (soap_action or "").strip().strip('"')
        if action and action not in (operation.soap_action, operation.name):
            raise _client(
                "UNKNOWN_OPERATION",
                f"SOAPAction {action!r} does not match the body element of operation {operation.name}",
            )
        return operation

    async def _call(self, operation: Operation, caller: str, payload: etree._Element) -> etree._Element:
        """Run the backend's operation; its typed errors become Client or Server faults."""
        try:
            return await HANDLERS[operation.name](self.backend, caller, payload)
        except LgspPermanentError as exc:
            raise _client(exc.code, exc.message) from None
        except LgspError as exc:  # LgspTransientError and any other failure the backend declared
            raise SoapFault("Server", exc.code, exc.message) from None
        except (ValidationError, ValueError) as exc:
            raise _client("INVALID_REQUEST", f"{operation.name}: {exc}") from None

    def _credentials(self, header: etree._Element | None) -> etree._Element:
        if header is None:
            raise _client("AUTHENTICATION_FAILED", NO_HEADER)
        credentials = None
        for child in header:
            if not isinstance(child.tag, str):
                continue
            if child.tag == CREDENTIALS_TAG:
                credentials = child
            elif child.get(f"{{{SOAP11_ENV}}}mustUnderstand") in ("1", "true"):
                raise SoapFault("MustUnderstand", "MUST_UNDERSTAND", f"header {child.tag} is not understood")
        if credentials is None:
            raise _client("AUTHENTICATION_FAILED", NO_CREDENTIALS)
        if not self.contract.schema.validate(credentials):
            problem = _schema_problem(self.contract.schema)
            raise _client("AUTHENTICATION_FAILED", f"{BAD_CREDENTIALS} (Credentials: {problem})")
        return credentials

    async def _authenticate(self, credentials: etree._Element) -> str:
        organ_id = (credentials.findtext(f"{{{NS}}}OrganId") or "").strip()
        token = (credentials.findtext(f"{{{NS}}}Token") or "").strip()
        try:
            accepted = await self.backend.authenticate(organ_id, token)
        except LgspError as exc:
            raise SoapFault("Server", exc.code, exc.message) from None
        if not accepted:
            raise _client("AUTHENTICATION_FAILED", WRONG_CREDENTIALS.format(organ_id=organ_id))
        return organ_id
