"""Request bodies bounded before they are read, per class of route, as a pure ASGI middleware.

A declared `Content-Length` over the limit is answered 413 at once, without reading; a streamed body
is counted as the app reads it and refused past the limit (`BodyTooLarge`, an HTTP 413 the app's
handlers render). The classes: login and logout, small; webhooks, small; the public site, small
unless it is a multipart form (its files, up to the upload limit); multipart uploads, the upload limit;
everything else (JSON APIs, staff forms), 1 MB.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request

KB = 1024
MB = 1024 * KB
HTTP_413 = 413  # Content Too Large
LOGIN_BYTES = 16 * KB
PUBLIC_BYTES = 64 * KB
WEBHOOK_BYTES = 1 * MB
API_BYTES = 1 * MB
UPLOAD_BYTES = 50 * MB
AXIS_PUSH = "/public/lgsp"
LOGIN_PATHS = frozenset({"/login", "/logout", "/api/auth/login", "/api/auth/logout"})
MESSAGE = "Dữ liệu gửi lên quá lớn (tối đa {size}). Vui lòng gửi nội dung nhỏ hơn."

Scope = dict[str, Any]
Message = dict[str, Any]
Limits = Callable[[str, str], int]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def vn_size(limit: int) -> str:
    """A size in Vietnamese units ("1 MB", "64 KB")."""
    return f"{limit // MB} MB" if limit >= MB else f"{max(1, limit // KB)} KB"


class BodyTooLarge(HTTPException):
    """The request body is over the limit of its route (413, with a Vietnamese message)."""

    def __init__(self, limit: int) -> None:
        super().__init__(HTTP_413, MESSAGE.format(size=vn_size(limit)))
        self.limit = limit


def portal_limits(upload_bytes: int = UPLOAD_BYTES) -> Limits:
    """The portal's limit of a request from its path and content type."""

    def limit(path: str, content_type: str) -> int:
        multipart = content_type.startswith("multipart/")
        if path in LOGIN_PATHS:
            return LOGIN_BYTES
        if "/webhook" in path:
            return WEBHOOK_BYTES
        if path.startswith(AXIS_PUSH):  # partner agencies push whole edXML documents, attachments inside
            return upload_bytes
        if path == "/public" or path.startswith("/public/"):
            return upload_bytes if multipart else PUBLIC_BYTES
        return upload_bytes if multipart else API_BYTES

    return limit


def fixed_limit(size: int) -> Limits:
    """One limit for every route (an app serving only webhooks)."""
    return lambda path, content_type: size


class BodyLimit:
    """Refuse request bodies over the limit of their route, before reading them."""

    def __init__(self, app: Any, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(
        self, scope: Scope, receive: Callable[[], Any], send: Callable[[Message], Any]
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self.limits(scope.get("path", ""), headers.get("content-type", "").lower())
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit, headers.get("accept", ""))
            return
        received = 0
        started = over = False
        # a body is coming (declared or chunked) and has not all been read yet
        pending = (declared.isdigit() and int(declared) > 0) or "chunked" in headers.get(
            "transfer-encoding", ""
        )

        async def bounded_receive() -> Message:
            nonlocal received, over, pending
            message: Message = await receive()
            if message["type"] == "http.request":
                pending = pending and bool(message.get("more_body", False))
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if over or pending:  # answered before the body was read: never read the rest
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, bounded_receive, watched_send)
        except BodyTooLarge:  # the app let it through: answer it here unless it already answered
            if not started:
                await _refuse(send, limit, headers.get("accept", ""))


async def _refuse(send: Send, limit: int, accept: str) -> None:
    """Answer 413 and close the connection (the rest of the body is never read)."""
    text = MESSAGE.format(size=vn_size(limit))
    if "text/html" in accept:
        body = f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>Quá lớn</title><p>{text}</p>'
        kind = b"text/html; charset=utf-8"
        payload = body.encode()
    else:
        kind, payload = b"application/json", json.dumps({"detail": text}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": HTTP_413,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def read_bounded(request: Request, limit: int) -> bytes:
    """The whole body of a request, refused with `BodyTooLarge` once past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
