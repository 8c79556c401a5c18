"""SOAP 1.1 server core for the LGSP contract: serve the WSDL, parse safely, validate, dispatch, fault.

Used by the simulator and by the hub's own inbound endpoint. Contract first: the WSDL file is served as
is (address rewritten) and its inline XSD validates every request before a backend sees it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from lxml import etree
from pydantic import ValidationError

from adapters.lgsp import wire
from adapters.lgsp.backend import LgspBackend
from adapters.lgsp.contract import CREDENTIALS_TAG, NS, SOAP11_ENV, SOAP12_ENV, Contract, load_contract
from adapters.lgsp.errors import LgspAuthenticationError, LgspError, LgspPermanentError, LgspTransientError
from adapters.lgsp.xmlsafe import UnsafeXmlError, parse_xml

log = logging.getLogger(__name__)

DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024
SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"
OFFLOAD_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SoapFault(Exception):
    """A fault to return: faultcode (Client, Server, VersionMismatch, MustUnderstand), detail code, text."""

    faultcode: str
    code: str
    message: str


def _client(code: str, message: str) -> SoapFault:
    return SoapFault("Client", code, message)


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
    return wire.send_response(await backend.send_document(caller, wire.send_request(node)))


async def _pending(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return wire.pending_response(await backend.get_pending_document_ids(caller, wire.pending_query(node)))


async def _get(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return wire.document_response(await backend.get_document(caller, wire.document_id(node)))


async def _confirm(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    document_id = wire.document_id(node)
    await backend.confirm_received(caller, document_id)
    return wire.confirm_response(document_id)


async def _update(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return wire.update_traces_response(await backend.update_traces(caller, wire.trace_updates(node)))


async def _traces(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return wire.traces_response(await backend.get_traces(caller, wire.document_id(node)))


async def _organizations(backend: LgspBackend, caller: str, node: etree._Element) -> etree._Element:
    return wire.organizations_response(
        await backend.get_organizations(caller, wire.organization_filter(node))
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
        try:
            if len(data) > OFFLOAD_BYTES:  # keep the event loop responsive while lxml parses big bodies
                envelope = await asyncio.to_thread(
                    parse_xml, data, max_bytes=self.max_request_bytes, what="SOAP request"
                )
            else:
                envelope = parse_xml(data, max_bytes=self.max_request_bytes, what="SOAP request")
        except UnsafeXmlError as exc:
            raise _client(exc.code, exc.message) from None
        if envelope.tag == f"{{{SOAP12_ENV}}}Envelope":
            raise SoapFault("VersionMismatch", "VERSION_MISMATCH", "SOAP 1.2 is not supported, send SOAP 1.1")
        if envelope.tag != f"{{{SOAP11_ENV}}}Envelope":
            raise _client("INVALID_ENVELOPE", f"root element {envelope.tag} is not a SOAP 1.1 Envelope")
        header = envelope.find(f"{{{SOAP11_ENV}}}Header")
        body = envelope.find(f"{{{SOAP11_ENV}}}Body")
        if body is None:
            raise _client("INVALID_ENVELOPE", "the SOAP Envelope has no Body")
        children = [child for child in body if isinstance(child.tag, str)]
        if len(children) != 1:
            raise _client(
                "INVALID_ENVELOPE", f"the SOAP Body must hold exactly one element, not {len(children)}"
            )
        payload = children[0]
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
        credentials = self._credentials(header)
        if not self.contract.schema.validate(payload):
            raise _client("SCHEMA_VIOLATION", f"{operation.name}: {_schema_problem(self.contract.schema)}")
        caller = await self._authenticate(credentials)
        try:
            return await HANDLERS[operation.name](self.backend, caller, payload)
        except LgspPermanentError as exc:
            raise _client(exc.code, exc.message) from None
        except LgspTransientError as exc:
            raise SoapFault("Server", exc.code, exc.message) from None
        except LgspError as exc:
            raise SoapFault("Server", exc.code, exc.message) from None
        except (ValidationError, ValueError) as exc:
            raise _client("INVALID_REQUEST", f"{operation.name}: {exc}") from None

    def _credentials(self, header: etree._Element | None) -> etree._Element:
        if header is None:
            raise _client("AUTHENTICATION_FAILED", "the SOAP Header with lgsp:Credentials is missing")
        credentials = None
        for child in header:
            if not isinstance(child.tag, str):
                continue
            if child.tag == CREDENTIALS_TAG:
                credentials = child
            elif child.get(f"{{{SOAP11_ENV}}}mustUnderstand") in ("1", "true"):
                raise SoapFault("MustUnderstand", "MUST_UNDERSTAND", f"header {child.tag} is not understood")
        if credentials is None:
            raise _client("AUTHENTICATION_FAILED", "the SOAP Header has no lgsp:Credentials element")
        if not self.contract.schema.validate(credentials):
            raise _client("AUTHENTICATION_FAILED", f"Credentials: {_schema_problem(self.contract.schema)}")
        return credentials

    async def _authenticate(self, credentials: etree._Element) -> str:
        organ_id = (credentials.findtext(f"{{{NS}}}OrganId") or "").strip()
        token = (credentials.findtext(f"{{{NS}}}Token") or "").strip()
        try:
            accepted = await self.backend.authenticate(organ_id, token)
        except LgspError as exc:
            raise SoapFault("Server", exc.code, exc.message) from None
        if not accepted:
            raise _client(
                "AUTHENTICATION_FAILED",
                f"{LgspAuthenticationError().message} (organisation {organ_id})",
            )
        return organ_id
