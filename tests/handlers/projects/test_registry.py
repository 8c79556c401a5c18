"""The generated project set through XLSX import, statistics against independent totals, versions, events."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from openpyxl import load_workbook

from handlers.projects import ProjectsModule
from handlers.projects.generator import generate
from handlers.projects.xlsx import write
from hub.runtime import wait_for
from tests.handlers.intake.harness import Api, StartHub, Tap

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT = 3000


def expected(projects: list[Any], key: Any) -> dict[Any, tuple[int, int, int]]:
    totals: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in projects:
        t = totals[key(p)]
        t[0] += 1
        t[1] += p.contributed_vnd + p.mobilised_vnd
        t[2] += p.contributed_usd + p.mobilised_usd
    return {k: (v[0], v[1], v[2]) for k, v in totals.items()}


async def test_generated_set_imports_and_statistics_add_up(module_hub: StartHub, db_url: str) -> None:
    projects = generate(COUNT, seed=7)
    hub = await module_hub([ProjectsModule()], ["handlers.projects"], db_url=db_url)
    api = Api(hub)
    registered = await Tap(hub, "lt.project.evt.registered", "t-registered").open()
    try:
        r = await api.call(
            "POST",
            "truongphongdt",
            "/api/projects/import",
            content=write(projects),
            headers={"content-type": XLSX},
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"rows": COUNT, "registered": COUNT, "adjusted": 0, "unchanged": 0}

        for by, key in (
            ("country", lambda p: p.investors[0].nationality),
            ("sector", lambda p: p.sector),
            ("district", lambda p: p.district),
            ("year", lambda p: p.first_issued_on.year),
        ):
            body = (await api.call("GET", "giamdoc", f"/api/projects/stats?by={by}")).json()
            got = {
                row["key"]: (row["projects"], row["capital_vnd"], row["capital_usd"]) for row in body["rows"]
            }
            assert got == expected(projects, key), by
            assert body["projects"] == COUNT
        fdi = [p for p in projects if p.funding == "FDI"]
        body = (await api.call("GET", "giamdoc", "/api/projects/stats?by=country&funding=FDI")).json()
        korea = next(row for row in body["rows"] if row["key"] == "Hàn Quốc")
        assert korea["projects"] == sum(1 for p in fdi if p.investors[0].nationality == "Hàn Quốc")
        assert "Việt Nam" not in {row["key"] for row in body["rows"]}

        async def all_announced() -> bool:
            return len(await registered.drain()) == COUNT

        assert await wait_for(all_announced, timeout=120)

        # an adjustment is a new version with its history; a status change too
        first = projects[0]
        changed = first.model_copy(
            update={
                "mobilised_vnd": first.mobilised_vnd + 50_000_000_000,
                "district": "Đông Anh" if first.district != "Đông Anh" else "Gia Lâm",
            }
        )
        r = await api.call(
            "POST",
            "chuyenvien2",
            f"/api/projects/{first.code}/adjust",
            json={"project": changed.model_dump(mode="json"), "reason": "Tăng vốn, đổi địa điểm"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 2 and r.json()["capital_vnd"] == changed.capital_vnd
        same = await api.call(
            "POST",
            "chuyenvien2",
            f"/api/projects/{first.code}/adjust",
            json={"project": changed.model_dump(mode="json"), "reason": "Không đổi gì"},
        )
        assert same.status_code == 409
        r = await api.call(
            "POST",
            "chuyenvien2",
            f"/api/projects/{first.code}/status",
            json={
                "status": "suspended" if first.status != "suspended" else "active",
                "reason": "Nhà đầu tư đề nghị tạm ngừng",
            },
        )
        assert r.status_code == 200 and r.json()["version"] == 3
        history = (await api.call("GET", "giamdoc", f"/api/projects/{first.code}/history")).json()["items"]
        assert [h["kind"] for h in history] == ["registered", "adjusted", "status"]
        assert history[1]["changed"] == ["district", "mobilised_vnd"]
        assert history[0]["data"]["district"] == first.district

        r = await api.call(
            "POST",
            "chuyenvien2",
            f"/api/projects/{first.code}/reports",
            json={"period": "2026-Q3", "realised_capital_vnd": 1_000_000_000, "employees": 120},
        )
        assert r.status_code == 201
        assert (
            await api.call(
                "POST",
                "chuyenvien2",
                f"/api/projects/{first.code}/reports",
                json={"period": "2026-Q3", "realised_capital_vnd": 1},
            )
        ).status_code == 409
        link = {"title": "Quyết định điều chỉnh chủ trương đầu tư", "reference": "1234/QĐ-UBND"}
        r = await api.call("POST", "chuyenvien2", f"/api/projects/{first.code}/documents", json=link)
        assert r.status_code == 201
        detail = (await api.call("GET", "giamdoc", f"/api/projects/{first.code}")).json()
        assert detail["reports"][0]["employees"] == 120
        assert detail["documents"][0]["reference"] == "1234/QĐ-UBND"
        assert detail["version"] == 3  # reports and documents do not make versions

        # export and re-import: nothing changes
        exported = await api.call("GET", "giamdoc", "/api/projects/export.xlsx")
        assert exported.status_code == 200
        sheet = load_workbook(io.BytesIO(exported.content), read_only=True).worksheets[0]
        assert sum(1 for _ in sheet.iter_rows(values_only=True)) == COUNT + 1
        again = await api.call(
            "POST",
            "truongphongdt",
            "/api/projects/import",
            content=exported.content,
            headers={"content-type": XLSX},
        )
        assert again.json() == {"rows": COUNT, "registered": 0, "adjusted": 0, "unchanged": COUNT}
    finally:
        await api.close()


async def test_bad_rows_are_named_and_nothing_is_imported(module_hub: StartHub) -> None:
    hub = await module_hub([ProjectsModule()], ["handlers.projects"])
    api = Api(hub)
    try:
        good, bad_money, bad_fdi = generate(3, seed=1)
        wb = load_workbook(io.BytesIO(write([good, bad_money, bad_fdi])))
        ws = wb.worksheets[0]
        ws.cell(row=3, column=10, value=-5)  # negative contributed capital
        ws.cell(row=4, column=3, value="Vốn lạ")
        buf = io.BytesIO()
        wb.save(buf)
        r = await api.call("POST", "truongphongdt", "/api/projects/import", content=buf.getvalue())
        assert r.status_code == 422
        errors = r.json()["detail"]["errors"]
        assert any(e.startswith("Dòng 3, cột 'Vốn góp (VND)'") for e in errors), errors
        assert any(e.startswith("Dòng 4") and "Nguồn vốn" in e for e in errors), errors
        assert (await api.call("GET", "giamdoc", "/api/projects")).json()["items"] == []
        officer = await api.call("POST", "chuyenvien", "/api/projects/import", content=b"x")
        assert officer.status_code == 403
    finally:
        await api.close()
