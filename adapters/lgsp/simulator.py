"""LGSP simulator: a real SOAP server speaking our WSDL, routing edXML between organisations.

Run it with `python -m adapters.lgsp.simulator --org 000.00.01.H26:secret:"Văn phòng"` or from code
with `run_simulator(...)` (what `lienthong sim lgsp` calls); without `--org` it knows the development
accounts (our agency and the demo city agencies of `settings.py`). `SimulatorServer` serves it on a
background thread: what `make run` embeds and what tests start on a free port.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from fastapi import APIRouter, FastAPI, Response

from adapters.axis.simulation import install as install_faults
from adapters.axis.simulation import simulator_parser
from adapters.lgsp.errors import LgspNotFoundError, LgspPermanentError
from adapters.lgsp.faults import Faults, FaultSpec, operation_of
from adapters.lgsp.protocol import (
    MAX_PENDING_IDS,
    Document,
    Organization,
    PendingQuery,
    SendReceipt,
    SendRequest,
    Trace,
    TraceUpdate,
)
from adapters.lgsp.settings import DEV_CITY_AGENCIES, DEV_PORT, DEV_TOKEN
from adapters.lgsp.soap_server import DEFAULT_MAX_REQUEST_BYTES, SOAP_CONTENT_TYPE, SoapEndpoint
from adapters.lgsp.store import MemoryStore, OrganizationAccount
from hub.listener import ThreadedServer
from schemas.edxml.peek import EdxmlPeekError, peek_edxml

SERVICE_PATH = "/lgsp"
ADMIN_PREFIX = "/_admin"
log = logging.getLogger(__name__)


class SimulatorBackend:
    """The axis: authenticate by token, route by edXML To/OrganId, keep pending lists and traces."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def authenticate(self, organ_id: str, token: str) -> bool:
        """Check the organisation's token."""
        return self.store.check_token(organ_id, token)

    async def send_document(self, caller: str, request: SendRequest) -> SendReceipt:
        """Route a message to its receivers (explicit, or read from the edXML)."""
        try:
            summary = peek_edxml(request.content)
        except EdxmlPeekError as exc:
            raise LgspPermanentError(
                f"Content is not a routable edXML message: {exc}", "INVALID_CONTENT"
            ) from None
        if summary.message_type != request.message_type.value:
            raise LgspPermanentError(
                f"MessageType is {request.message_type.value} "
                f"but the edXML is a {summary.message_type} message",
                "INVALID_CONTENT",
            )
        if summary.sender_id is not None and summary.sender_id != caller:
            raise LgspPermanentError(
                f"edXML From/OrganId {summary.sender_id} is not the authenticated organisation {caller}",
                "SENDER_MISMATCH",
            )
        receivers = tuple(request.receiver_ids) or summary.receiver_ids
        if not receivers:
            raise LgspPermanentError("no receiver: give ReceiverId or To/OrganId in the edXML", "NO_RECEIVER")
        unknown = [r for r in receivers if not self.store.knows(r)]
        if unknown:
            raise LgspPermanentError(
                f"unknown receiver organisation(s): {', '.join(unknown)}", "UNKNOWN_RECEIVER"
            )
        document = await self.store.add_document(
            caller, request.message_type, receivers, request.content, request.idempotency_key
        )
        return SendReceipt(document_id=document.document_id, receiver_ids=document.receiver_ids)

    async def get_pending_document_ids(self, caller: str, query: PendingQuery) -> list[str]:
        """List the caller's pending messages."""
        return self.store.pending(caller, query.message_type, query.max_count or MAX_PENDING_IDS)

    async def get_document(self, caller: str, document_id: str) -> Document:
        """Return a message the caller sent or receives."""
        document = self.store.document(document_id)
        if document is None or not self.store.is_party(caller, document_id):
            raise LgspNotFoundError(f"document {document_id} does not exist for organisation {caller}")
        return document

    async def confirm_received(self, caller: str, document_id: str) -> None:
        """Take a message off the caller's pending list (idempotent for its receivers)."""
        if not self.store.is_receiver(caller, document_id):
            raise LgspNotFoundError(f"document {document_id} is not addressed to organisation {caller}")
        await self.store.confirm(caller, document_id)

    async def update_traces(self, caller: str, traces: Sequence[TraceUpdate]) -> int:
        """Record the caller's status updates; all or nothing."""
        for update in traces:
            if not self.store.is_party(caller, update.document_id):
                raise LgspNotFoundError(
                    f"document {update.document_id} does not exist for organisation {caller}"
                )
        now = datetime.now(UTC)
        await self.store.add_traces(
            [
                Trace(
                    document_id=u.document_id,
                    organ_id=caller,
                    status_code=u.status_code,
                    description=u.description,
                    timestamp=u.timestamp or now,
                )
                for u in traces
            ]
        )
        return len(traces)

    async def get_traces(self, caller: str, document_id: str) -> list[Trace]:
        """Return the traces of a message the caller sent or receives."""
        if not self.store.is_party(caller, document_id):
            raise LgspNotFoundError(f"document {document_id} does not exist for organisation {caller}")
        return self.store.traces(document_id)

    async def get_organizations(self, caller: str, organ_id: str | None) -> list[Organization]:
        """Return the directory."""
        return self.store.organizations(organ_id)


