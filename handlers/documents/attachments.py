"""Files sent with an outgoing document besides its text (phụ lục, biểu mẫu): added or removed by the
drafter while it is a draft, sent with it to every recipient when it is issued."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.documents.clock import now
from handlers.documents.models import OUTGOING
from handlers.documents.trail import history
from handlers.documents.versions import check_may_revise
from hub.errors import Invalid, NotFound

if TYPE_CHECKING:
    from handlers.documents.models import Document
    from hub.auth import Principal
    from hub.runtime import Work
    from schemas.envelope import ClaimCheck

# What an attachment may be, by its first bytes: the formats of the edXML whitelist (PDF, Word, Excel).
PDF = "application/pdf"
OOXML = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LEGACY = {"doc": "application/msword", "xls": "application/vnd.ms-excel"}


def media_type_of(data: bytes, filename: str) -> str:
    """The media type of an attachment (PDF, DOC/DOCX, XLS/XLSX, ZIP); anything else is refused (422)."""
    if not data:
        raise Invalid("Tệp đính kèm rỗng", field="file")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(b"%PDF"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return OOXML.get(extension, "application/zip")
    if data.startswith(b"\xd0\xcf\x11\xe0") and extension in LEGACY:
        return LEGACY[extension]
    raise Invalid(
        f"Tệp “{filename}” không được gửi kèm: chỉ nhận PDF, Word (doc, docx), Excel (xls, xlsx) hoặc ZIP",
        field="file",
    )


def _outgoing(doc: Document, actor: Principal) -> None:
    if doc.direction != OUTGOING:
        raise Invalid("Chỉ văn bản đi có tệp đính kèm do người soạn thêm", field="file")
    check_may_revise(doc, actor)


def add_attachment(
    work: Work, doc: Document, actor: Principal, claim: ClaimCheck, name: str
) -> dict[str, object]:
    """Attach a file to a draft (kept in the Object Store before this transaction)."""
    _outgoing(doc, actor)
    entry: dict[str, object] = {
        "name": name,
        "content_type": claim.media_type,
        "claim": claim.model_dump(mode="json"),
    }
    doc.attachments = [*doc.attachments, entry]
    doc.updated_at = now()
    history(work.session, doc, actor, "attached", f"Đính kèm tệp: {name}", name=name)
    return entry


def remove_attachment(work: Work, doc: Document, actor: Principal, index: int) -> None:
    """Take a file off a draft."""
    _outgoing(doc, actor)
    if not 0 <= index < len(doc.attachments):
        raise NotFound("Không có tệp đính kèm này")
    name = str(doc.attachments[index].get("name") or "")
    doc.attachments = [a for i, a in enumerate(doc.attachments) if i != index]
    doc.updated_at = now()
    history(work.session, doc, actor, "detached", f"Bỏ tệp đính kèm: {name}", name=name)
