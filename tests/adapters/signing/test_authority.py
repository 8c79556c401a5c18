"""Who may sign with which key: the holder of a person's key, a delegate for the period, the seal's clerks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.signing.authority import KeyHolders, refusal
from adapters.signing.settings import SigningSettings
from hub.db import Database
from hub.migrate import aupgrade
from hub.orgchart import Delegation, User
from lienthong.seed import seed_demo

HOLDERS: dict[str, object] = {
    "key_holders": {"leader": "giamdoc", "deputy": "phogiamdoc", "expired": "giamdoc", "revoked": "giamdoc"},
    "seal_holders": {"clerk": "VP"},
}
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'authority.db'}"
    await aupgrade(url, [])
    database = Database(url)
    await seed_demo(database, "mat-khau-1")
    async with database.session() as s:
        s.add(
            Delegation(
                from_user_id="giamdoc",
                to_user_id="truongphongth",
                starts_at=NOW - timedelta(days=1),
                ends_at=NOW + timedelta(days=1),
            )
        )
        s.add(
            Delegation(
                from_user_id="giamdoc",
                to_user_id="truongphongdt",
                starts_at=NOW - timedelta(days=9),
                ends_at=NOW - timedelta(days=2),
            )
        )
        s.add(
            User(
                id="cuvanthu",
                username="cuvanthu",
                full_name="Văn thư cũ",
                unit_id="VP",
                roles=["clerk"],
                password_hash="x",
                active=False,
            )
        )
    yield database
    await database.dispose()


CASES = [
    ("giamdoc", "leader", None),
    ("phogiamdoc", "deputy", None),
    ("phogiamdoc", "leader", "không phải người giữ khóa ký 'leader'"),
    ("truongphongth", "leader", None),  # delegate inside the delegation's period
    ("truongphongdt", "leader", "không được ủy quyền ký thay"),  # the delegation has ended
    ("truongphongth", "deputy", "không phải người giữ khóa ký 'deputy'"),  # delegated by another leader
    ("chuyenvien", "leader", "Vũ Thị Mai (chuyenvien) không phải người giữ khóa"),
    ("vanthu", "clerk", None),
    ("giamdoc", "clerk", "không phải văn thư của đơn vị VP"),
    ("cuvanthu", "clerk", "đã ngừng hoạt động"),
    ("khongco", "leader", "không tồn tại"),
    ("giamdoc", "rogue", "chưa được gán cho người giữ khóa nào"),
]


@pytest.mark.parametrize(("user", "profile", "reason"), CASES)
async def test_who_may_use_which_key(db: Database, user: str, profile: str, reason: str | None) -> None:
    holders = KeyHolders.of(SigningSettings(config=None, **HOLDERS))  # type: ignore[arg-type]
    async with db.session() as s:
        found = await refusal(s, holders, profile, user, NOW)
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found


def test_token_certificates_are_bound_by_fingerprint() -> None:
    fp = "AB:CD:" + "0" * 60
    holders = KeyHolders.of(SigningSettings(config=None, token_certificates={"giamdoc": [fp]}))
    assert holders.certificate_is_bound("giamdoc", "abcd" + "0" * 60)
    assert not holders.certificate_is_bound("phogiamdoc", "abcd" + "0" * 60)