def _admin_router(faults: Faults) -> APIRouter:
    """`/_admin/faults`: set (POST a FaultSpec), read (GET) or clear (DELETE) the injected fault."""
    router = APIRouter(prefix=ADMIN_PREFIX)

    @router.post("/faults")
    async def set_fault(spec: FaultSpec) -> dict[str, object]:
        faults.set(spec)
        return faults.describe()

    @router.get("/faults")
    async def get_faults() -> dict[str, object]:
        return faults.describe()

    @router.delete("/faults")
    async def clear_faults() -> dict[str, object]:
        faults.clear()
        return faults.describe()

    return router


def create_app(
    store: MemoryStore,
    *,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    public_url: str | None = None,
    faults: Faults | None = None,
) -> FastAPI:
    """Build the simulator's ASGI app: WSDL at GET /lgsp?wsdl, SOAP at POST /lgsp, faults at /_admin."""
    app = FastAPI(title="Lienthong LGSP simulator", docs_url=None, redoc_url=None, openapi_url=None)
    endpoint = SoapEndpoint(
        SimulatorBackend(store), max_request_bytes=max_request_bytes, public_url=public_url
    )
    app.include_router(endpoint.router(SERVICE_PATH))
    app.state.store = store
    app.state.faults = faults or Faults()
    app.include_router(_admin_router(app.state.faults))
    install_faults(
        app,
        app.state.faults,
        call_of=lambda request: operation_of(request.headers.get("soapaction")),
        struck=lambda request: request.method == "POST" and request.url.path == SERVICE_PATH,
        error=lambda status: Response(f"simulated fault: HTTP {status}\n", status),
        content_type=SOAP_CONTENT_TYPE,
    )
    return app


def development_accounts(
    organ_id: str = "000.00.00.H26", name: str = "Sở Kế hoạch và Đầu tư thành phố Hà Nội"
) -> list[OrganizationAccount]:
    """Our agency with the development token, and the demo city agencies."""
    return [OrganizationAccount(organ_id=organ_id, token=DEV_TOKEN, name=name), *DEV_CITY_AGENCIES]


class SimulatorServer:
    """The simulator on a real socket in a background thread (port 0: a free one); stop() and start()
    again keep the port."""

    def __init__(self, store: MemoryStore, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = store
        self.faults = Faults()
        self._server = ThreadedServer(create_app(store, faults=self.faults), "lgsp-sim", host, port, "on")

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        return self._server.url

    @property
    def address(self) -> str:
        """The SOAP address clients call."""
        return self.base_url + SERVICE_PATH

    def start(self) -> SimulatorServer:
        """Bind and serve; return once the server accepts connections."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving (the store keeps what it persisted)."""
        self._server.stop()


def run_simulator(
    host: str = "127.0.0.1",
    port: int = DEV_PORT,
    data_dir: Path | None = None,
    organizations: Iterable[OrganizationAccount] = (),
    *,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
) -> None:
    """Serve the simulator until interrupted (blocking); no organisations: the development accounts."""
    store = MemoryStore(list(organizations) or development_accounts(), data_dir)
    app = create_app(store, max_request_bytes=max_request_bytes)
    uvicorn.run(app, host=host, port=port, log_level="info")


def parse_account(spec: str) -> OrganizationAccount:
    """Parse `ORGAN_ID:TOKEN[:NAME]` from the command line."""
    parts = spec.split(":", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise argparse.ArgumentTypeError(f"--org {spec!r}: expected ORGAN_ID:TOKEN[:NAME]")
    name = parts[2] if len(parts) == 3 and parts[2] else parts[0]
    try:
        return OrganizationAccount(organ_id=parts[0], token=parts[1], name=name)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--org {spec!r}: {exc}") from None


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    parser = simulator_parser("python -m adapters.lgsp.simulator", __doc__, DEV_PORT)
    parser.add_argument("--data-dir", type=Path, default=None, help="persist the store in this folder")
    parser.add_argument(
        "--org",
        type=parse_account,
        action="append",
        default=[],
        help="ORGAN_ID:TOKEN[:NAME], repeatable (none: the development accounts)",
    )
    parser.add_argument("--max-request-bytes", type=int, default=DEFAULT_MAX_REQUEST_BYTES)
    args = parser.parse_args(argv)
    run_simulator(args.host, args.port, args.data_dir, args.org, max_request_bytes=args.max_request_bytes)


if __name__ == "__main__":
    main()
