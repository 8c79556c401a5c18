"""Async zeep client for the LGSP contract, with typed results, typed faults, retries and a breaker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
import zeep.exceptions
from lxml import etree
from zeep import AsyncClient, Settings
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport

from adapters.lgsp.contract import BINDING_QNAME, NS, WSDL_PATH
from adapters.lgsp.errors import (
    LgspAuthenticationError,
    LgspError,
    LgspNotFoundError,
    LgspPermanentError,
    LgspTransientError,
)
from adapters.lgsp.protocol import (
    Document,
    MessageType,
    Organization,
    SendReceipt,
    StatusInfo,
    Trace,
    TraceUpdate,
    format_datetime,
)
from kit.resilience import CircuitBreaker, CircuitOpenError, RetryPolicy, retry_async

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECT_FAILED = "CONNECT_FAILED"


def fault_to_error(fault: zeep.exceptions.Fault) -> LgspError:
    """Map a SOAP fault to a typed error: Client faults are permanent, Server faults transient."""
    faultcode = (fault.code or "").rpartition(":")[2].split(".", 1)[0]
    detail_code = ""
    detail: Any = fault.detail
    if detail is not None:
        detail_code = (detail.findtext(f".//{{{NS}}}Code") or "").strip()
    message = str(fault.message or "SOAP fault without faultstring")
    if faultcode == "Server":
        return LgspTransientError(message, detail_code or "SERVER_FAULT")
    if detail_code == "AUTHENTICATION_FAILED":
        return LgspAuthenticationError(message)
    if detail_code == "NOT_FOUND":
        return LgspNotFoundError(message)
    return LgspPermanentError(message, detail_code or faultcode.upper() or "CLIENT_FAULT")


def _map_exception(exc: Exception) -> LgspError:
    if isinstance(exc, LgspError):
        return exc
    if isinstance(exc, zeep.exceptions.Fault):
        return fault_to_error(exc)
    if isinstance(exc, CircuitOpenError):
        return LgspTransientError(str(exc), "CIRCUIT_OPEN")
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return LgspTransientError(f"cannot connect to the LGSP endpoint: {exc}", CONNECT_FAILED)
    if isinstance(exc, httpx.TimeoutException):
        return LgspTransientError(f"LGSP call timed out: {type(exc).__name__}", "TIMEOUT")
    if isinstance(exc, httpx.TransportError):
        return LgspTransientError(f"LGSP transport error: {type(exc).__name__}: {exc}", "TRANSPORT_ERROR")
    if isinstance(exc, zeep.exceptions.TransportError):
        status = exc.status_code or 0
        if status in (408, 429) or status >= 500 or status == 0:
            return LgspTransientError(f"LGSP endpoint answered HTTP {status}: {exc.message}", "HTTP_ERROR")
        return LgspPermanentError(f"LGSP endpoint answered HTTP {status}: {exc.message}", "HTTP_ERROR")
    if isinstance(exc, zeep.exceptions.ValidationError):
        return LgspPermanentError(f"request does not fit the contract: {exc}", "INVALID_REQUEST")
    if isinstance(exc, zeep.exceptions.XMLSyntaxError | etree.XMLSyntaxError):
        return LgspTransientError(f"LGSP endpoint sent an unreadable response: {exc}", "BAD_RESPONSE")
    if isinstance(exc, zeep.exceptions.Error):
        return LgspPermanentError(f"SOAP error: {exc}", "SOAP_ERROR")
    raise exc


class LgspClient:
    """Call one LGSP endpoint as one organisation (organisation id + token in the Credentials header).

    Idempotent operations are retried on transient errors, and so is a SendDocument carrying an
    idempotency key (the axis stores it once); one without a key is retried only when the request never
    reached the server (connection refused, circuit open), so a timeout cannot make the axis deliver a
    document twice. Transient failures feed the circuit breaker; Client faults do not.
    """

    def __init__(
        self,
        address: str,
        organ_id: str,
        token: str,
        *,
        wsdl: Path = WSDL_PATH,
        connect_timeout: float = 5.0,
        operation_timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        http_client: httpx.AsyncClient | None = None,
        verify: bool | str = True,
    ) -> None:
        self.address = address
        self.organ_id = organ_id
        self._token = token
        self.retry = retry or RetryPolicy(attempts=3, base_delay=0.5, max_delay=5.0)
        self.breaker = breaker or CircuitBreaker(f"lgsp:{address}")
        timeout = httpx.Timeout(operation_timeout, connect=connect_timeout)
        self._own_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout, verify=verify)
        self._wsdl_http = httpx.Client(timeout=timeout, verify=verify)  # zeep wants one; the WSDL is local
        zeep_transport: Any = AsyncTransport
        zeep_client: Any = AsyncClient
        zeep_proxy: Any = AsyncServiceProxy
        transport = zeep_transport(client=self._http, wsdl_client=self._wsdl_http)
        settings = Settings(strict=True, xml_huge_tree=True, forbid_dtd=True, forbid_entities=True)
        self._zeep = zeep_client(str(wsdl), transport=transport, settings=settings)
        # zeep's AsyncClient.create_service returns a sync proxy; build the async one directly
        self._service: Any = zeep_proxy(self._zeep, self._zeep.wsdl.bindings[BINDING_QNAME], address=address)

    async def __aenter__(self) -> LgspClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP clients this client created."""
        if self._own_http:
            await self._http.aclose()
        self._wsdl_http.close()

    # Operations -------------------------------------------------------------------------------------

    async def send_document(
        self,
        content: bytes,
        message_type: MessageType = MessageType.EDOC,
        receiver_ids: Sequence[str] = (),
        idempotency_key: str | None = None,
    ) -> SendReceipt:
        """Send an edXML message; receivers default to those named in the edXML.

        With an `idempotency_key` (the same on every attempt of one message) the axis stores the
        message once, so the call is retried like the idempotent ones; without one it is retried only
        when it never reached the server.
        """
        result = await self._call(
            "SendDocument",
            lambda: self._service.SendDocument(
                MessageType=message_type.value,
                ReceiverId=list(receiver_ids),
                Content=content,
                IdempotencyKey=idempotency_key,
                _soapheaders=self._headers(),
            ),
            idempotent=idempotency_key is not None,
        )
        status = result.Status
        return SendReceipt(
            document_id=result.DocumentId,
            receiver_ids=tuple(result.ReceiverId or ()),
            status=None
            if status is None
            else StatusInfo(status_code=status.StatusCode, description=status.Description),
        )

    async def get_pending_document_ids(
        self, message_type: MessageType | None = None, max_count: int | None = None
    ) -> list[str]:
        """List the transport ids of messages waiting for this organisation."""
        result = await self._call(
            "GetPendingDocumentIds",
            lambda: self._service.GetPendingDocumentIds(
                MessageType=message_type.value if message_type else None,
                MaxCount=max_count,
                _soapheaders=self._headers(),
            ),
        )
        return [str(value) for value in result or ()]

    async def get_document(self, document_id: str) -> Document:
        """Download one message."""
        result = await self._call(
            "GetDocument",
            lambda: self._service.GetDocument(DocumentId=document_id, _soapheaders=self._headers()),
        )
        return Document(
            document_id=result.DocumentId,
            message_type=MessageType(result.MessageType),
            sender_id=result.SenderId,
            receiver_ids=tuple(result.ReceiverId or ()),
            sent_at=_aware(result.SentAt),
            content=result.Content,
        )

    async def confirm_received(self, document_id: str) -> None:
        """Acknowledge a downloaded message so it leaves the pending list."""
        await self._call(
            "ConfirmReceived",
            lambda: self._service.ConfirmReceived(DocumentId=document_id, _soapheaders=self._headers()),
        )

    async def update_traces(self, traces: Sequence[TraceUpdate]) -> int:
        """Report status updates; return how many the axis recorded."""
        items = [
            {
                "DocumentId": t.document_id,
                "StatusCode": t.status_code,
                "Description": t.description,
                "Timestamp": format_datetime(t.timestamp) if t.timestamp else None,
            }
            for t in traces
        ]
        result = await self._call(
            "UpdateTraces", lambda: self._service.UpdateTraces(Trace=items, _soapheaders=self._headers())
        )
        return int(result)

    async def get_traces(self, document_id: str) -> list[Trace]:
        """Read the recorded statuses of a message."""
        result = await self._call(
            "GetTraces", lambda: self._service.GetTraces(DocumentId=document_id, _soapheaders=self._headers())
        )
        return [
            Trace(
                document_id=t.DocumentId,
                organ_id=t.OrganId,
                status_code=t.StatusCode,
                description=t.Description,
                timestamp=_aware(t.Timestamp),
            )
            for t in result or ()
        ]

    async def get_organizations(self, organ_id: str | None = None) -> list[Organization]:
        """List the organisations on the axis (or only `organ_id`)."""
        result = await self._call(
            "GetOrganizations",
            lambda: self._service.GetOrganizations(OrganId=organ_id, _soapheaders=self._headers()),
        )
        return [
            Organization(organ_id=o.OrganId, name=o.Name, parent_id=o.ParentId, email=o.Email)
            for o in result or ()
        ]

    # Plumbing ---------------------------------------------------------------------------------------

    def _headers(self) -> dict[str, dict[str, str]]:
        return {"Credentials": {"OrganId": self.organ_id, "Token": self._token}}

    async def _call(
        self, operation: str, call: Callable[[], Awaitable[Any]], *, idempotent: bool = True
    ) -> Any:
        async def attempt() -> Any:
            try:
                self.breaker.acquire()
            except CircuitOpenError as exc:
                raise _map_exception(exc) from exc
            try:
                result = await call()
            except Exception as exc:
                error = _map_exception(exc)
                if isinstance(error, LgspTransientError):
                    self.breaker.record_failure(f"{operation}: {error}")
                else:
                    self.breaker.record_success()  # the counterpart answered; the request was wrong
                log.warning("LGSP %s failed: %s", operation, error)
                raise error from exc
            except BaseException:
                self.breaker.release()
                raise
            self.breaker.record_success()
            return result

        def retryable(exc: BaseException) -> bool:
            if not isinstance(exc, LgspTransientError):
                return False
            return idempotent or exc.code in (CONNECT_FAILED, "CIRCUIT_OPEN")

        return await retry_async(attempt, self.retry, retry_on=retryable)


def _aware(value: datetime) -> datetime:
    """Return a datetime zeep parsed, normalised to a standard-library timezone."""
    if value.tzinfo is None:
        return value
    offset = value.utcoffset()
    return value.replace(tzinfo=timezone(offset)) if offset is not None else value
