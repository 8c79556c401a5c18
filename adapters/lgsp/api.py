"""Our own LGSP SOAP endpoint, for agencies that push to us instead of going through the city axis.

`GET {path}?wsdl` serves the WSDL (address rewritten), `POST {path}` the SOAP operations of the push
backend (`push.py`). The portal mounts it as the module's public router, under `/public` and
without the staff login (partners authenticate with the lgsp:Credentials SOAP header of each
request), so the default address is `/public/lgsp`. The router is built around the backend the
module set up (its partner accounts and queues), at the path of `LIENTHONG_LGSP_INBOUND_PATH`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from adapters.lgsp.push import InboundBackend
from adapters.lgsp.soap_server import DEFAULT_MAX_REQUEST_BYTES, SoapEndpoint


def inbound_router(
    backend: InboundBackend,
    path: str = "/lgsp",
    *,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    public_url: str | None = None,
) -> APIRouter:
    """Return the router the hub mounts: WSDL at GET path?wsdl, SOAP at POST path."""
    endpoint = SoapEndpoint(backend, max_request_bytes=max_request_bytes, public_url=public_url)
    return endpoint.router(path)


def create_inbound_app(
    backend: InboundBackend,
    path: str = "/lgsp",
    *,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    public_url: str | None = None,
) -> FastAPI:
    """Build a standalone ASGI app around the push endpoint."""
    app = FastAPI(title="Lienthong LGSP inbound", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(
        inbound_router(backend, path, max_request_bytes=max_request_bytes, public_url=public_url)
    )
    return app
