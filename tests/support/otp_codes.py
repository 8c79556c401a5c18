"""One-time codes for tests: enrol and activate a person's codes, then hand out codes never used before."""

from __future__ import annotations

import asyncio

from hub import otp
from hub.runtime import Hub


async def one_time_code(hub: Hub, username: str, codes: dict[str, tuple[str, int]]) -> str:
    """Enrol and activate the person's one-time codes once, then hand out codes never used before."""
    cipher = otp.cipher_for(hub.settings)
    if username not in codes:
        async with hub.db.session() as s:
            secret = await otp.enrol(s, cipher, username)
        first = otp.counter_at() - 1
        async with hub.db.session() as s:
            await otp.activate(s, cipher, username, otp.hotp(secret, first))
        codes[username] = (secret, first)
    secret, last = codes[username]
    counter = max(last + 1, otp.counter_at() - 1)
    while counter > otp.counter_at() + 1:  # every code of the drift window was used: wait for the next step
        await asyncio.sleep(1)
    codes[username] = (secret, counter)
    return otp.hotp(secret, counter)
