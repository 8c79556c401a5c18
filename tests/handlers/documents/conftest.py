"""A hub with the documents module on a private nats-server, the demo organisation chart, an API client."""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from handlers.documents import DocumentsModule
from handlers.documents.settings import DocumentsSettings
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.module import Module
from hub.runtime import Delivery, Hub, wait_for
from hub.settings import Settings
from lienthong.seed import seed_demo
from lienthong.web import create_app
from schemas.axis import AttachmentRef, DocumentReceived, SignatureCheck
from schemas.edxml import (
    BuildOptions,
    Code,
    EdocMessage,
    MessageHeader,
    Organization,
    StatusCode,
    StatusMessage,
    StatusResponseFor,
    build_status,
)
from schemas.edxml.build import build_edoc
from schemas.envelope import Envelope
from tests.support.fn_module import FnModule
from tests.support.otp_codes import one_time_code

PASSWORD = "mật-khẩu-thử"
SENDER = "000.00.00.G22"
SENDER_NAME = "Văn phòng Chính phủ"
US = "000.00.00.H26"


def dump_tasks() -> None:
    """Print where every asyncio task waits (the whole await chain), to diagnose a hang."""
    for task in asyncio.all_tasks():
        coro: Any = task.get_coro()
        chain = []
        while coro is not None:
            frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
            if frame is not None:
                chain.append(f"{frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
            coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        print("TASK", task.get_name(), " <- ".join(chain), file=sys.stderr)


@dataclass
class Bus:
    """What a watcher saw on the bus, by type."""

    seen: dict[str, list[tuple[Envelope, Any]]] = field(default_factory=lambda: defaultdict(list))
    commands: bool = True

    def module(self) -> Module:
        def setup(hub: Hub) -> None:
            @hub.consumer("test-doc-watch-evt", "lt.*.evt.>")
            async def evt(d: Delivery) -> None:
                self.seen[d.envelope.type].append((d.envelope, d.payload))

            if not self.commands:
                return  # a work-queue command has one consumer: the axis adapter takes axis.send

            @hub.consumer("test-doc-watch-cmd", "lt.axis.cmd.send")
            async def cmd(d: Delivery) -> None:
                self.seen[d.envelope.type].append((d.envelope, d.payload))

        return FnModule("doc-watch", setup)

    async def wait(self, type: str, count: int = 1, timeout: float = 60.0) -> list[tuple[Envelope, Any]]:
        async def enough() -> bool:
            return len(self.seen[type]) >= count

        if not await wait_for(enough, timeout=timeout):
            dump_tasks()
            raise AssertionError(f"{type}: saw {len(self.seen[type])}, expected {count}")
        return self.seen[type]

    async def statuses_of(self, hub: Hub, cmd: Any) -> str:
        """The status code of one axis.send status command."""
        return str(cmd.status.status_code.value)

    async def statuses(self, hub: Hub) -> list[str]:
        """Status codes of the axis.send status commands seen, in order."""
        return [
            str(cmd.status.status_code.value)
            for _, cmd in self.seen["axis.send"]
            if cmd.message_type == "status"
        ]


@dataclass
class Office:
    """A running hub with the documents module, its API and what went over the bus."""

    hub: Hub
    module: DocumentsModule
    client: httpx.AsyncClient
    bus: Bus
    tokens: dict[str, str] = field(default_factory=dict)
    codes: dict[str, tuple[str, int]] = field(default_factory=dict)

    async def as_(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            r = await self.client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    async def post(self, username: str, path: str, **kw: Any) -> httpx.Response:
        return await self.client.post(path, headers=await self.as_(username), **kw)

    async def get(self, username: str, path: str, **kw: Any) -> httpx.Response:
        return await self.client.get(path, headers=await self.as_(username), **kw)

    async def call(self, method: str, username: str, path: str, **kw: Any) -> httpx.Response:
        return await self.client.request(method, path, headers=await self.as_(username), **kw)

    async def code(self, username: str) -> str:
        """A fresh one-time code of the person (enrolled and activated on first use)."""
        return await one_time_code(self.hub, username, self.codes)


StartOffice = Callable[..., Awaitable[Office]]


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A private nats-server for one test."""
    server = NatsServer(store_dir=tmp_path / "nats", name="lt-documents").start()
    yield server
    server.stop()


@pytest.fixture
async def start_office(
    nats: NatsServer,
    tmp_path: Path,
) -> AsyncIterator[StartOffice]:
    """Start hubs with the documents module (migrated and seeded) on the test's nats-server."""
    started: list[tuple[Hub, httpx.AsyncClient]] = []

    async def start(
        db_url: str | None = None,
        modules: list[Module] | None = None,
        *,
        nats_url: str | None = None,
        agency_code: str = US,
        agency_name: str = "Sở Kế hoạch và Đầu tư thành phố Hà Nội",
        name: str = "documents",
        watch_commands: bool = True,
        **settings: Any,
    ) -> Office:
        url = db_url or f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}"
        await aupgrade(url, ["handlers.documents", "adapters.signing"])
        hub_settings = Settings(
            data_dir=tmp_path / f"data-{name}",
            db_url=url,
            agency_code=agency_code,
            agency_name=agency_name,
            retry_base_seconds=0.2,
            retry_max_seconds=2.0,
            ack_wait_seconds=30.0,
            max_deliver=4,
        )
        settings.setdefault("signing_enabled", False)
        module = DocumentsModule(DocumentsSettings(**settings))
        bus = Bus(commands=watch_commands)
        hub = Hub(hub_settings, modules=[module, bus.module(), *(modules or [])])
        await seed_demo(hub.db, PASSWORD)
        await hub.start([nats_url or nats.url])
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(hub)), base_url="http://test", timeout=120
        )
        started.append((hub, client))
        return Office(hub, module, client, bus)

    yield start
    for hub, client in reversed(started):
        await client.aclose()
        if hub.nc is not None and not hub.nc.is_closed:  # a test may have stopped it (a restart)
            await hub.stop()


