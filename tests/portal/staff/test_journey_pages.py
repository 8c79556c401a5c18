"""The pages of meetings, timekeeping and messages without their modules, and where notices lead."""

from __future__ import annotations

import pytest

from portal.staff.client import Answer
from portal.staff.pages.notifications import reason_of, staff_page
from tests.portal.staff.conftest import Office, client_of, login


@pytest.mark.parametrize(
    ("link", "page"),
    [
        ("/staff/van-ban/VBD-1", "/staff/van-ban/VBD-1"),
        ("/documents/VBD-2026-0142", "/staff/van-ban/VBD-2026-0142"),
        ("/tasks/t-9", "/staff/cong-viec/t-9"),
        ("/messages/abc123", "/staff/tin-nhan/abc123"),
        ("/timekeeping/leaves/l-1", "/staff/cham-cong/nghi-phep/l-1"),
        ("/meetings/m-1", "/staff/lich-hop/m-1"),
        ("/meetings?week=2026-12-07", "/staff/lich-hop?week=2026-12-07"),
        ("/evaluation/cycles/c-1", "/staff/danh-gia"),
        ("/intake/dossiers/HS-1", "/staff/mot-cua"),
        ("/calendar/2026-W49", "/staff/tin-nhan#thong-bao-cua-toi"),
        (None, "/staff/tin-nhan#thong-bao-cua-toi"),
    ],
)
def test_every_notice_link_leads_to_a_staff_page(link: str | None, page: str) -> None:
    assert staff_page(link) == page


def test_form_refusals_read_as_plain_vietnamese() -> None:
    refused = Answer(
        422,
        {"detail": [{"loc": ["body", "end"], "msg": "Value error, ngày kết thúc nghỉ trước ngày bắt đầu"}]},
    )
    assert reason_of(refused) == "Ngày kết thúc nghỉ trước ngày bắt đầu"
    missing = Answer(422, {"detail": [{"loc": ["body", "start"], "msg": "Field required"}]})
    assert reason_of(missing) == "Thiếu thông tin bắt buộc"
    assert reason_of(Answer(403, {"detail": "Chỉ Văn phòng duyệt lịch công tác"})) == (
        "Chỉ Văn phòng duyệt lịch công tác"
    )


async def test_pages_without_their_modules_say_so(office: Office) -> None:
    async with client_of(office.app) as client:
        await login(client, "chuyenvien")
        for page in ("/staff/lich-hop", "/staff/cham-cong", "/staff/tin-nhan"):
            answer = await client.get(page)
            assert answer.status_code == 200, (page, answer.text[:500])
            assert "Chưa có dữ liệu: chức năng này chưa sẵn sàng" in answer.text, page
