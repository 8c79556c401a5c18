"""Routing rules of notifications: urgency, preferences, quiet hours, phone numbers, routed events."""

from __future__ import annotations

from datetime import UTC, date, datetime

from adapters.notify.mapping import (
    CHANNELS,
    Contact,
    Preferences,
    from_assigned,
    from_escalated,
    normalize_phone,
    plan_channels,
    quiet_until,
)
from schemas.documents import DocumentAssigned
from schemas.tasks import TaskEscalated

ALL = set(CHANNELS)
FULL = Contact("chuyenvien", "cv@skhdt.hanoi.gov.vn", "0912345678", "8412345")
NIGHT = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 23:30 in Hà Nội
DAY = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội
QUIET = Preferences(quiet_start=22, quiet_end=6)


def channels(urgency: str, prefs: Preferences = Preferences(), now: datetime = DAY) -> dict[str, datetime]:
    return {p.channel: p.not_before for p in plan_channels(urgency, FULL, prefs, ALL, now)}  # type: ignore[arg-type]


def test_routing_by_urgency() -> None:
    assert set(channels("hoa_toc")) == {"inapp", "sms", "zalo"}
    assert set(channels("thuong_khan")) == {"inapp", "sms", "zalo"}
    assert set(channels("khan")) == {"inapp", "zalo", "email"}
    assert set(channels("thuong")) == {"inapp", "digest"}


def test_quiet_hours_delay_outside_channels_except_hoa_toc() -> None:
    resume = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 06:00 next morning in Hà Nội
    assert quiet_until(NIGHT, QUIET) == resume
    assert quiet_until(DAY, QUIET) is None
    late = channels("thuong_khan", QUIET, NIGHT)
    assert late["inapp"] == NIGHT and late["sms"] == resume and late["zalo"] == resume
    urgent = channels("hoa_toc", QUIET, NIGHT)
    assert urgent["sms"] == NIGHT and urgent["zalo"] == NIGHT


def test_preferences_turn_channels_off_but_not_for_hoa_toc() -> None:
    prefs = Preferences(channels_off=frozenset({"sms", "zalo"}), digest=False)
    assert set(channels("thuong_khan", prefs)) == {"inapp"}
    assert set(channels("thuong", prefs)) == {"inapp"}
    assert set(channels("hoa_toc", prefs)) == {"inapp", "sms", "zalo"}


def test_missing_contact_data_and_disabled_channels() -> None:
    bare = Contact("x", email="x@skhdt.hanoi.gov.vn")
    planned = plan_channels("hoa_toc", bare, Preferences(), ALL, DAY)
    assert [p.channel for p in planned] == ["inapp", "email"]  # no phone: e-mail at once instead
    assert [p.channel for p in plan_channels("thuong", FULL, Preferences(), {"inapp"}, DAY)] == ["inapp"]


def test_vietnamese_phone_numbers() -> None:
    assert normalize_phone("0912 345 678") == "84912345678"
    assert normalize_phone("+84 912-345-678") == "84912345678"
    assert normalize_phone("12345") is None and normalize_phone(None) is None


def test_routed_events_become_notices() -> None:
    assigned = DocumentAssigned(
        document_id="VBD-1",
        subject="Công văn hỏa tốc",
        priority="Thượng khẩn",
        lead_unit_id="TH",
        coordinating_unit_ids=["DNDT", "VP"],
        deadline=date(2026, 12, 2),
        assigned_by="giamdoc",
    )
    notice = from_assigned(assigned, {"TH": "truongphongth", "DNDT": "truongphongdt", "VP": None})
    assert notice is not None
    assert notice.recipients == ["truongphongth", "truongphongdt"] and notice.urgency == "thuong_khan"
    assert "02/12/2026" in notice.body and notice.dedup_key == "document.assigned:VBD-1"
    headless = DocumentAssigned(
        document_id="x", subject="Công văn", lead_unit_id="BGD", assigned_by="giamdoc"
    )
    assert from_assigned(headless, {"BGD": None}) is None
    esc = from_escalated(
        TaskEscalated(
            task_id="t1",
            title="Báo cáo",
            assigner="giamdoc",
            deadline=date(2026, 11, 20),
            days_overdue=3,
            escalate_to=["a"],
        )
    )
    assert (
        esc is not None and esc.urgency == "thuong_khan" and esc.title.startswith("Nhiệm vụ quá hạn 3 ngày")
    )
