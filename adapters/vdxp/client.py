"""Async client of the national axis (VDXP) over httpx: signed headers, retries, circuit breaker."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx
import structlog
from pydantic import ValidationError

from adapters.vdxp.auth import sign_request
from adapters.vdxp.errors import (
    VdxpCircuitOpenError,
    VdxpError,
    VdxpRejectedError,
    VdxpTransientError,
)
from adapters.vdxp.protocol import (
    AgenciesReply,
    Agency,
    EdocReply,
    MessageType,
    ReceivedItem,
    ReceivedListReply,
    SendReply,
    SentItem,
    SentListReply,
    TransportStatus,
    VdxpReply,
)
from adapters.vdxp.settings import VdxpConfig
from kit.resilience import BreakerSnapshot, CircuitBreaker, CircuitOpenError, retry_async

log = structlog.get_logger(__name__)

R = TypeVar("R", bound=VdxpReply)
T = TypeVar("T")
JSON_TYPE = "application/json"
OCTET_TYPE = "application/octet-stream"
FILE_END = b"\r\n"
"""What the SDK sends after the file in a /sendEdoc body (domain.md §3.2)."""
_JSON_OVERHEAD = 64 * 1024
# The request certainly did not reach the application behind these statuses.
_NOT_PROCESSED = frozenset({429, 502, 503})
_CHUNK = 1 << 20


class VdxpClient:
    """Calls the axis operations; transient errors are retried, refusals raise VdxpRejectedError."""

    def __init__(
        self,
        config: VdxpConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        breaker: CircuitBreaker | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.breaker = breaker or CircuitBreaker(f"vdxp:{config.systemid}", config.breaker_settings(), clock)
        self._sleep = sleep
        self._now = now
        limits = httpx.Limits(max_connections=config.max_connections)
        self._http = httpx.AsyncClient(
            base_url=config.base_url, timeout=config.timeout(), limits=limits, transport=transport
        )

    async def __aenter__(self) -> VdxpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._http.aclose()

    def health(self) -> BreakerSnapshot:
        """Return the circuit breaker state for the ops portal."""
        return self.breaker.snapshot()

    async def send_edoc(
        self,
        edxml: bytes | Path,
        *,
        from_code: str,
        to: Sequence[str] | None = None,
        message_type: MessageType = "edoc",
    ) -> str:
        """Send an edXML document or status message; return the DocId the axis assigned.

        A Path is streamed from disk (hashed first, then uploaded in chunks on each attempt), so a
        large document is never held in memory.

        Not retried after the request may have reached the axis (read timeout, HTTP 500/504),
        so a retry never silently sends twice; the caller decides with `may_have_reached_server`.
        """
        params = [
            ("from", from_code),
            ("servicetype", self.config.service_type),
            ("messagetype", message_type),
        ]
        if to is not None:
            params.append(("to", json.dumps(list(to), separators=(",", ":"))))
        reply = await self._json_call(
            "sendEdoc", params, SendReply, body=edxml, content_type=OCTET_TYPE, idempotent=False
        )
        if not reply.doc_id:
            raise VdxpTransientError("sendEdoc", "reply OK without DocId", may_have_reached_server=True)
        return reply.doc_id

    async def get_received_edoc_list(
        self, message_type: MessageType = "edoc", *, to: str | None = None
    ) -> list[ReceivedItem]:
        """List pending incoming items (not yet acknowledged done), optionally for one agency code."""
        params = [("servicetype", self.config.service_type), ("messagetype", message_type)]
        if to is not None:
            params.append(("to", to))
        reply = await self._json_call("getReceivedEdocList", params, ReceivedListReply)
        return reply.data

    async def get_edoc(self, doc_id: str) -> bytes:
        """Download one incoming item's edXML bytes."""
        buffer = bytearray()

        async def attempt() -> None:
            buffer.clear()
            await self._stream_edoc(doc_id, buffer.extend)

        await self._retrying("getEdoc", attempt, idempotent=True)
        return bytes(buffer)

    async def download_edoc(self, doc_id: str, target: Path) -> int:
        """Stream one incoming item's edXML into `target`; return its size in bytes."""

        async def attempt() -> int:
            with target.open("wb") as sink:
                return await self._stream_edoc(doc_id, _writer(sink))

        return await self._retrying("getEdoc", attempt, idempotent=True)

    async def update_status(self, doc_id: str, status: TransportStatus) -> None:
        """Acknowledge the transport of an incoming item: done, fail or processing."""
        await self._json_call("updateStatus", [("docId", doc_id), ("status", status)], VdxpReply)

    async def get_sent_edoc_list(
        self, message_type: MessageType = "edoc", *, doc_id: str | None = None
    ) -> list[SentItem]:
        """Per-recipient delivery state of items this centre sent (optionally of one DocId)."""
        params = [("servicetype", self.config.service_type), ("messagetype", message_type)]
        if doc_id is not None:
            params.append(("docId", doc_id))
        reply = await self._json_call("getSentEdocList", params, SentListReply)
        return reply.data

    async def get_agencies_list(self) -> list[Agency]:
        """The axis' agency directory (code, code102, name, ...)."""
        reply = await self._json_call("getAgenciesList", [], AgenciesReply)
        return reply.data

    async def _json_call(
        self,
        operation: str,
        params: Sequence[tuple[str, str]],
        model: type[R],
        *,
        body: bytes | Path = b"{}",
        content_type: str = JSON_TYPE,
        idempotent: bool = True,
    ) -> R:
        async def attempt() -> R:
            response = await self._send(operation, params, body, content_type)
            return _parse_reply(operation, response, model)

        return await self._retrying(operation, attempt, idempotent=idempotent)

    async def _stream_edoc(self, doc_id: str, write: Callable[[bytes], Any]) -> int:
        headers = self._headers([("docId", doc_id)], JSON_TYPE, None)
        request = self._http.build_request("POST", "/getEdoc", headers=headers, content=b"{}")
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise _transport_error("getEdoc", exc) from exc
        try:
            _raise_for_http(
                "getEdoc",
                response.status_code,
                (await response.aread()) if response.status_code >= 400 else b"",
            )
            if response.headers.get("content-type", "").startswith(JSON_TYPE):
                return await self._edoc_from_json(doc_id, response, write)
            size = 0
            async for chunk in response.aiter_bytes():  # a raw edXML reply (older gateways)
                size += len(chunk)
                self._check_size(doc_id, size)
                write(chunk)
            return size
        except httpx.TransportError as exc:
            raise _transport_error("getEdoc", exc) from exc
        finally:
            await response.aclose()

    async def _edoc_from_json(
        self, doc_id: str, response: httpx.Response, write: Callable[[bytes], Any]
    ) -> int:
        """The axis's `/getEdoc` reply: JSON whose `data` is the base64 edXML (domain.md §3.3)."""
        limit = self.config.max_download_bytes * 4 // 3 + _JSON_OVERHEAD
        raw = bytearray()
        async for chunk in response.aiter_bytes():
            raw.extend(chunk)
            if len(raw) > limit:
                self._check_size(doc_id, len(raw) * 3 // 4)
        reply = _parse_reply("getEdoc", httpx.Response(200, content=bytes(raw)), EdocReply)
        del raw
        if not reply.data:
            raise VdxpRejectedError("getEdoc", "NO_DOCUMENT", f"the reply for docId {doc_id} carries no data")
        try:
            content = base64.b64decode(reply.data, validate=True)
        except ValueError:
            raise VdxpRejectedError(
                "getEdoc", "BAD_DATA", f"the data of docId {doc_id} is not base64"
            ) from None
        self._check_size(doc_id, len(content))
        write(content)
        return len(content)

    def _check_size(self, doc_id: str, size: int) -> None:
        if size > self.config.max_download_bytes:
            raise VdxpRejectedError(
                "getEdoc", "TOO_LARGE", f"document {doc_id} exceeds {self.config.max_download_bytes} bytes"
            )

    async def _send(
        self, operation: str, params: Sequence[tuple[str, str]], body: bytes | Path, content_type: str
    ) -> httpx.Response:
        content: bytes | AsyncIterator[bytes]
        if isinstance(body, Path):
            digest, size = await asyncio.to_thread(_digest_file, body)
            headers = self._headers(params, content_type, None, digest)
            headers["Content-Length"] = str(size + len(FILE_END))
            content = _file_chunks(body)
        elif operation == "sendEdoc":
            headers = self._headers(params, content_type, body)
            content = body + FILE_END
        else:
            headers = self._headers(params, content_type, None)
            content = body
        try:
            response = await self._http.post(f"/{operation}", headers=headers, content=content)
        except httpx.TransportError as exc:
            raise _transport_error(operation, exc) from exc
        _raise_for_http(operation, response.status_code, response.content)
        return response

    def _headers(
        self,
        params: Sequence[tuple[str, str]],
        content_type: str,
        body: bytes | None,
        digest: bytes | None = None,
    ) -> dict[str, str]:
        return sign_request(
            self.config.systemid,
            self.config.secret.get_secret_value(),
            params,
            content_type=content_type,
            body=body,
            body_digest=digest,
            now=self._now(),
        )

    async def _retrying(self, operation: str, attempt: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
        async def guarded() -> T:
            try:
                self.breaker.acquire()
            except CircuitOpenError as exc:
                raise VdxpCircuitOpenError(operation, exc.retry_after) from exc
            try:
                result = await attempt()
            except VdxpCircuitOpenError:
                raise
            except VdxpTransientError as exc:
                self.breaker.record_failure(str(exc))
                raise
            except VdxpRejectedError:
                self.breaker.record_success()  # the axis answered: it is up
                raise
            except BaseException:
                self.breaker.release()
                raise
            self.breaker.record_success()
            return result

        def retryable(exc: BaseException) -> bool:
            if isinstance(exc, VdxpCircuitOpenError) or not isinstance(exc, VdxpTransientError):
                return False
            if not idempotent and exc.may_have_reached_server:
                return False
            log.warning("vdxp.retry", operation=operation, error=str(exc))
            return True

        return await retry_async(guarded, self.config.retry_policy(), retry_on=retryable, sleep=self._sleep)


def _digest_file(path: Path) -> tuple[bytes, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.digest(), size


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    """The file, then the CRLF the SDK sends after it (the signed hash-file is of the file alone)."""
    fh = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(fh.read, _CHUNK):
            yield chunk
    finally:
        fh.close()
    yield FILE_END


def _writer(sink: IO[bytes]) -> Callable[[bytes], Any]:
    return sink.write


def _transport_error(operation: str, exc: httpx.TransportError) -> VdxpTransientError:
    not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    kind = type(exc).__name__
    return VdxpTransientError(
        operation, f"{kind}: {exc or 'no detail'}", may_have_reached_server=not not_sent
    )


def _raise_for_http(operation: str, status: int, content: bytes) -> None:
    if status < 400:
        return
    if status >= 500 or status == 429:
        snippet = content[:200].decode("utf-8", "replace")
        raise VdxpTransientError(
            operation,
            f"HTTP {status}: {snippet}",
            http_status=status,
            may_have_reached_server=status not in _NOT_PROCESSED,
        )
    try:
        reply = VdxpReply.model_validate_json(content)
    except ValidationError:
        raise VdxpRejectedError(
            operation, f"HTTP_{status}", content[:200].decode("utf-8", "replace"), http_status=status
        ) from None
    raise VdxpRejectedError(
        operation, reply.error_code or f"HTTP_{status}", reply.error_desc or "", http_status=status
    )


def _parse_reply(operation: str, response: httpx.Response, model: type[R]) -> R:
    try:
        raw: Any = response.json()
        if isinstance(raw, dict) and str(raw.get("status", "")).upper() == "FAIL":
            fail = VdxpReply.model_validate(raw)
            raise VdxpRejectedError(
                operation, fail.error_code or "FAIL", fail.error_desc or "", http_status=response.status_code
            )
        reply = model.model_validate(raw)
    except VdxpError:
        raise
    except (ValueError, ValidationError) as exc:
        raise VdxpTransientError(
            operation,
            f"unreadable reply: {str(exc).splitlines()[0]}",
            http_status=response.status_code,
            may_have_reached_server=True,
        ) from None
    if not reply.ok:
        raise VdxpRejectedError(operation, reply.error_code or reply.status, reply.error_desc or "")
    return reply