def pdf_bytes(text: str = "Quyết định phê duyệt kế hoạch đầu tư công") -> bytes:
    """A small one-page PDF with Vietnamese text (fpdf2, DejaVu)."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("DejaVu", "", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.add_page()
    pdf.set_font("DejaVu", "", 12)
    pdf.set_xy(60, 100)
    pdf.multi_cell(475, 16, text)
    return bytes(pdf.output())


async def received_event(
    hub: Hub,
    *,
    number: str = "125",
    subject: str = "V/v góp ý dự thảo Quyết định phê duyệt kế hoạch đầu tư công",
    business_type: int = 0,
    response_for: str | None = None,
    edxml: bytes | None = None,
    priority: int = 0,
    issued: date = date(2026, 11, 20),
    sender: str = SENDER,
    due_date: date | None = None,
) -> DocumentReceived:
    """A `document.received` payload as the VDXP adapter publishes it (edXML and a PDF in the store)."""
    code = f"{number}/VPCP-KTTH"
    document_id = f"{sender},{issued.strftime('%Y/%m/%d')},{code}"
    if edxml is None:
        header = MessageHeader(
            from_=Organization(organ_id=sender, organ_name=SENDER_NAME),
            to=[Organization(organ_id=US)],
            document_id=document_id,
            code=Code(code_number=number, code_notation="VPCP-KTTH"),
            subject=subject,
        )
        edxml = build_edoc(EdocMessage(message_header=header), BuildOptions())
    edxml_claim = await hub.claims.put(edxml, media_type="application/xml")
    pdf = pdf_bytes(f"{subject}. Nội dung chi tiết về vốn đầu tư.")
    pdf_claim = await hub.claims.put(pdf, media_type="application/pdf")
    return DocumentReceived(
        axis="vdxp",
        axis_doc_id=f"axis-{number}-{business_type}",
        document_id=document_id,
        from_code=sender,
        from_name=SENDER_NAME,
        to_codes=[US],
        subject=subject,
        code=code,
        promulgation_date=issued,
        document_type="Công văn",
        priority=priority,
        business_type=business_type,
        response_for_document_id=response_for,
        due_date=due_date,
        edxml=edxml_claim,
        attachments=[
            AttachmentRef(
                content_id="1",
                name=f"{number}.pdf",
                content_type="application/pdf",
                size=pdf_claim.size,
                sha256=pdf_claim.sha256,
                claim=pdf_claim,
            )
        ],
        signature=SignatureCheck(verified=False, detail="not checked"),
        received_at=datetime.now(UTC),
    )


def take_back_status(document_id: str, code: str) -> bytes:
    """A status 13 (take-back request) from the sender about a document it sent us."""
    message = StatusMessage.model_validate(
        {
            "from_": Organization(organ_id=SENDER, organ_name=SENDER_NAME),
            "response_for": StatusResponseFor(organ_id=SENDER, code=code, document_id=document_id),
            "status_code": StatusCode.TAKE_BACK_REQUESTED,
            "description": "Gửi nhầm, đề nghị trả lại",
            "timestamp": datetime.now(UTC),
        }
    )
    return build_status(message)


async def settle(seconds: float = 0.5) -> None:
    await asyncio.sleep(seconds)
