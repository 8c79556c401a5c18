"""The draft form through the ASGI app: a refused draft comes back as filled with the reason in
Vietnamese; a reply starts "V/v trả lời" without a second "V/v"; the menu offers a new draft."""

from __future__ import annotations

import re

from tests.portal.staff.conftest import Office, client_of, login, pdf_bytes


async def test_a_refused_draft_comes_back_as_filled_with_the_reason(office: Office) -> None:
    async with client_of(office.app) as clerk:
        csrf = await login(clerk, "vanthu")
        form = await clerk.get("/staff/du-thao/moi")
        assert form.status_code == 200
        assert 'href="/staff/du-thao/moi" aria-current="page">Soạn văn bản đi' in form.text
        assert "Ủy ban nhân dân tỉnh Nghệ An" in form.text and "000.00.00.H41" in form.text
        nothing = await clerk.post(
            "/staff/du-thao",
            data={"csrf_token": csrf, "subject": "Thông báo lịch trực Tết", "priority": "Khẩn"},
        )
        assert nothing.status_code == 422
        assert "Cần chọn ít nhất một nơi nhận" in nothing.text
        assert "Thông báo lịch trực Tết</textarea>" in nothing.text
        assert "<option selected>Khẩn</option>" in nothing.text
        unknown = await clerk.post(
            "/staff/du-thao",
            data={"csrf_token": csrf, "subject": "Công văn thử", "other_name": "Sở Không Có"},
        )
        assert unknown.status_code == 422
        assert "“Sở Không Có” không có trong danh bạ cơ quan" in unknown.text
        by_name = await clerk.post(
            "/staff/du-thao",
            data={
                "csrf_token": csrf,
                "subject": "Công văn thử",
                "other_name": "uy ban nhan dan tinh nghe an",
            },
        )
        assert by_name.status_code == 303 and "ok=" in by_name.headers["location"], by_name.headers
        page = await clerk.get(by_name.headers["location"])
        assert "Ủy ban nhân dân tỉnh Nghệ An" in page.text and "Tải lên tệp dự thảo (PDF)" in page.text


async def test_a_reply_says_v_v_once(office: Office) -> None:
    async with client_of(office.app) as clerk:
        csrf = await login(clerk, "vanthu")
        answer = await clerk.post(
            "/staff/van-ban-giay",
            data={
                "csrf_token": csrf,
                "subject": "V/v đề nghị cung cấp số liệu",
                "from_agency": "UBND quận Ba Đình",
            },
            files={"file": ("scan.pdf", pdf_bytes("Đề nghị"), "application/pdf")},
        )
        match = re.search(r"/staff/van-ban/([^?]+)", answer.headers["location"])
        assert match
        reply = await clerk.get(f"/staff/du-thao/moi?tra_loi={match.group(1)}")
        assert "V/v trả lời đề nghị cung cấp số liệu</textarea>" in reply.text
        assert "V/v trả lời V/v" not in reply.text
        assert "không gửi qua trục liên thông" in reply.text  # a paper sender: no agency checked
