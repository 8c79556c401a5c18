"""The schedule keeps others' unpublished items to themselves, says where a week stands, speaks Vietnamese
in its statuses and refusals, and its notices link to the staff pages."""

from __future__ import annotations

from handlers.meetings.models import Meeting
from tests.handlers.meetings.test_schedule import WEEK, meeting, start
from tests.handlers.timekeeping.harness import StartHub
from tests.handlers.timekeeping.test_access import emitted


async def test_other_units_cannot_read_or_change_and_notices_link_to_pages(
    module_hub: StartHub, db_url: str
) -> None:
    hub, api = await start(module_hub, db_url)
    try:
        item = meeting(
            "Họp rà soát danh mục dự án",
            "giamdoc",
            "2026-12-08T08:00",
            "2026-12-08T10:00",
            participant_ids=["chuyenvien2"],
            unit_ids=["DNDT"],
            place="Phòng họp tầng 3",
        )
        r = await api.call("POST", "chuyenvien", "/api/meetings", json=item)
        assert r.status_code == 201, r.text
        m = r.json()
        assert m["status_label"] == "Chờ duyệt" and m["registered_by_name"] == "Vũ Thị Mai"
        assert m["participants"] == ["Hoàng Văn Nam"] and m["units"] == ["Phòng Đăng ký đầu tư"]

        # an officer of another unit: the unpublished item is not there for her, nor hers to change
        assert (await api.call("GET", "chuyenvien2", f"/api/meetings/{m['id']}")).status_code == 404
        listed = await api.call("GET", "chuyenvien2", "/api/meetings", params={"week": WEEK})
        assert listed.json()["items"] == []
        for method, path, body in (
            ("POST", f"/api/meetings/{m['id']}/approve", {}),
            ("POST", f"/api/meetings/{m['id']}/reject", {"note": "x"}),
            ("PATCH", f"/api/meetings/{m['id']}", {"title": "Đổi tên"}),
            ("POST", f"/api/meetings/{m['id']}/cancel", {"note": "x"}),
            ("POST", f"/api/meetings/weeks/{WEEK}/publish", {}),
        ):
            r = await api.call(method, "chuyenvien2", path, json=body)
            hidden = method == "PATCH" or path.endswith("/cancel")  # not hers to see: as if not there
            assert r.status_code == (404 if hidden else 403), (method, path, r.text)
        async with hub.db.session() as s:
            stored = await s.get(Meeting, m["id"])
            assert stored is not None and (stored.status, stored.title) == ("registered", item["title"])

        state = (await api.call("GET", "chuyenvien2", f"/api/meetings/weeks/{WEEK}")).json()
        assert (state["registered"], state["version"], state["office"]) == (1, 0, False)
        assert (await api.call("GET", "vanthu", f"/api/meetings/weeks/{WEEK}")).json()["office"] is True

        # the office approves and publishes; a second review is refused in Vietnamese
        assert (await api.call("POST", "vanthu", f"/api/meetings/{m['id']}/approve")).status_code == 200
        again = await api.call("POST", "vanthu", f"/api/meetings/{m['id']}/approve")
        assert again.status_code == 409 and "đã được xử lý (đã duyệt)" in again.json()["detail"]
        published = await api.call("POST", "vanthu", f"/api/meetings/weeks/{WEEK}/publish")
        assert published.status_code == 200, published.text
        state = (await api.call("GET", "vanthu", f"/api/meetings/weeks/{WEEK}")).json()
        assert (state["version"], state["unpublished"], state["published_by_name"]) == (1, 0, "Lê Thị Hoa")
        seen = (await api.call("GET", "chuyenvien2", f"/api/meetings/{m['id']}")).json()
        assert seen["status_label"] == "Đã phát hành"
        # after publication only the office changes it, even for its registrant
        r = await api.call("PATCH", "chuyenvien", f"/api/meetings/{m['id']}", json={"place": "Hội trường"})
        assert r.status_code == 403

        r = await api.call(
            "PATCH",
            "vanthu",
            f"/api/meetings/{m['id']}",
            json={"place": "Hội trường lớn", "reason": "Đông người"},
        )
        assert r.status_code == 200, r.text
        links = {n["link"] for n in await emitted(hub, "notify.requested")}
        assert links == {f"/staff/lich-hop?week={WEEK}", f"/staff/lich-hop/{m['id']}"}
    finally:
        await api.close()
