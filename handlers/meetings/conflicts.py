"""Conflicts of a meeting with the schedule: a room booked twice, a leader in two places, people on leave."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "ICT")
WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def local(moment: datetime) -> datetime:
    """A timestamp in Vietnam time (naive values from SQLite are UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(VIETNAM)


def when(starts: datetime, ends: datetime) -> str:
    """'08:00–10:00 Thứ Hai 07/09/2026'."""
    s, e = local(starts), local(ends)
    return f"{s:%H:%M}–{e:%H:%M} {WEEKDAY_NAMES[s.weekday()]} {s:%d/%m/%Y}"


@dataclass
class Slot:
    """What the conflict check needs of a meeting."""

    id: str
    title: str
    chair_id: str
    participant_ids: list[str]
    room_id: str | None
    starts_at: datetime
    ends_at: datetime

    @property
    def people(self) -> list[str]:
        return list(dict.fromkeys([self.chair_id, *self.participant_ids]))

    def overlaps(self, other: Slot) -> bool:
        return local(self.starts_at) < local(other.ends_at) and local(other.starts_at) < local(self.ends_at)


@dataclass
class LeaveInfo:
    kind: str
    start: date
    end: date
    half: str | None = None


@dataclass
class Verdict:
    """Reasons to refuse, and flags that do not block."""

    refusals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


LEAVE_WORDS = {"annual": "nghỉ phép", "sick": "nghỉ ốm", "business_trip": "đi công tác"}


def check(
    slot: Slot,
    others: Iterable[Slot],
    names: Mapping[str, str],
    leaders: set[str],
    rooms: Mapping[str, str],
    leaves: Mapping[str, list[LeaveInfo]],
) -> Verdict:
    """Refuse a double-booked room or a leader in two places; flag others double-booked or on leave."""
    verdict = Verdict()
    for other in others:
        if other.id == slot.id or not slot.overlaps(other):
            continue
        if slot.room_id and slot.room_id == other.room_id:
            verdict.refusals.append(
                f"Phòng {rooms.get(slot.room_id, slot.room_id)} đã được đăng ký cho «{other.title}» "
                f"({when(other.starts_at, other.ends_at)})"
            )
        for person in set(slot.people) & set(other.people):
            name = names.get(person, person)
            if person in leaders:
                verdict.refusals.append(
                    f"Lãnh đạo {name} đã có lịch «{other.title}» ({when(other.starts_at, other.ends_at)}), "
                    "không thể có mặt ở hai nơi"
                )
            else:
                verdict.warnings.append(
                    f"{name} cùng lúc có lịch «{other.title}» ({when(other.starts_at, other.ends_at)})"
                )
    day = local(slot.starts_at).date()
    afternoon = local(slot.starts_at).hour >= 12
    for person in slot.people:
        for leave in leaves.get(person, []):
            if not leave.start <= day <= leave.end:
                continue
            if (leave.half == "morning" and afternoon) or (leave.half == "afternoon" and not afternoon):
                continue
            verdict.warnings.append(
                f"{names.get(person, person)} {LEAVE_WORDS.get(leave.kind, 'nghỉ')} "
                f"từ {leave.start:%d/%m/%Y} đến {leave.end:%d/%m/%Y}"
            )
    verdict.refusals = list(dict.fromkeys(verdict.refusals))
    verdict.warnings = list(dict.fromkeys(verdict.warnings))
    return verdict
