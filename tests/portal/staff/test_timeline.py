"""The processing timeline of a document: each step of its flow done (when, by whom), the one it waits
for, and what each recipient of an issued document reported back."""

from __future__ import annotations

import re

from portal.staff.timeline import timeline
from tests.portal.staff.conftest import Office, client_of, login
from tests.portal.staff.test_pages import _paper


def _steps(html: str) -> list[tuple[str, str]]:
    """(state, label) of each step on the page, in order."""
    return re.findall(
        r'<li class="step (\w+)"><span class="dot" aria-hidden="true"></span><strong>([^<]+)', html
    )


async def test_an_assigned_document_shows_its_steps_who_did_them_and_what_it_waits_for(
    office: Office,
) -> None:
    doc_id = await _paper(office, "Đề nghị báo cáo tiến độ giải ngân")
    async with client_of(office.app) as leader:
        csrf = await login(leader, "giamdoc")
        answer = await leader.post(
            f"/staff/van-ban/{doc_id}/giao",
            data={"csrf_token": csrf, "lead_unit_id": "TH", "instruction": "Phòng TH chủ trì"},
        )
        assert "loi=" not in answer.headers["location"], answer.headers["location"]
        page = await leader.get(f"/staff/van-ban/{doc_id}")
    assert page.status_code == 200 and "Tiến trình xử lý" in page.text
    assert _steps(page.text) == [
        ("done", "Tiếp nhận"),
        ("done", "Vào sổ văn bản đến"),
        ("done", "Lãnh đạo phân công"),
        ("now", "Giao chuyên viên"),
        ("ahead", "Đang xử lý"),
        ("ahead", "Hoàn thành"),
    ]
    assigned = page.text.split("<strong>Lãnh đạo phân công</strong>")[1].split("</li>")[0]
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", assigned)  # when
    assert "giamdoc" not in assigned and "Cán bộ" not in assigned  # by a person's name, not an id


def test_a_returned_draft_waits_to_be_submitted_again_and_a_refusing_recipient_ends_its_lane() -> None:
    doc = {
        "direction": "out",
        "status": "issued",
        "history": [
            {"at": "2026-12-01T02:00:00+00:00", "actor": "cv", "action": "drafted"},
            {"at": "2026-12-01T03:00:00+00:00", "actor": "cv", "action": "submitted"},
            {"at": "2026-12-01T04:00:00+00:00", "actor": "gd", "action": "returned"},
        ],
        "deliveries": [
            {
                "to_code": "000.00.00.G22",
                "to_name": "Văn phòng Chính phủ",
                "statuses": [
                    {"code": "01", "at": "2026-12-02T01:00:00+00:00"},
                    {"code": "03", "at": "2026-12-02T02:00:00+00:00"},
                ],
            },
            {
                "to_code": "000.00.00.H41",
                "to_name": None,
                "statuses": [
                    {"code": "01", "at": "2026-12-02T01:00:00+00:00"},
                    {"code": "02", "at": "2026-12-02T01:30:00+00:00"},
                ],
            },
        ],
    }
    doc["status"] = "draft"
    ours, vpcp, h41 = timeline(doc, {"cv": "Trần Thị Chuyên", "gd": "Nguyễn Văn Giám"})
    assert [(s.label, s.state) for s in ours.steps][:3] == [
        ("Soạn thảo", "done"),
        ("Trình duyệt", "now"),
        ("Lãnh đạo duyệt, ký số", "ahead"),
    ]
    assert ours.steps[0].by == "Trần Thị Chuyên"
    assert vpcp.title == "Văn phòng Chính phủ"
    assert [s.state for s in vpcp.steps] == ["done", "done", "now", "ahead", "ahead"]
    assert h41.title == "000.00.00.H41"
    assert [(s.label, s.state) for s in h41.steps] == [("Đã nhận", "done"), ("Từ chối tiếp nhận", "ended")]
