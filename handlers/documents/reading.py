"""Reading documents: one document with its history, versions, approvals and deliveries, its files,
and the registers of a year; reading a confidential document (and a refused read) is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, TypeVar

from sqlalchemy import Select, select

from handlers.documents.access import is_confidential, load_visible, visible_clause
from handlers.documents.exports import (
    INCOMING_COLUMNS,
    OUTGOING_COLUMNS,
    XLSX,
    Download,
    Register,
    incoming_row,
    outgoing_row,
    print_mark,
    register_pdf,
    register_xlsx,
)
from handlers.documents.models import (
    INCOMING,
    OUTGOING,
    DocApproval,
    DocDelivery,
    DocHistory,
    DocRegister,
    Document,
    DocVersion,
)
from handlers.documents.rules import fold
from handlers.documents.store import read_claim
from handlers.documents.trail import audit
from hub.errors import NotFound
from hub.offload import in_worker
from hub.orgchart import User
from schemas.envelope import ClaimCheck

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from handlers.documents.context import Context
    from hub.auth import Principal
    from hub.runtime import Hub

R = TypeVar("R")


@dataclass(frozen=True)
class DocumentDetail:
    """A document with the rows of its life, in order."""

    doc: Document
    history: list[DocHistory]
    versions: list[DocVersion]
    approvals: list[DocApproval]
    deliveries: list[DocDelivery]


async def _visible_or_audited(hub: Hub, actor: Principal, document_id: str) -> None:
    """Refuse (404) a document the person may not see, and keep the refused read in the audit."""
    try:
        async with hub.db.session() as s:
            await load_visible(s, actor, document_id)
    except NotFound:
        async with hub.db.session() as s:
            audit(s, actor, "document.read_refused", f"document:{document_id}")
        raise


async def read_document(hub: Hub, actor: Principal, document_id: str) -> DocumentDetail:
    """The document with its history, versions, approvals and deliveries; confidential reads audited."""
    await _visible_or_audited(hub, actor, document_id)
    async with hub.db.session() as s:
        doc = await load_visible(s, actor, document_id)
        if is_confidential(doc):
            audit(s, actor, "document.read", f"document:{doc.id}", confidentiality=doc.confidentiality)
        return DocumentDetail(
            doc=doc,
            history=await _rows(
                s, select(DocHistory).where(DocHistory.document_id == doc.id).order_by(DocHistory.id)
            ),
            versions=await _rows(
                s, select(DocVersion).where(DocVersion.document_id == doc.id).order_by(DocVersion.version)
            ),
            approvals=await _rows(
                s, select(DocApproval).where(DocApproval.document_id == doc.id).order_by(DocApproval.id)
            ),
            deliveries=await _rows(
                s, select(DocDelivery).where(DocDelivery.document_id == doc.id).order_by(DocDelivery.to_code)
            ),
        )


async def _rows(session: AsyncSession, stmt: Select[R]) -> list[R]:
    return list((await session.execute(stmt)).scalars())


async def document_file(hub: Hub, actor: Principal, document_id: str, index: int) -> Download:
    """Attachment `index` (from 0) of an incoming document or version `index` of an outgoing one."""
    async with hub.db.session() as s:
        doc = await load_visible(s, actor, document_id)
        if doc.direction == INCOMING:
            if not 0 <= index < len(doc.attachments):
                raise NotFound("Không có tệp này")
            meta = doc.attachments[index]
            claim, name = ClaimCheck.model_validate(meta["claim"]), str(meta.get("name") or "tep")
        else:
            version = await s.get(DocVersion, (doc.id, index))
            if version is None:
                raise NotFound("Không có phiên bản này")
            claim, name = ClaimCheck.model_validate(version.claim), version.name
        if is_confidential(doc):
            audit(s, actor, "document.file_read", f"document:{doc.id}", file=name)
    return Download(await read_claim(hub, claim), claim.media_type, name)


async def attachment_file(hub: Hub, actor: Principal, document_id: str, index: int) -> Download:
    """Attached file `index` (from 0) of a document: an incoming one's files, an outgoing one's appendices."""
    async with hub.db.session() as s:
        doc = await load_visible(s, actor, document_id)
        if not 0 <= index < len(doc.attachments):
            raise NotFound("Không có tệp đính kèm này")
        meta = doc.attachments[index]
        claim, name = ClaimCheck.model_validate(meta["claim"]), str(meta.get("name") or "tep")
        if is_confidential(doc):
            audit(s, actor, "document.file_read", f"document:{doc.id}", file=name)
    return Download(await read_claim(hub, claim), claim.media_type, name)


async def register_file(
    session: AsyncSession,
    ctx: Context,
    actor: Principal,
    kind: Literal["incoming", "outgoing"],
    year: int,
    fmt: Literal["xlsx", "pdf"],
    register_code: str | None = None,
) -> Download:
    """A register of a year (Decree 30 App. IV columns) as XLSX or PDF: the default incoming or outgoing
    one, or the register named (of that direction).

    Only the rows the person may see: a confidential document is left out for anyone not named on it.
    """
    incoming = kind == "incoming"
    code = register_code or (ctx.settings.incoming_register if incoming else ctx.settings.outgoing_register)
    book = await session.get(DocRegister, code)
    if register_code and (book is None or book.direction != (INCOMING if incoming else OUTGOING)):
        raise NotFound(f"Không có sổ {code} của {'văn bản đến' if incoming else 'văn bản đi'}")
    name = book.name if book else ("Sổ văn bản đến" if incoming else "Sổ văn bản đi")
    # Decree 30 App. IV: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"; a register of its own: "SỔ ĐĂNG KÝ QUYẾT ĐỊNH"
    title = "SỔ ĐĂNG KÝ " + re.sub(r"^sổ\s+(đăng ký\s+)?", "", name.strip(), flags=re.IGNORECASE).upper()
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "so-van-ban"
    docs = list(
        (
            await session.execute(
                select(Document)
                .where(
                    Document.direction == (INCOMING if incoming else OUTGOING),
                    Document.register_code == code,
                    Document.year == year,
                    Document.number.is_not(None),
                    visible_clause(actor),
                )
                .order_by(Document.number)
            )
        ).scalars()
    )
    printed = print_mark(actor.full_name, datetime.now(UTC))
    if incoming:
        register = Register(
            f"{title} NĂM {year}", INCOMING_COLUMNS, [incoming_row(d) for d in docs], printed=printed
        )
    else:
        signers = {u.id: u.full_name for u in (await session.execute(select(User))).scalars()}
        register = Register(
            f"{title} NĂM {year}",
            OUTGOING_COLUMNS,
            [outgoing_row(d, signers.get(d.signed_by or "", "")) for d in docs],
            printed=printed,
        )
    # A year's register is thousands of rows (seconds to minutes of fpdf layout): rendered in the render
    # worker process, so the other requests of this process are not held behind it.
    if fmt == "xlsx":
        return Download(await in_worker(register_xlsx, register), XLSX, f"{slug}-{year}.xlsx")
    pdf = await in_worker(register_pdf, register)
    return Download(pdf, "application/pdf", f"{slug}-{year}.pdf")
