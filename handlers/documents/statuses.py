"""Status messages back to the agency that sent us a document (Decree 30 App. VI codes 02-16), queued
as typed `axis.send` commands: the axis adapters build, sign and route the edXML."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from schemas.axis import AxisSendRequested
from schemas.edxml import Organization, StaffInfo, StatusCode, StatusMessage, StatusResponseFor
from schemas.edxml.codes import VN_TZ

if TYPE_CHECKING:
    from handlers.documents.context import Agency
    from handlers.documents.models import Document
    from hub.auth import Principal
    from hub.runtime import Work


def status_message(
    agency: Agency,
    doc: Document,
    code: StatusCode,
    actor: Principal,
    reason: str | None,
    document_id: str,
) -> StatusMessage:
    """The status about one of the sender's documents, from this agency, by this person."""
    assert doc.from_code is not None
    description = f"{code.description}. Lý do: {reason}" if reason else code.description
    return StatusMessage.model_validate(
        {
            "from_": Organization(organ_id=agency.code, organ_name=agency.name),
            "response_for": StatusResponseFor(
                organ_id=doc.from_code,
                code=doc.code or document_id,
                document_id=document_id,
                promulgation_date=doc.issued_date,
            ),
            "staff_info": StaffInfo(staff=actor.full_name, department=actor.position or None),
            "status_code": code,
            "description": description,
            "timestamp": datetime.now(VN_TZ).replace(microsecond=0),
        }
    )


async def send_status(
    work: Work,
    agency: Agency,
    doc: Document,
    code: StatusCode,
    actor: Principal,
    reason: str | None = None,
) -> bool:
    """Queue a status message about an axis document back to its sender (`axis.send`, via the outbox).

    Returns False when the document did not come over an axis (nobody to tell).
    """
    document_id = doc.edoc_document_id
    if not (doc.axis and doc.from_code and document_id):
        return False
    message = status_message(agency, doc, code, actor, reason, document_id)
    await work.emit(
        "axis.send",
        AxisSendRequested(
            status=message,
            message_type="status",
            from_code=agency.code,
            to_codes=[doc.from_code],
            document_id=document_id,
        ),
        issue=document_id,
    )
    return True


async def ask_recipients_to_give_back(
    work: Work, agency: Agency, doc: Document, actor: Principal, reason: str, to_codes: list[str]
) -> None:
    """Status 13 about one of our issued documents to its axis recipients: give it back (revocation,
    Decree 30 Art. 18.4); each answers 15 (destroyed) or 16 (refused), kept on its delivery."""
    assert doc.edoc_document_id is not None
    message = StatusMessage.model_validate(
        {
            "from_": Organization(organ_id=agency.code, organ_name=agency.name),
            "response_for": StatusResponseFor(
                organ_id=agency.code,
                code=doc.code or doc.edoc_document_id,
                document_id=doc.edoc_document_id,
                promulgation_date=doc.issued_date,
            ),
            "staff_info": StaffInfo(staff=actor.full_name, department=actor.position or None),
            "status_code": StatusCode.TAKE_BACK_REQUESTED,
            "description": f"{StatusCode.TAKE_BACK_REQUESTED.description}. Lý do: {reason}",
            "timestamp": datetime.now(VN_TZ).replace(microsecond=0),
        }
    )
    await work.emit(
        "axis.send",
        AxisSendRequested(
            status=message,
            message_type="status",
            from_code=agency.code,
            to_codes=to_codes,
            document_id=doc.edoc_document_id,
        ),
        issue=doc.edoc_document_id,
    )
