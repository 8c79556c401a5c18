"""edXML <-> the axis-neutral bus payloads of schemas/axis.py, shared by both axis adapters.

Incoming: an edoc header becomes `document.received`, a status message `document.status_changed`,
and a received edoc gets its 01/02 status reply. Outgoing: the typed forms of `axis.send` (an edoc
with attachments, or a status) are built into edXML here, in the dispatcher, not in the modules.
"""

from __future__ import annotations

import io
from datetime import datetime

from hub.errors import PermanentError
from hub.runtime import Hub
from schemas.axis import (
    AttachmentRef,
    Axis,
    AxisSendRequested,
    DocumentReceived,
    DocumentStatusChanged,
    SignatureCheck,
)
from schemas.edxml.build import AttachmentSource, BuildOptions, build_status, write_edoc
from schemas.edxml.codes import VN_TZ, StatusCode
from schemas.edxml.models import EdocHeader, Organization, StaffInfo, StatusMessage, StatusResponseFor
from schemas.envelope import ClaimCheck

EDXML_MEDIA_TYPE = "application/xml"


async def edxml_of(hub: Hub, command: AxisSendRequested) -> ClaimCheck:
    """The edXML of a send command, built from its typed form and stored, or the one it carries."""
    if command.edxml is not None:
        return command.edxml
    if command.status is not None:
        return await hub.claims.put(build_status(command.status), media_type=EDXML_MEDIA_TYPE)
    if command.edoc is None:  # the payload's own validator makes this unreachable
        raise PermanentError("axis.send carries neither an edoc, a status nor an edXML")
    sources = [AttachmentSource(a.info, await hub.claims.get(a.claim)) for a in command.attachments]
    out = io.BytesIO()
    write_edoc(out, command.edoc, sources, BuildOptions(zip_attachments=True))
    return await hub.claims.put(out.getvalue(), media_type=EDXML_MEDIA_TYPE)


DESCRIPTION_LIMIT = 2000


def code_of(header: EdocHeader) -> str | None:
    """The document's `số/ký hiệu`, or None when the edoc carries no Code."""
    code = header.message_header.code
    return (code.joined or None) if code else None


def document_received(
    header: EdocHeader,
    axis: Axis,
    axis_doc_id: str,
    edxml: ClaimCheck,
    attachments: list[AttachmentRef],
    signature: SignatureCheck,
    received_at: datetime,
) -> DocumentReceived:
    """The `document.received` payload of a stored incoming edoc."""
    mh = header.message_header
    business = header.trace_header_list.bussiness
    return DocumentReceived(
        axis=axis,
        axis_doc_id=axis_doc_id,
        document_id=mh.document_id,
        from_code=mh.from_.organ_id,
        from_name=mh.from_.organ_name,
        to_codes=[o.organ_id for o in mh.to],
        subject=mh.subject,
        code=code_of(header),
        promulgation_date=mh.promulgation_info.promulgation_date if mh.promulgation_info else None,
        promulgation_place=mh.promulgation_info.place if mh.promulgation_info else None,
        document_type=mh.document_type.type_name if mh.document_type else None,
        priority=int(mh.other_info.priority),
        business_type=int(business.bussiness_doc_type) if business else 0,
        response_for_document_id=mh.response_for.document_id if mh.response_for else None,
        signer_name=mh.signer_info.full_name if mh.signer_info else None,
        due_date=mh.due_date,
        edxml=edxml,
        attachments=attachments,
        signature=signature,
        received_at=received_at,
    )


def status_changed(
    message: StatusMessage, axis: Axis, axis_doc_id: str, edxml: ClaimCheck
) -> DocumentStatusChanged:
    """The `document.status_changed` payload of an incoming status message."""
    staff = message.staff_info
    return DocumentStatusChanged(
        axis=axis,
        axis_doc_id=axis_doc_id,
        document_id=message.response_for.document_id,
        document_owner=message.response_for.organ_id,
        code=message.response_for.code,
        from_code=message.from_.organ_id,
        from_name=message.from_.organ_name,
        status_code=message.status_code.value,
        status_text=message.status_code.description,
        description=message.description,
        staff=staff.staff if staff else None,
        department=staff.department if staff else None,
        reported_at=message.timestamp,
        edxml=edxml,
    )


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(VN_TZ)).astimezone(VN_TZ).replace(microsecond=0)


def reply_status(
    header: EdocHeader,
    code: StatusCode,
    us: Organization,
    *,
    description: str | None = None,
    now: datetime | None = None,
    staff: StaffInfo | None = None,
) -> StatusMessage:
    """A status message from `us` about a received edoc (01 on arrival, 02 on refusal, ...)."""
    mh = header.message_header
    return StatusMessage.model_validate(
        {
            "from_": us,
            "response_for": StatusResponseFor(
                organ_id=mh.from_.organ_id,
                code=code_of(header) or mh.document_id,
                document_id=mh.document_id,
                promulgation_date=mh.promulgation_info.promulgation_date if mh.promulgation_info else None,
            ),
            "staff_info": staff,
            "status_code": code,
            "description": (description or code.description)[:DESCRIPTION_LIMIT],
            "timestamp": _now(now),
        }
    )


def rejection_for_unreadable(
    sender: str, document_id: str | None, description: str, us: Organization, now: datetime | None = None
) -> StatusMessage:
    """A 02 status for an edoc whose header could not be read (only the sender is known)."""
    reference = document_id or "không xác định"
    return StatusMessage.model_validate(
        {
            "from_": us,
            "response_for": StatusResponseFor(organ_id=sender, code=reference, document_id=reference),
            "status_code": StatusCode.REJECTED,
            "description": description[:DESCRIPTION_LIMIT],
            "timestamp": _now(now),
        }
    )
