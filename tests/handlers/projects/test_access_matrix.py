"""Walls of the project registry, table-driven: every role of the unit managing FDI projects (DNDT) and of
other units, the desk, a leader and an account without a staff role, against every read and change.

Reads are open to all staff; a change is the managing unit's (or a leader's), refused with 403 and a
Vietnamese reason naming the unit, and a refused change changes nothing."""

from __future__ import annotations

from typing import Any

from handlers.projects import ProjectsModule
from handlers.projects.generator import generate
from handlers.projects.settings import ProjectsSettings
from handlers.projects.xlsx import write
from schemas.projects import ProjectData
from tests.handlers.intake.harness import Api, StartHub

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNITS = {"FDI": "DNDT", "NGOAI_NSNN": "DNDT", "NSNN": "TH"}
LEADER, CLERK, NO_STAFF_ROLE = "giamdoc", "vanthu", "quantri"
STAFF = (LEADER, CLERK, "truongphongdt", "chuyenvien2", "truongphongth", "chuyenvien", "chanhvanphong")
EVERYONE = (*STAFF, NO_STAFF_ROLE)
OK = "ok"
CHANGES = ("register", "adjust", "status", "reports", "documents", "import")
# who may make each change of an FDI project (managed by DNDT); everyone else: 403
ALLOWED: dict[str, set[str]] = {
    "register": {LEADER, "truongphongdt", "chuyenvien2"},
    "adjust": {LEADER, "truongphongdt", "chuyenvien2"},
    "status": {LEADER, "truongphongdt", "chuyenvien2"},
    "reports": {LEADER, "truongphongdt", "chuyenvien2"},
    "documents": {LEADER, "truongphongdt", "chuyenvien2"},
    "import": {LEADER, "truongphongdt"},  # unit heads and leaders import
}
READS = ("", "/{code}", "/{code}/history", "/stats?by=country", "/export.xlsx")


class Pool:
    """Generated projects of one funding source, handed out one at a time (fresh codes)."""

    def __init__(self, projects: list[ProjectData], funding: str) -> None:
        self.items = [p for p in projects if p.funding == funding]

    def take(self) -> ProjectData:
        return self.items.pop()


def change(action: str, p: dict[str, Any], n: int, fresh: ProjectData) -> tuple[str, dict[str, Any] | bytes]:
    """The path and body of one change of project `p` (n makes it differ from the earlier ones)."""
    code = p["code"]
    if action == "register":
        return "", fresh.model_dump(mode="json")
    if action == "adjust":
        data = ProjectData.model_validate(p).model_copy(update={"mobilised_vnd": p["mobilised_vnd"] + 1 + n})
        return f"/{code}/adjust", {"project": data.model_dump(mode="json"), "reason": "Tăng vốn huy động"}
    if action == "status":
        status = "suspended" if p["status"] == "active" else "active"
        return f"/{code}/status", {"status": status, "reason": "Nhà đầu tư đề nghị"}
    if action == "reports":
        return f"/{code}/reports", {"period": str(2000 + n), "realised_capital_vnd": 1_000_000 * (n + 1)}
    if action == "documents":
        return f"/{code}/documents", {"title": f"Quyết định điều chỉnh lần {n + 1}", "reference": f"{n}/QĐ"}
    return "/import", write([fresh])


async def post(api: Api, user: str, path: str, body: dict[str, Any] | bytes) -> Any:
    if isinstance(body, bytes):
        return await api.call(
            "POST", user, f"/api/projects{path}", content=body, headers={"content-type": XLSX}
        )
    return await api.call("POST", user, f"/api/projects{path}", json=body)


async def snapshot(api: Api, code: str) -> tuple[Any, ...]:
    """What a change could touch: the project with its reports and documents, its history, the list."""
    detail = (await api.call("GET", LEADER, f"/api/projects/{code}")).json()
    history = (await api.call("GET", LEADER, f"/api/projects/{code}/history")).json()["total"]
    listed = (await api.call("GET", LEADER, "/api/projects?limit=500")).json()
    return detail, history, sorted(p["code"] for p in listed["items"])


async def test_every_role_of_every_unit_against_every_endpoint(module_hub: StartHub) -> None:
    hub = await module_hub([ProjectsModule(ProjectsSettings(units=UNITS))], ["handlers.projects"])
    api = Api(hub)
    generated = generate(160, seed=3)
    fdi, nsnn = Pool(generated, "FDI"), Pool(generated, "NSNN")
    try:
        seeded = [fdi.take().model_copy(update={"status": "active"}), nsnn.take()]
        r = await post(api, LEADER, "/import", write(seeded))
        assert r.status_code == 200, r.text
        target, other = seeded[0].code, seeded[1].code

        # -- reads: every staff member reads the registry; an account without a staff role nothing
        for user in EVERYONE:
            for path in READS:
                r = await api.call("GET", user, "/api/projects" + path.format(code=target))
                assert r.status_code == (403 if user == NO_STAFF_ROLE else 200), (user, path, r.text)
            listed = await api.call("GET", user, f"/api/projects?q={target}")
            if user != NO_STAFF_ROLE:
                assert [p["code"] for p in listed.json()["items"]] == [target]

        # -- refused changes of the FDI project (DNDT's): 403 with the reason, nothing changed
        before = await snapshot(api, target)
        project = before[0]
        for user in EVERYONE:
            for n, action in enumerate(CHANGES):
                if user in ALLOWED[action]:
                    continue
                path, body = change(action, project, n, fdi.take())
                r = await post(api, user, path, body)
                assert r.status_code == 403, (user, action, r.text)
                assert isinstance(r.json()["detail"], str) and r.json()["detail"], (user, action)
        assert await snapshot(api, target) == before
        # the managing unit of FDI may not move a project into NSNN (TH's), nor import an NSNN row
        moved = ProjectData.model_validate(project).model_copy(update={"funding": "NSNN"})
        r = await post(
            api,
            "truongphongdt",
            f"/{target}/adjust",
            {"project": moved.model_dump(mode="json"), "reason": "Đổi nguồn vốn"},
        )
        assert r.status_code == 403 and "Phòng Tổng hợp, Quy hoạch" in r.json()["detail"], r.text
        r = await post(api, "truongphongdt", "/import", write([fdi.take(), nsnn.take()]))
        assert r.status_code == 403, r.text
        r = await post(api, "chuyenvien2", f"/{other}/reports", {"period": "2026", "realised_capital_vnd": 5})
        assert r.status_code == 403, r.text
        assert await snapshot(api, target) == before
        r = await api.call(
            "POST",
            "chuyenvien2",
            "/api/projects/KHONG-CO/reports",
            json={"period": "2026", "realised_capital_vnd": 1},
        )
        assert r.status_code == 404

        # -- every allowed change, by each person allowed
        n = 0
        for action in CHANGES:
            for user in sorted(ALLOWED[action]):
                n += 1
                project = (await api.call("GET", LEADER, f"/api/projects/{target}")).json()
                fresh = fdi.take()
                path, body = change(action, project, 100 + n, fresh)
                r = await post(api, user, path, body)
                assert r.status_code in (200, 201), (user, action, r.text)
                if action in ("register", "import"):
                    found = await api.call("GET", CLERK, f"/api/projects/{fresh.code}")
                    assert found.status_code == 200, (user, action)
        # TH manages NSNN: its officer changes the NSNN project
        r = await post(api, "chuyenvien", f"/{other}/reports", {"period": "2026", "realised_capital_vnd": 5})
        assert r.status_code == 201, r.text
    finally:
        await api.close()
