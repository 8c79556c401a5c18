"""The evaluation pages over HTTP: the officer's own score, the unit head's board, the director's view.

Pages show Vietnamese words, never the codes behind them; nobody reaches another unit's board.
"""

from __future__ import annotations

import re

import httpx

from tests.hub.conftest import nats  # noqa: F401
from tests.portal.staff.conftest import Office, client_of, login
from tests.portal.staff.evaluation_office import evaluation_office  # noqa: F401

RAW = (
    "xuat_sac",
    "khong_hoan_thanh",
    "hoan_thanh",
    "nd335",
    "nd90",
    "dung_han",
    "tre_han",
    "qua_han",
    "ca_nhan",
    "don_vi",
    "quan_ly",
    "reviewer",
    "None",
    "self_assessed",
    "waiting",
    "decided",
    "open",
)


def visible(html: str) -> str:
    """The text a person reads: no styles, no tags, no attributes."""
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def assert_no_codes(html: str) -> None:
    text = visible(html)
    shown = [code for code in RAW if re.search(rf"\b{code}\b", text)]
    assert not shown, shown


async def post_form(client: httpx.AsyncClient, url: str, csrf: str, **fields: str) -> str:
    answer = await client.post(url, data={"csrf_token": csrf, **fields})
    assert answer.status_code == 303, answer.text[:300]
    return answer.headers["location"]


async def test_the_unit_head_opens_marks_and_confirms_and_others_are_kept_out(
    evaluation_office: Office,
) -> None:
    app = evaluation_office.app
    async with client_of(app) as head:
        csrf = await login(head, "truongphongth")
        unit = await head.get("/staff/danh-gia/don-vi")
        assert unit.status_code == 200 and "Mở kỳ đánh giá cho đơn vị" in unit.text
        where = await post_form(
            head, "/staff/danh-gia/mo-ky", csrf, kind="month", month="9", quarter="1", year="2026"
        )
        assert "ok=" in where, where
        board_url = where.split("?")[0]
        cycle_id = board_url.split("/")[-2]
        page = await head.get(board_url)
        assert page.status_code == 200
        assert "Phòng Tổng hợp, Quy hoạch · Tháng 9/2026" in page.text
        assert "Vũ Thị Mai" in page.text and "68,83" in page.text
        assert_no_codes(page.text)

    async with client_of(app) as officer:
        csrf = await login(officer, "chuyenvien")
        mine = await officer.get("/staff/danh-gia")
        assert mine.status_code == 200
        text = visible(mine.text)
        assert "Tháng 9/2026" in text and "68,83/70" in text
        assert "MAI-3" in text and "Hoàn thành chậm" in text and "trừ 25% điểm tiến độ" in text
        assert "Số lượng 100% · Chất lượng 100% · Tiến độ 95%" in text
        assert_no_codes(mine.text)
        where = await post_form(
            officer,
            f"/staff/danh-gia/tu-danh-gia/{cycle_id}",
            csrf,
            general_points="27",
            summary="Hoàn thành",
        )
        assert "ok=" in where
        assert "95,83/100" in visible((await officer.get("/staff/danh-gia")).text)
        kept_out = await officer.get(board_url)
        assert kept_out.status_code == 403 and "Bảng điểm" not in kept_out.text
        assert "cv01" not in kept_out.text and "Chuyên viên 01" not in kept_out.text

    async with client_of(app) as other:
        await login(other, "truongphongdt")
        refused = await other.get(board_url)
        assert refused.status_code == 403 and "đơn vị mình" in refused.text
        assert "Vũ Thị Mai" not in refused.text and "MAI-1" not in refused.text

    async with client_of(app) as head:
        csrf = await login(head, "truongphongth")
        people = ["chuyenvien", *[f"cv{n:02d}" for n in range(1, 7)]]
        general = {"chuyenvien": "25", "cv06": "25"}
        form: dict[str, str | list[str]] = {"csrf_token": csrf, "users": people}
        form.update({f"g_{uid}": general.get(uid, "15") for uid in people})
        saved = await head.post(f"{board_url}/diem", data=form)
        assert "ok=" in saved.headers["location"], saved.headers["location"]
        where = await post_form(head, f"{board_url}/xac-nhan", csrf)
        assert "ok=" in where, where
        page = visible((await head.get(board_url)).text)
        assert "tối đa 1 người xếp loại xuất sắc" in page and "Hạ theo tỷ lệ xuất sắc" in page
        assert "Đã xác nhận lúc" in page

    async with client_of(app) as director:
        await login(director, "giamdoc")
        dept = await director.get("/staff/danh-gia/toan-so")
        assert dept.status_code == 200
        text = visible(dept.text)
        assert "Phòng Tổng hợp, Quy hoạch" in text and "Đã xác nhận" in text and "Lãnh đạo các đơn vị" in text
        assert_no_codes(dept.text)
        year = await director.get("/staff/danh-gia/nam", params={"nam": "2026", "don_vi": "TH"})
        assert year.status_code == 200
        text = visible(year.text)
        assert "Kết quả năm 2026" in text and "Tháng 9/2026: 93,83" in text
        assert "Mới có 1/12 tháng được xác nhận: kết quả tạm tính" in text
        assert_no_codes(year.text)
    async with client_of(app) as other:
        await login(other, "truongphongdt")
        year = await other.get("/staff/danh-gia/nam", params={"nam": "2026", "don_vi": "TH"})
        assert year.status_code == 403 and "Vũ Thị Mai" not in year.text
