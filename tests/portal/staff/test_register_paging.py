"""The register page pages through a year in the register's own order (by number), so a register of
thousands of documents shows every one: page 1 holds the first numbers, the next page the rest, and
the links keep the register, the year and the search."""

from __future__ import annotations

import re

import pytest

from portal.staff.pages import registers
from tests.portal.staff.conftest import Office, client_of, login
from tests.portal.staff.test_pages import _paper


async def test_the_register_pages_in_number_order(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registers, "PAGE", 2)
    for n in range(1, 4):
        await _paper(office, f"Văn bản giấy thứ {n} của sổ")
    async with client_of(office.app) as clerk:
        await login(clerk, "vanthu")
        first = (await clerk.get("/staff/so-van-ban")).text
        numbers = re.findall(r'<td data-label="Số">(\d+)</td>', first)
        assert numbers == ["1", "2"], numbers
        assert "Trang 1/2 (3 văn bản)" in first
        following = re.search(r'<a href="([^"]+)" rel="next">', first)
        assert following, first[-2000:]
        href = following.group(1).replace("&amp;", "&")
        assert "trang=2" in href and "kind=in" in href and "so=VBDEN" in href
        second = (await clerk.get(href)).text
        assert re.findall(r'<td data-label="Số">(\d+)</td>', second) == ["3"]
        assert "Trang 2/2 (3 văn bản)" in second and 'rel="prev"' in second and 'rel="next"' not in second
        ordered = (await clerk.get("/api/documents", params={"order": "number", "direction": "in"})).json()
        assert [d["number"] for d in ordered["items"]] == [1, 2, 3]
