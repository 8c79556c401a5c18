"""Confidential documents (văn bản mật: Mật, Tối mật, Tuyệt mật) outside the reading rules of
`access.py`: they never travel over the axes, a secret mark on a document arriving from an axis is
kept, and what is told about one on the bus and in notices does not carry its subject.

The Law on Protection of State Secrets 2018 (Art. 5, prohibited acts: passing state secrets over
telecommunication networks other than by the cipher law's means) and Decree 30/2020 (electronic
documents go over the axes, except those bearing state secrets, which follow the state-secrets
law): an edXML (QCVN 102:2016) has no secret level, as a secret document must not be sent that
way. A sender that still marks one does so with the stamp on its subject ("MẬT", "TỐI MẬT",
"TUYỆT MẬT") or with an element of its own (`Secret`, `SecretLevel`, `SecurityLevel`,
`Confidentiality`, `DoMat`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import structlog

from handlers.documents.rules import CONFIDENTIAL, fold
from hub.errors import Invalid
from schemas.edxml.errors import EdxmlError
from schemas.edxml.xmlsafe import parse_xml

if TYPE_CHECKING:
    from handlers.documents.models import Document

log = structlog.get_logger(__name__)

ORDINARY = "Thường"
AXIS_REFUSED = (
    "Văn bản mật không được gửi qua trục liên thông (Luật Bảo vệ bí mật nhà nước 2018): "
    "bỏ nơi nhận ngoài cơ quan ({names}) và chuyển văn bản bằng đường bưu chính cơ yếu hoặc trực tiếp"
)

# A stamp at the start of a subject, in capitals as it is stamped: "MẬT", "(TỐI MẬT)", "[TUYỆT MẬT] ...".
_STAMP = re.compile(r"^\W*(TUYỆT MẬT|TỐI MẬT|MẬT)(?!\w)")
_STAMP_LEVELS = {"MẬT": "Mật", "TỐI MẬT": "Tối mật", "TUYỆT MẬT": "Tuyệt mật"}
_SECRET_ELEMENTS = {"secret", "secretlevel", "securitylevel", "confidentiality", "domat"}
_LEVEL_WORDS = {fold(level): level for level in CONFIDENTIAL}
_LEVEL_CODES = {"1": "Mật", "2": "Tối mật", "3": "Tuyệt mật"}


def is_secret(confidentiality: str) -> bool:
    """Whether the level is one of the state-secret levels."""
    return confidentiality in CONFIDENTIAL


def higher(a: str, b: str) -> str:
    """The stricter of two confidentiality levels."""
    rank = {ORDINARY: 0, **{level: i + 1 for i, level in enumerate(CONFIDENTIAL)}}
    return a if rank.get(a, 0) >= rank.get(b, 0) else b


def refuse_axis(confidentiality: str, recipients: list[dict[str, Any]]) -> None:
    """Refuse (422) a confidential document addressed to any agency outside (an axis recipient)."""
    external = [r for r in recipients if r.get("code")]
    if is_secret(confidentiality) and external:
        names = ", ".join(str(r.get("name") or r["code"]) for r in external)
        raise Invalid(AXIS_REFUSED.format(names=names), field="recipients")


def stamp_level(subject: str | None) -> str:
    """The secret level stamped at the start of a subject, else "Thường"."""
    found = _STAMP.match(subject or "")
    return _STAMP_LEVELS[found.group(1)] if found else ORDINARY


def _element_level(value: str) -> str:
    text = value.strip()
    return _LEVEL_CODES.get(text) or _LEVEL_WORDS.get(fold(text), ORDINARY)


def edxml_level(data: bytes) -> str:
    """The strictest secret level an edXML marks (a non-standard element or the subject's stamp)."""
    try:
        root = parse_xml(data)
    except EdxmlError as exc:
        log.warning("documents.secret_mark_unreadable", error=str(exc))
        return ORDINARY
    level = ORDINARY
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = el.tag.rsplit("}", 1)[-1].lower()
        if name in _SECRET_ELEMENTS:
            level = higher(level, _element_level(el.text or ""))
        elif name == "subject":
            level = higher(level, stamp_level(el.text))
    return level


def told_subject(doc: Document) -> str:
    """The subject as told on the bus and in notices: a confidential one's is withheld."""
    if not is_secret(doc.confidentiality):
        return doc.subject
    number = f" số {doc.number}" if doc.number else ""
    return f"Văn bản {doc.confidentiality.lower()}{number} (trích yếu chỉ xem được trên hệ thống)"
