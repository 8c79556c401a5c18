"""Pure rules: which channels a notice takes by urgency and preferences, quiet hours, message texts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from schemas.documents import DocumentAssigned
from schemas.notify import NotifyRequested, Urgency, urgency_of
from schemas.tasks import TaskEscalated

LOCAL_TZ = timezone(timedelta(hours=7), "ICT")
INAPP, SMS, ZALO, EMAIL, DIGEST = "inapp", "sms", "zalo", "email", "digest"
CHANNELS = (INAPP, SMS, ZALO, EMAIL, DIGEST)
OPTIONAL = (SMS, ZALO, EMAIL, DIGEST)  # in-app cannot be turned off

# Routing by urgency: Hỏa tốc and Thượng khẩn at once on SMS (and Zalo) besides in-app; Khẩn by
# e-mail at once; normal notices in-app with the daily e-mail digest.
BY_URGENCY: dict[str, tuple[str, ...]] = {
    "hoa_toc": (INAPP, SMS, ZALO),
    "thuong_khan": (INAPP, SMS, ZALO),
    "khan": (INAPP, ZALO, EMAIL),
    "thuong": (INAPP, DIGEST),
}
URGENCY_LABELS = {"thuong": "Thường", "khan": "Khẩn", "thuong_khan": "Thượng khẩn", "hoa_toc": "Hỏa tốc"}


@dataclass(frozen=True)
class Contact:
    """What the directory knows of a recipient."""

    user_id: str
    email: str | None = None
    phone: str | None = None
    zalo_id: str | None = None


@dataclass(frozen=True)
class Preferences:
    channels_off: frozenset[str] = frozenset()
    quiet_start: int | None = None
    quiet_end: int | None = None
    digest: bool = True


@dataclass(frozen=True)
class Planned:
    """One delivery to make."""

    channel: str
    address: str | None
    not_before: datetime


@dataclass
class Enabled:
    """Channels this installation has configured."""

    channels: set[str] = field(default_factory=lambda: {INAPP})


def normalize_phone(phone: str | None) -> str | None:
    """Vietnamese mobile numbers in international form without '+': 0912345678 -> 84912345678."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0") and len(digits) == 10:
        return "84" + digits[1:]
    if digits.startswith("84") and len(digits) == 11:
        return digits
    return None


def quiet_until(now: datetime, prefs: Preferences) -> datetime | None:
    """End of the recipient's quiet hours if `now` falls in them (local time), else None."""
    if prefs.quiet_start is None or prefs.quiet_end is None or prefs.quiet_start == prefs.quiet_end:
        return None
    local = now.astimezone(LOCAL_TZ)
    h = local.hour
    start, end = prefs.quiet_start, prefs.quiet_end
    inside = (start <= h < end) if start < end else (h >= start or h < end)
    if not inside:
        return None
    resume = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if resume <= local:
        resume += timedelta(days=1)
    return resume.astimezone(UTC)


def plan_channels(
    urgency: Urgency, contact: Contact, prefs: Preferences, enabled: set[str], now: datetime
) -> list[Planned]:
    """The deliveries a notice makes to one recipient: urgency decides, preferences and quiet hours trim.

    Hỏa tốc ignores preferences and quiet hours. In-app is always delivered at once (it is silent).
    """
    forced = urgency == "hoa_toc"
    quiet = None if forced else quiet_until(now, prefs)
    out: list[Planned] = []
    for channel in BY_URGENCY[urgency]:
        if channel not in enabled:
            continue
        if not forced and channel in prefs.channels_off:
            continue
        if channel == DIGEST and not prefs.digest and not forced:
            continue
        address = {
            INAPP: contact.user_id,
            SMS: normalize_phone(contact.phone),
            ZALO: contact.zalo_id,
            EMAIL: contact.email,
            DIGEST: contact.email,
        }[channel]
        if not address:
            continue
        later = quiet if (quiet and channel != INAPP) else None
        out.append(Planned(channel, address, later or now))
    if forced and SMS not in {p.channel for p in out} and EMAIL in enabled and contact.email:
        out.append(Planned(EMAIL, contact.email, now))  # Hỏa tốc without a phone: e-mail at once
    return out


def sms_text(title: str, link: str | None, portal_url: str) -> str:
    """SMS body: the title (Unicode) and where to read more, within 3 concatenated parts."""
    text = title if not link else f"{title}. Xem: {portal_url.rstrip('/')}{link}"
    return text[:201]


def from_assigned(assigned: DocumentAssigned, heads: dict[str, str | None]) -> NotifyRequested | None:
    """A notice to the heads of the lead and co-ordinating units of an assigned document."""
    units = [assigned.lead_unit_id, *assigned.coordinating_unit_ids]
    recipients = [h for h in dict.fromkeys(heads.get(u) for u in units) if h]
    if not recipients:
        return None
    due = f" Hạn xử lý: {_vn_date(assigned.deadline)}." if assigned.deadline else ""
    return NotifyRequested(
        recipients=recipients,
        title=f"Văn bản {assigned.priority}: {assigned.subject}"[:300],
        body=f"Văn bản được giao cho đơn vị chủ trì {assigned.lead_unit_id}.{due} "
        f"{assigned.instruction}".strip(),
        urgency=urgency_of(assigned.priority),
        link=f"/staff/van-ban/{assigned.document_id}",
        dedup_key=f"document.assigned:{assigned.document_id}",
        source_type="document.assigned",
        issue=assigned.document_id,
    )


def from_escalated(escalated: TaskEscalated) -> NotifyRequested | None:
    """A notice to the people an overdue task was escalated to (unit head, assigning leader)."""
    told = [u for u in escalated.escalate_to if u]
    if not told:
        return None
    return NotifyRequested(
        recipients=told,
        title=f"Nhiệm vụ quá hạn {escalated.days_overdue} ngày làm việc: {escalated.title}"[:300],
        body=f"Cán bộ xử lý: {escalated.officer_id or escalated.unit_id}. "
        f"Hạn xử lý: {_vn_date(escalated.deadline)}.",
        urgency="thuong_khan",
        link=f"/staff/cong-viec/{escalated.task_id}",
        dedup_key=f"task.escalated:{escalated.task_id}:{escalated.deadline.isoformat()}",
        source_type="task.escalated",
        issue=escalated.task_id,
    )


def units_of(assigned: DocumentAssigned) -> list[str]:
    """The units whose heads hear of an assignment: the lead unit, then the co-ordinating ones."""
    return [assigned.lead_unit_id, *assigned.coordinating_unit_ids]


def _vn_date(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value is not None else ""


def digest_text(rows: list[tuple[str, str, str | None, str]], portal_url: str) -> str:
    """Plain-text body of the daily digest: one line per notice (urgency, title, link)."""
    lines = [f"Anh/chị có {len(rows)} thông báo mới trong ngày:", ""]
    for i, (urgency, title, link, body) in enumerate(rows, 1):
        lines.append(f"{i}. [{URGENCY_LABELS.get(urgency, urgency)}] {title}")
        if body:
            lines.append(f"   {body}")
        if link:
            lines.append(f"   {portal_url.rstrip('/')}{link}")
    lines += ["", "Hệ thống Liên thông - Sở Kế hoạch và Đầu tư Hà Nội"]
    return "\n".join(lines)
