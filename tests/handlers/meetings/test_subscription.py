"""A personal calendar address a calendar app subscribes to without logging in: it serves the person's
published meetings, only its hash is stored, a new address stops the old one, stopping sharing stops
it, and no address (forged, another's, malformed) opens anyone's calendar."""

from __future__ import annotations

import httpx
import icalendar
from sqlalchemy import select

from handlers.meetings.models import FeedToken
from tests.handlers.meetings.test_schedule import WEEK, meeting, start
from tests.handlers.timekeeping.harness import StartHub

MINE = "Họp rà soát danh mục dự án đầu tư công"
NOT_MINE = "Làm việc với Sở Tài chính về quyết toán"


async def _publish(api: object) -> None:
    call = api.call  # type: ignore[attr-defined]
    for title, people, start_at in (
        (MINE, ["chuyenvien"], "2026-12-08T08:00"),
        (NOT_MINE, ["chuyenvien2"], "2026-12-09T08:00"),
    ):
        item = meeting(
            title,
            "giamdoc",
            start_at,
            start_at.replace("08:00", "10:00"),
            participant_ids=people,
            place="Phòng họp tầng 2",
        )
        r = await call("POST", "vanthu", "/api/meetings", json=item)
        assert r.status_code == 201, r.text
        assert (await call("POST", "vanthu", f"/api/meetings/{r.json()['id']}/approve")).status_code == 200
    assert (await call("POST", "vanthu", f"/api/meetings/weeks/{WEEK}/publish")).status_code == 200


def _titles(body: bytes) -> list[str]:
    cal = icalendar.Calendar.from_ical(body)
    return sorted(str(e["SUMMARY"]) for e in cal.walk("VEVENT"))


async def test_a_calendar_app_reads_the_persons_meetings_by_address_only_while_it_is_valid(
    module_hub: StartHub, db_url: str
) -> None:
    hub, api = await start(module_hub, db_url)
    try:
        await _publish(api)
        assert (await api.call("GET", "chuyenvien", "/api/meetings/calendar/subscription")).json() == {
            "active": False,
            "created_at": None,
            "last_read_at": None,
            "path": None,
        }
        made = await api.call("POST", "chuyenvien", "/api/meetings/calendar/subscription")
        assert made.status_code == 201
        path = made.json()["path"]
        token = path.rsplit("/", 1)[1].removesuffix(".ics")

        async with httpx.AsyncClient(
            transport=api.client._transport, base_url="http://lt"
        ) as app:  # no login
            feed = await app.get(path)
            assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
            assert _titles(feed.content) == [MINE]  # hers only, not the other officer's meeting
            assert feed.headers["cache-control"] == "private, max-age=300"

            state = (await api.call("GET", "chuyenvien", "/api/meetings/calendar/subscription")).json()
            assert state["active"] is True and state["last_read_at"] is not None and state["path"] is None
            async with hub.db.session() as s:
                [row] = (await s.scalars(select(FeedToken))).all()
            assert row.user_id == "chuyenvien" and token not in row.token_hash and len(row.token_hash) == 64

            forged = token[:-1] + ("A" if token[-1] != "A" else "B")
            for bad in (forged, "x" * 43, "../../etc/passwd", token[:20]):
                refused = await app.get(f"/public/meetings/lich/{bad}.ics")
                assert refused.status_code == 404 and MINE not in refused.text, bad
            assert (
                "không còn hiệu lực"
                in (await app.get(f"/public/meetings/lich/{forged}.ics")).json()["detail"]
            )

            again = await api.call("POST", "chuyenvien", "/api/meetings/calendar/subscription")
            assert (await app.get(path)).status_code == 404  # the old address stopped at once
            assert (await app.get(again.json()["path"])).status_code == 200

            stopped = await api.call("DELETE", "chuyenvien", "/api/meetings/calendar/subscription")
            assert stopped.json()["active"] is False
            assert (await app.get(again.json()["path"])).status_code == 404
    finally:
        await api.close()
