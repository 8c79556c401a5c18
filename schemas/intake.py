"""One-stop desk messages: dossier events from the one-stop system and the intake module's facts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from schemas.envelope import ClaimCheck
from schemas.registry import message_type

DossierAction = Literal[
    "received",
    "supplement_requested",
    "refused",
    "accepted",
    "transferred",
    "result_ready",
    "result_returned",
]
DossierStatus = Literal[
    "received", "supplement_requested", "refused", "accepted", "transferred", "result_ready", "returned"
]
Channel = Literal["counter", "online", "post"]


class Applicant(BaseModel):
    """The citizen or business filing the dossier."""

    name: str = Field(min_length=1, max_length=200)
    id_number: str | None = Field(default=None, max_length=40, description="CCCD or tax code")
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)


class DossierFile(BaseModel):
    """One document of a dossier, in the Object Store behind a claim check."""

    name: str = Field(min_length=1, max_length=300)
    claim: ClaimCheck | None = None
    content_type: str | None = None


@message_type("onestop.dossier_event", "lt.onestop.evt.dossier_event")
class OnestopDossierEvent(BaseModel):
    """Something happened to a dossier in the one-stop system (its webhook, as received by the adapter)."""

    action: DossierAction
    external_id: str = Field(min_length=1, max_length=80, description="Dossier id in the one-stop system")
    code: str | None = Field(default=None, description="Dossier code once the hub has assigned it")
    procedure_code: str | None = None
    applicant: Applicant | None = None
    channel: Channel = "online"
    documents: list[DossierFile] = Field(default_factory=list)
    unit_id: str | None = Field(default=None, description="Handling unit (transferred)")
    note: str = Field(default="", max_length=2000)
    occurred_at: datetime | None = None


class DossierFacts(BaseModel):
    """What every intake event says about the dossier."""

    code: str
    external_id: str | None = None
    procedure_code: str
    procedure_name: str
    status: DossierStatus
    received_on: date
    due_date: date | None = None
    unit_id: str | None = None
    note: str = ""


@message_type("intake.dossier_received", "lt.intake.evt.dossier_received")
class DossierReceived(DossierFacts):
    """A dossier was received at the desk and given its code."""


@message_type("intake.supplement_requested", "lt.intake.evt.supplement_requested")
class SupplementRequested(DossierFacts):
    """The applicant was asked to complete the dossier (Mẫu 02)."""


@message_type("intake.dossier_refused", "lt.intake.evt.dossier_refused")
class DossierRefused(DossierFacts):
    """The dossier was refused (Mẫu 03)."""


@message_type("intake.dossier_accepted", "lt.intake.evt.dossier_accepted")
class DossierAccepted(DossierFacts):
    """The dossier was accepted; the appointment date is set (Mẫu 01)."""


@message_type("intake.dossier_transferred", "lt.intake.evt.dossier_transferred")
class DossierTransferred(DossierFacts):
    """The dossier went to the handling unit."""


@message_type("intake.result_ready", "lt.intake.evt.result_ready")
class ResultReady(DossierFacts):
    """The handling unit produced the result."""

    on_time: bool


@message_type("intake.result_returned", "lt.intake.evt.result_returned")
class ResultReturned(DossierFacts):
    """The result was handed back to the applicant."""

    on_time: bool


@message_type("intake.dossier_at_risk", "lt.intake.evt.dossier_at_risk")
class DossierAtRisk(DossierFacts):
    """Due within one working day without a result: the unit must issue Mẫu 04 now if it will be late."""


@message_type("intake.dossier_overdue", "lt.intake.evt.dossier_overdue")
class DossierOverdue(DossierFacts):
    """The appointment date passed without a result."""


@message_type("intake.apology_issued", "lt.intake.evt.apology_issued")
class ApologyIssued(DossierFacts):
    """The late unit issued the apology and new appointment (Mẫu 04); at most once per dossier."""

    old_due_date: date
    new_due_date: date
    reason: str
    form: ClaimCheck


@message_type("intake.citizen_notification_requested", "lt.intake.evt.citizen_notification_requested")
class CitizenNotificationRequested(BaseModel):
    """Tell the applicant (not a staff user) by SMS or e-mail; dedup_key makes it once per fact."""

    code: str
    name: str
    phone: str | None = None
    email: str | None = None
    title: str
    body: str
    dedup_key: str
    attachment: ClaimCheck | None = None


EVENT_OF_STATUS: dict[str, str] = {
    "received": "intake.dossier_received",
    "supplement_requested": "intake.supplement_requested",
    "refused": "intake.dossier_refused",
    "accepted": "intake.dossier_accepted",
    "transferred": "intake.dossier_transferred",
    "result_ready": "intake.result_ready",
    "returned": "intake.result_returned",
}
