"""Receipt codes: what a citizen keeps to look a case up, with the phone or e-mail given with it.

`DT-XXXX-XXXX`, eight characters from an alphabet without 0/O and 1/I/L (read aloud, typed on a phone):
about 40 bits, and useless without the contact. A wrong code and a wrong contact get the same refusal.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints.models import Case
from hub.errors import NotFound

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code() -> str:
    """A receipt code the citizen keeps to look the case up (with their phone or e-mail): DT-XXXX-XXXX."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"DT-{chars[:4]}-{chars[4:]}"


def normal_code(text: str) -> str:
    """A typed receipt code in its stored form (upper case, dashes where they belong)."""
    chars = re.sub(r"[^0-9A-Z]", "", text.upper())
    chars = chars[2:] if chars.startswith("DT") else chars
    return f"DT-{chars[:4]}-{chars[4:]}"


def same_contact(c: Case, contact: str) -> bool:
    """The phone number (last 9 digits, so 0903... and +84903... match) or e-mail given with the case."""
    given = contact.strip()
    if "@" in given:
        return bool(c.submitter_email) and secrets.compare_digest(
            given.lower().encode(), (c.submitter_email or "").strip().lower().encode()
        )
    digits = re.sub(r"\D", "", given)
    mine = re.sub(r"\D", "", c.submitter_phone or "")
    return len(digits) >= 9 and len(mine) >= 9 and secrets.compare_digest(digits[-9:], mine[-9:])


async def find(session: AsyncSession, code: str, contact: str) -> Case:
    """The case a citizen looks up with its receipt code and their phone or e-mail; one refusal for
    a wrong code and a wrong contact alike, so neither can be guessed separately."""
    c = (
        await session.execute(select(Case).where(Case.receipt_code == normal_code(code)))
    ).scalar_one_or_none()
    if c is None or not same_contact(c, contact):
        raise NotFound("Không tìm thấy đơn với mã tiếp nhận và số điện thoại hoặc thư điện tử đã nhập")
    return c


async def fresh_code(session: AsyncSession) -> str:
    """A receipt code no case has yet."""
    while True:
        code = new_code()
        if (await session.execute(select(Case.id).where(Case.receipt_code == code))).first() is None:
            return code
