"""The schedule's walls, endpoint by endpoint: every role of the registrant's unit (TH) and of another
unit (DNDT), the office (a leader, the Văn phòng's head and clerk) and the administrator, for every read
and change of /api/meetings.

Unpublished items are the office's and their registrant's; published ones everyone's, but the
restricted fields (the office's review note, warnings naming people on leave or double-booked) stay
with the office and the registrant. Refusals answer 403 or 404 with a reason and change nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from handlers.meetings.models import Meeting, Publication, Room
from hub.runtime import Hub
from tests.handlers.meetings.test_schedule import WEEK, meeting, start
from tests.handlers.timekeeping.harness import (
    CAST,
    StartHub,
    add_cast,
    check_reads,
    check_refusals,
    everyone_but,
    only,
)

MT = "/api/meetings"
# the meetings cast: the common one and the office's head and clerk (Văn phòng)
MCAST = {**CAST, "office_head": "chanhvanphong", "office_clerk": "vanthu"}
OFFICE = ("leader", "office_head", "office_clerk")


def others(*allowed: str, code: int) -> dict[str, int]:
    return everyone_but(*allowed, code=code, cast=MCAST)


def allowed(*names: str) -> dict[str, int]:
    return only(*names, code=200, cast=MCAST)


async def state_of(hub: Hub) -> tuple[Any, ...]:
    """Everything a schedule change could touch."""
    async with hub.db.session() as s:
        meetings = [
            (m.id, m.status, m.title, m.review_note, m.published_version, m.starts_at)
            for m in (await s.execute(select(Meeting).order_by(Meeting.id))).scalars()
        ]
        rooms = [(r.id, r.name, r.capacity) for r in (await s.execute(select(Room))).scalars()]
        published = await s.scalar(select(func.count()).select_from(Publication))
    return meetings, rooms, published


async def test_every_role_of_both_units_on_every_endpoint(module_hub: StartHub) -> None:
    hub, api = await start(module_hub, None)  # type: ignore[arg-type]
    await add_cast(hub)

    async def state() -> tuple[Any, ...]:
        return await state_of(hub)

    try:
        item = meeting(
            "Họp rà soát danh mục dự án",
            "giamdoc",
            "2026-12-08T08:00",
            "2026-12-08T10:00",
            participant_ids=["chuyenvien"],
            room_id="P201",
        )
        r = await api.call("POST", CAST["owner"], MT, json=item)
        assert r.status_code == 201, r.text
        mid = r.json()["id"]
        one = f"{MT}/{mid}"

        # -- before publication: the office's and the registrant's only --------------------------------
        sees = ("owner", *OFFICE)
        await check_reads(api, one, others(*sees, code=404))
        await check_reads(api, one, allowed(*sees))
        for role, user in MCAST.items():
            listed = await api.call("GET", user, MT, params={"week": WEEK})
            assert (mid in [x["id"] for x in listed.json()["items"]]) == (role in sees), role
            week = (await api.call("GET", user, f"{MT}/weeks/{WEEK}")).json()
            assert week["office"] == (role in OFFICE), role
        patch = {"title": "Đổi tên", "reason": "Sửa tên"}
        await check_refusals(api, "PATCH", one, others(*sees, code=404), state, json=patch)
        await check_refusals(api, "POST", f"{one}/cancel", others(*sees, code=404), state, json={"note": "x"})
        # reviewing, publishing and the rooms are the office's
        for path, body in (
            (f"{one}/approve", {"note": "Ghi chú nội bộ"}),
            (f"{one}/reject", {"note": "x"}),
            (f"{MT}/weeks/{WEEK}/publish", {}),
        ):
            await check_refusals(api, "POST", path, others(*OFFICE, code=403), state, json=body)
        room = {"id": "P201", "name": "Đổi tên phòng", "capacity": 1}
        await check_refusals(api, "PUT", f"{MT}/rooms", others(*OFFICE, code=403), state, json=room)
        await check_reads(api, f"{MT}/rooms", dict.fromkeys(MCAST.values(), 200))

        r = await api.call("POST", MCAST["office_clerk"], f"{one}/approve", json={"note": "Ghi chú nội bộ"})
        assert r.status_code == 200, r.text
        r = await api.call("POST", MCAST["office_head"], f"{MT}/weeks/{WEEK}/publish", json={})
        assert r.status_code == 200, r.text

        # -- published: everyone sees it, the review note only the office and the registrant ------------
        answers = await check_reads(api, one, dict.fromkeys(MCAST.values(), 200))
        for role, user in MCAST.items():
            note = answers[user].json()["review_note"]
            assert note == ("Ghi chú nội bộ" if role in sees else ""), role
            listed = await api.call("GET", user, MT, params={"week": WEEK})
            shown = next(x for x in listed.json()["items"] if x["id"] == mid)
            assert shown["review_note"] == note and (role in sees or shown["warnings"] == [])
        # once published only the office changes or cancels it
        await check_refusals(api, "PATCH", one, others(*OFFICE, code=403), state, json=patch)
        await check_refusals(
            api, "POST", f"{one}/cancel", others(*OFFICE, code=403), state, json={"note": "x"}
        )

        # feeds and files: one's own calendar (the office anyone's); the published week for everyone
        feed = f"{MT}/calendar/person/chuyenvien.ics"
        await check_reads(api, feed, others("owner", *OFFICE, code=403))
        await check_reads(api, feed, allowed("owner", *OFFICE))
        for url in (
            f"{MT}/calendar/leader/giamdoc.ics",
            f"{MT}/calendar/room/P201.ics",
            f"{MT}/weeks/{WEEK}/schedule.xlsx",
        ):
            await check_reads(api, url, dict.fromkeys(MCAST.values(), 200))

        r = await api.call("PATCH", MCAST["leader"], one, json=patch)
        assert r.status_code == 200, r.text
        r = await api.call("POST", MCAST["office_head"], f"{one}/cancel", json={"note": "Hoãn"})
        assert r.status_code == 200, r.text
    finally:
        await api.close()
