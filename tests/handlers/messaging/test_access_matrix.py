"""Messaging's walls, endpoint by endpoint: every role of the sender's unit (TH) and of another unit
(DNDT), a leader and the administrator, for every read and change of /api/messages.

A message is its sender's and its recipients' only: anyone else (a leader included) is told it does
not exist; only the sender reads its receipts; an officer writes to their own unit only, and to a
group only as its member. Refusals answer 403 or 404 with a reason and change nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from handlers.messaging import MessagingModule
from handlers.messaging.models import Group, Message, Recipient
from hub.runtime import Hub
from tests.handlers.timekeeping.harness import (
    CAST,
    Api,
    StartHub,
    add_cast,
    by_role,
    check_reads,
    check_refusals,
    everyone_but,
)

MS = "/api/messages"


async def state_of(hub: Hub) -> tuple[Any, ...]:
    """Everything a messaging change could touch: messages, who got them and when they read them."""
    async with hub.db.session() as s:
        messages = int(await s.scalar(select(func.count()).select_from(Message)) or 0)
        receipts = [
            (r.message_id, r.user_id, r.read_at)
            for r in (
                await s.execute(select(Recipient).order_by(Recipient.message_id, Recipient.user_id))
            ).scalars()
        ]
        groups = int(await s.scalar(select(func.count()).select_from(Group)) or 0)
    return messages, receipts, groups


async def test_every_role_of_both_units_on_every_endpoint(module_hub: StartHub) -> None:
    hub = await module_hub([MessagingModule()], ["handlers.messaging"])
    await add_cast(hub)
    api = Api(hub)

    async def state() -> tuple[Any, ...]:
        return await state_of(hub)

    try:
        # a private message from the subject to her unit head
        r = await api.call(
            "POST", CAST["owner"], MS, json={"recipients": ["truongphongth"], "subject": "Xin ý kiến"}
        )
        assert r.status_code == 201, r.text
        mid = r.json()["id"]
        one = f"{MS}/{mid}"

        # -- reading it: its sender and its recipient only ----------------------------------------------
        await check_refusals(api, "GET", one, everyone_but("owner", "head", code=404), state)
        await check_refusals(api, "POST", f"{one}/read", everyone_but("head", code=404), state)
        await check_refusals(
            api,
            "GET",
            f"{one}/receipts",
            {**everyone_but("owner", "head", code=404), **by_role(head=403)},
            state,
        )
        for role, user in CAST.items():
            inbox = (await api.call("GET", user, f"{MS}/inbox")).json()["items"]
            assert (mid in [m["id"] for m in inbox]) == (role == "head"), role
            sent = (await api.call("GET", user, f"{MS}/sent")).json()["items"]
            assert (mid in [m["id"] for m in sent]) == (role == "owner"), role
            unread = (await api.call("GET", user, f"{MS}/unread-count")).json()["unread"]
            assert unread == (1 if role == "head" else 0), role
        await check_reads(api, one, by_role(owner=200, head=200))
        receipts = (await api.call("GET", CAST["owner"], f"{one}/receipts")).json()
        assert [x["user_id"] for x in receipts["read"]] == ["truongphongth"]

        # -- writing to a unit: an officer or clerk to their own only -----------------------------------
        to_other_unit = {"kind": "unit", "unit_id": "DNDT", "subject": "Gửi phòng bạn"}
        writers = ("leader", "head", "other_head", "other_officer", "other_clerk")
        refused = everyone_but(*writers, code=403)
        await check_refusals(api, "POST", MS, refused, state, json=to_other_unit)
        # a notice (with read receipts) is a leader's
        notice = {"kind": "notice", "subject": "Thông báo toàn Sở"}
        await check_refusals(api, "POST", MS, everyone_but("leader", code=403), state, json=notice)

        # -- groups: one writes to a group only as its member -------------------------------------------
        r = await api.call(
            "POST", CAST["owner"], f"{MS}/groups", json={"name": "Tổ FDI", "members": ["cvth2"]}
        )
        assert r.status_code == 201, r.text
        gid = r.json()["id"]
        for role, user in CAST.items():
            mine = (await api.call("GET", user, f"{MS}/groups/mine")).json()["items"]
            assert (gid in [g["id"] for g in mine]) == (role in ("owner", "peer")), role
        to_group = {"kind": "group", "group_id": gid, "subject": "Họp tổ"}
        await check_refusals(api, "POST", MS, everyone_but("owner", "peer", code=403), state, json=to_group)
        r = await api.call("POST", CAST["peer"], MS, json=to_group)
        assert r.status_code == 201 and r.json()["recipients"] == ["chuyenvien"], r.text
    finally:
        await api.close()
