"""One-time codes: RFC 6238 vectors, a code used once, the secret encrypted at rest, guesses bounded."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from hub import otp
from hub.db import Database
from hub.errors import Conflict, Forbidden
from hub.migrate import aupgrade
from hub.orgchart import User
from hub.settings import Settings

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode().rstrip("=")


def test_rfc_6238_sha1_vectors() -> None:
    for moment, expected in ((59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924")):
        assert otp.hotp(RFC_SECRET, otp.counter_at(moment), digits=8) == expected


def test_codes_are_accepted_once_and_within_one_step() -> None:
    secret = otp.new_secret()
    now = 1_800_000_000.0
    counter = otp.verify(secret, otp.code_at(secret, now), moment=now)
    assert counter == otp.counter_at(now)
    assert otp.verify(secret, otp.code_at(secret, now), counter, moment=now) is None  # replay
    assert otp.verify(secret, otp.code_at(secret, now + 30), counter, moment=now) == counter + 1
    assert otp.verify(secret, otp.code_at(secret, now - 90), moment=now) is None  # too old
    assert otp.verify(secret, "12ab56", moment=now) is None
    assert otp.provisioning_uri(secret, "giamdoc").startswith("otpauth://totp/Lienthong:giamdoc?secret=")


def test_the_sealed_secret_opens_only_for_its_person_and_key() -> None:
    cipher = otp.OtpCipher("khoa-may-chu-" * 4)
    sealed = cipher.seal("giamdoc", RFC_SECRET)
    assert RFC_SECRET not in sealed
    assert cipher.open("giamdoc", sealed) == RFC_SECRET
    assert cipher.open("phogiamdoc", sealed) is None  # copied into another person's row
    assert otp.OtpCipher("another-key-" * 4).open("giamdoc", sealed) is None


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'otp.db'}"
    await aupgrade(url, [])
    database = Database(url)
    async with database.session() as s:
        s.add(User(id="giamdoc", username="giamdoc", full_name="Nguyễn Văn Hùng", password_hash="x"))
    yield database
    await database.dispose()


async def _raw_preferences(db: Database) -> str:
    async with db.session() as s:
        return str(await s.scalar(text("SELECT preferences FROM hub_users WHERE id = 'giamdoc'")))


async def test_enrol_activate_verify_once_with_the_secret_encrypted_at_rest(
    db: Database, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 40)
    cipher = otp.cipher_for(settings)
    async with db.session() as s:
        secret = await otp.enrol(s, cipher, "giamdoc")
    assert secret not in await _raw_preferences(db)  # only the AES-GCM token is stored
    async with db.session() as s:
        assert await otp.pending_secret(s, cipher, "giamdoc") == secret
        assert (await otp.status(s, "giamdoc")).active is False
    with pytest.raises(Forbidden, match="Chưa kích hoạt"):
        async with db.session() as s:
            await otp.verify_once(s, cipher, "giamdoc", otp.code_at(secret))
    async with db.session() as s:
        await otp.activate(s, cipher, "giamdoc", otp.code_at(secret))
        assert await otp.pending_secret(s, cipher, "giamdoc") is None  # never shown once active
    with pytest.raises(Conflict):
        async with db.session() as s:
            await otp.activate(s, cipher, "giamdoc", otp.code_at(secret))
    import time

    code = otp.code_at(secret, time.time() + 30)
    with pytest.raises(Forbidden, match=otp.MISSING):
        async with db.session() as s:
            await otp.verify_once(s, cipher, "giamdoc", "")
    async with db.session() as s:
        await otp.verify_once(s, cipher, "giamdoc", code)
    with pytest.raises(Forbidden, match=otp.WRONG):  # the same code again
        async with db.session() as s:
            await otp.verify_once(s, cipher, "giamdoc", code)
    with pytest.raises(Forbidden, match="Nhập mã xác thực hiện tại"):  # a stolen session cannot re-enrol
        async with db.session() as s:
            await otp.enrol(s, cipher, "giamdoc")
    other = otp.OtpCipher("a-different-server-key-" * 2)
    with pytest.raises(Forbidden, match="Chưa kích hoạt"):  # a database copied without the key
        async with db.session() as s:
            await otp.verify_once(s, other, "giamdoc", otp.code_at(secret, time.time() + 60))


async def test_a_plaintext_secret_of_the_old_staff_pages_is_sealed_on_first_use(
    db: Database, tmp_path: Path
) -> None:
    secret = otp.new_secret()
    async with db.session() as s:
        user = await s.get(User, "giamdoc")
        assert user is not None
        user.preferences = {"staff_totp": {"secret": secret, "active": True, "last": -1}, "theme": "dark"}
    cipher = otp.cipher_for(Settings(data_dir=tmp_path / "data", secret_key="k" * 40))
    async with db.session() as s:
        await otp.verify_once(s, cipher, "giamdoc", otp.code_at(secret))
    stored = json.loads(await _raw_preferences(db))
    assert "staff_totp" not in stored and stored["theme"] == "dark"
    assert secret not in json.dumps(stored)


async def test_wrong_codes_are_counted_one_by_one_and_then_locked(db: Database, tmp_path: Path) -> None:
    cipher = otp.cipher_for(Settings(data_dir=tmp_path / "data", secret_key="k" * 40))
    async with db.session() as s:
        secret = await otp.enrol(s, cipher, "giamdoc")
    async with db.session() as s:
        await otp.activate(s, cipher, "giamdoc", otp.code_at(secret))
    wrong = "000000" if otp.code_at(secret) != "000000" else "111111"
    for _ in range(otp.MAX_ATTEMPTS - 1):  # one by one: each wrong code is told as such
        with pytest.raises(Forbidden, match=otp.WRONG):
            async with otp.counted(db, "giamdoc", wrong), db.session() as s:
                await otp.verify_once(s, cipher, "giamdoc", wrong)

    async def guess() -> str:
        try:
            async with otp.counted(db, "giamdoc", wrong), db.session() as s:
                await otp.verify_once(s, cipher, "giamdoc", wrong)
        except Forbidden as exc:
            return exc.message
        return "accepted"

    answers = await asyncio.gather(*(guess() for _ in range(12)))  # concurrent guesses
    assert answers.count(otp.WRONG) <= 1  # no more codes checked than allowed in all
    assert all(a == otp.WRONG or "tạm khóa" in a for a in answers)
    with pytest.raises(Forbidden, match="tạm khóa"):  # even the right code, for now
        async with otp.counted(db, "giamdoc", otp.code_at(secret)), db.session() as s:
            await otp.verify_once(s, cipher, "giamdoc", otp.code_at(secret))
