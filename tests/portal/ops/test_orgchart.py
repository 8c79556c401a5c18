"""The org chart pages against a real hub: units and people created from the forms, four-eyes on
access rights (a second administrator confirms; the one who asked cannot), audit with before/after."""

from __future__ import annotations

import httpx

from hub.orgchart import User, get_user
from lienthong.web import create_app
from portal.ops import orgchart, queries
from tests.portal.ops.conftest import PortalHub, login

SECOND = "quantri2"
SECOND_PASSWORD = "Quan-Tri-Hai-2026!"


def client_for(ph: PortalHub) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(ph.hub)), base_url="http://lt")


async def _page(c: httpx.AsyncClient, answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    return (await c.get(answer.headers["location"])).text


async def test_unit_and_person_from_the_pages_with_four_eyes_on_their_rights(portal_hub: PortalHub) -> None:
    hub = portal_hub.hub
    await orgchart.create_superuser(hub.db, SECOND, "Lý Thị Hai", SECOND_PASSWORD, "test")
    async with client_for(portal_hub) as c, client_for(portal_hub) as c2:
        csrf = await login(c, "quantri")
        page = await _page(
            c,
            await c.post(
                "/orgchart/units",
                data={
                    "csrf_token": csrf,
                    "id": "KTDN",
                    "name": "Phòng Kinh tế đối ngoại",
                    "parent_id": "BGD",
                },
            ),
        )
        assert "Đã lưu đơn vị" in page and "Phòng Kinh tế đối ngoại" in page
        cycle = await _page(
            c,
            await c.post(
                "/orgchart/units/BGD", data={"csrf_token": csrf, "name": "Ban Giám đốc", "parent_id": "KTDN"}
            ),
        )
        assert "tạo vòng lặp" in cycle

        weak = await _page(
            c,
            await c.post(
                "/orgchart/people",
                data={
                    "csrf_token": csrf,
                    "username": "nguyenan",
                    "full_name": "Nguyễn Văn An",
                    "password": "ngan",
                },
            ),
        )
        assert "ít nhất 12 ký tự" in weak
        page = await _page(
            c,
            await c.post(
                "/orgchart/people",
                data={
                    "csrf_token": csrf,
                    "username": "nguyenan",
                    "full_name": "Nguyễn Văn An",
                    "position": "Chuyên viên",
                    "password": "An-Chuyen-Vien-2026",
                    "unit_id": "KTDN",
                    "roles": ["officer"],
                },
            ),
        )
        assert "Nguyễn Văn An" in page and "chờ một quản trị viên khác duyệt" in page
        an = await get_user(hub.db, "nguyenan")
        assert an is not None and (an.unit_id, an.roles) == (None, [])  # nothing until confirmed
        [change] = await orgchart.pending_changes(hub)
        assert change["after"] == {"unit_id": "KTDN", "roles": ["officer"]}

        overview = (await c.get("/")).text
        assert "1 thay đổi quyền truy cập đang chờ quản trị viên thứ hai duyệt" in overview

        # the administrator who asked cannot confirm
        refused = await _page(
            c, await c.post(f"/orgchart/changes/{change['id']}/confirm", data={"csrf_token": csrf})
        )
        assert "không thể tự duyệt" in refused
        an = await get_user(hub.db, "nguyenan")
        assert an is not None and an.roles == []

        csrf2 = await login(c2, SECOND, SECOND_PASSWORD)
        done = await _page(
            c2, await c2.post(f"/orgchart/changes/{change['id']}/confirm", data={"csrf_token": csrf2})
        )
        assert "quyền mới có hiệu lực ngay" in done
        an = await get_user(hub.db, "nguyenan")
        assert an is not None and (an.unit_id, an.roles) == ("KTDN", ["officer"])
        assert "đang chờ quản trị viên thứ hai" not in (await c.get("/")).text

        # unit head, and an edit that is not a right
        await _page(
            c,
            await c.post(
                "/orgchart/units/KTDN",
                data={
                    "csrf_token": csrf,
                    "name": "Phòng Kinh tế đối ngoại",
                    "parent_id": "",
                    "head_user_id": "nguyenan",
                },
            ),
        )
        await _page(
            c,
            await c.post(
                "/orgchart/people/nguyenan",
                data={
                    "csrf_token": csrf,
                    "full_name": "Nguyễn Văn An",
                    "position": "Phó trưởng phòng",
                    "active": "on",
                },
            ),
        )
        an = await get_user(hub.db, "nguyenan")
        assert an is not None and an.position == "Phó trưởng phòng" and an.roles == ["officer"]

        # a role change asked by the second admin: pending; the first confirms it
        await _page(
            c2,
            await c2.post(
                "/orgchart/people/nguyenan/access",
                data={"csrf_token": csrf2, "unit_id": "KTDN", "roles": ["officer", "unit_head"]},
            ),
        )
        [change] = await orgchart.pending_changes(hub)
        again = await _page(
            c, await c.post("/orgchart/people/nguyenan/access", data={"csrf_token": csrf, "unit_id": "VP"})
        )
        assert "đang chờ duyệt" in again  # one pending change per person
        mine = await _page(
            c2, await c2.post(f"/orgchart/changes/{change['id']}/confirm", data={"csrf_token": csrf2})
        )
        assert "không thể tự duyệt" in mine
        await _page(c, await c.post(f"/orgchart/changes/{change['id']}/confirm", data={"csrf_token": csrf}))
        an = await get_user(hub.db, "nguyenan")
        assert an is not None and an.roles == ["officer", "unit_head"]

        # nobody confirms a change of their own rights
        await _page(
            c,
            await c.post(
                f"/orgchart/people/{SECOND}/access",
                data={"csrf_token": csrf, "unit_id": "VP", "roles": ["admin"]},
            ),
        )
        [change] = await orgchart.pending_changes(hub)
        own = await _page(
            c2, await c2.post(f"/orgchart/changes/{change['id']}/confirm", data={"csrf_token": csrf2})
        )
        assert "không thể tự duyệt" in own
        await _page(c2, await c2.post(f"/orgchart/changes/{change['id']}/reject", data={"csrf_token": csrf2}))
        assert await orgchart.pending_changes(hub) == []

        # delegations
        page = await _page(
            c,
            await c.post(
                "/orgchart/delegations",
                data={
                    "csrf_token": csrf,
                    "from_user_id": "giamdoc",
                    "to_user_id": "phogiamdoc",
                    "starts_at": "2026-12-01T08:00",
                    "ends_at": "2026-12-05T17:00",
                    "note": "Giám đốc đi công tác",
                },
            ),
        )
        assert "Đã lưu ủy quyền" in page and "Giám đốc đi công tác" in page
        backwards = await _page(
            c,
            await c.post(
                "/orgchart/delegations",
                data={
                    "csrf_token": csrf,
                    "from_user_id": "giamdoc",
                    "to_user_id": "phogiamdoc",
                    "starts_at": "2026-12-05T08:00",
                    "ends_at": "2026-12-01T08:00",
                },
            ),
        )
        assert "phải sau ngày bắt đầu" in backwards

        viewer = client_for(portal_hub)
        async with viewer:
            await login(viewer, "vanhanh")
            assert (await viewer.get("/orgchart")).status_code == 403

    rows = {(r.action, r.target): r for r in await queries.list_audit(hub.db, limit=500)}
    unit = rows[("unit.update", "unit:KTDN")].detail
    assert unit["before"]["head_user_id"] is None and unit["after"]["head_user_id"] == "nguyenan"
    person = rows[("person.update", "user:nguyenan")].detail
    assert (person["before"]["position"], person["after"]["position"]) == ("Chuyên viên", "Phó trưởng phòng")
    confirms = [
        r for r in await queries.list_audit(hub.db, action="access.confirm") if r.target == "user:nguyenan"
    ]
    assert [
        (r.actor, r.detail["before"]["roles"], r.detail["after"]["roles"]) for r in reversed(confirms)
    ] == [
        (SECOND, [], ["officer"]),
        ("quantri", ["officer"], ["officer", "unit_head"]),
    ]
    requests = await queries.list_audit(hub.db, action="access.request")
    assert {r.actor for r in requests} == {"quantri", SECOND}
    for action in ("unit.create", "person.create", "access.reject", "delegation.create"):
        assert any(a == action for a, _ in rows), action
    assert isinstance(await get_user(hub.db, "nguyenan"), User)
