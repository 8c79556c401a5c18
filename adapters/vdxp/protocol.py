"""Pydantic models of the national axis' JSON replies (field names as on the wire)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MessageType = Literal["edoc", "status"]
TransportStatus = Literal["done", "fail", "processing"]


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")


def _text(value: Any) -> Any:
    """Accept numeric ids and codes from the wire as strings."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class VdxpReply(_Wire):
    """The common part of every reply: status OK/FAIL with ErrorCode and ErrorDesc."""

    status: str
    error_code: str | None = Field(default=None, alias="ErrorCode")
    error_desc: str | None = Field(default=None, alias="ErrorDesc")

    _coerce = field_validator("error_code", mode="before")(_text)

    @property
    def ok(self) -> bool:
        return self.status.upper() == "OK"


class SendReply(VdxpReply):
    """Reply to /sendEdoc: the id the axis gave the sent item."""

    doc_id: str | None = Field(default=None, alias="DocId")

    _coerce_id = field_validator("doc_id", mode="before")(_text)


class EdocReply(VdxpReply):
    """Reply to /getEdoc: `data` is the base64 of the edXML file (domain.md §3.3)."""

    data: str | None = None


class ReceivedItem(_Wire):
    """One pending incoming item of /getReceivedEdocList."""

    doc_id: str = Field(alias="docId")
    service_type: str | None = Field(default=None, alias="serviceType")
    message_type: str | None = Field(default=None, alias="messageType")
    from_code: str | None = Field(default=None, alias="from")
    to_code: str | None = Field(default=None, alias="to")
    status: str | None = None
    status_desc: str | None = None
    created_time: str | None = None
    updated_time: str | None = None
    content_sha256: str | None = Field(default=None, alias="contentSha256")
    content_length: int | None = Field(default=None, alias="contentLength")
    version_sdk: str | None = Field(default=None, alias="versionSdk")

    _coerce = field_validator("doc_id", "status", mode="before")(_text)


class SentItem(_Wire):
    """Delivery state of one sent item for one recipient (/getSentEdocList)."""

    service_type: str | None = Field(default=None, alias="serviceType")
    message_type: str | None = Field(default=None, alias="messageType")
    sender_doc_id: str = Field(alias="senderDocId")
    receiver_doc_id: str | None = Field(default=None, alias="receiverDocId")
    from_code: str | None = Field(default=None, alias="fromCode")
    to_code: str | None = Field(default=None, alias="toCode")
    title: str | None = None
    notation: str | None = None
    sent_time: str | None = Field(default=None, alias="sentTime")
    received_time: str | None = Field(default=None, alias="receivedTime")
    send_status: str | None = Field(default=None, alias="sendStatus")
    send_status_desc: str | None = Field(default=None, alias="sendStatusDesc")
    receive_status: str | None = Field(default=None, alias="receiveStatus")
    receive_status_desc: str | None = Field(default=None, alias="receiveStatusDesc")

    _coerce = field_validator("sender_doc_id", "receiver_doc_id", mode="before")(_text)


class Agency(_Wire):
    """One entry of the agency directory (/getAgenciesList)."""

    id: str | None = None
    pid: str | None = None
    code: str
    name: str
    mail: str | None = None
    old_code: str | None = Field(default=None, alias="oldCode")
    code102: str | None = None

    _coerce = field_validator("id", "pid", mode="before")(_text)


class ReceivedListReply(VdxpReply):
    """Reply to /getReceivedEdocList."""

    data: list[ReceivedItem] = Field(default_factory=list)


class SentListReply(VdxpReply):
    """Reply to /getSentEdocList."""

    data: list[SentItem] = Field(default_factory=list)


class AgenciesReply(VdxpReply):
    """Reply to /getAgenciesList."""

    data: list[Agency] = Field(default_factory=list)
