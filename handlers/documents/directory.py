"""The agencies a draft may be addressed to over the axes: the configured directory (settings
`agencies`) and every agency that sent us a document, found by code or by name with or without
diacritics; and the recipients of a draft checked against it and the organisation chart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from handlers.documents.models import INCOMING, Document
from handlers.documents.rules import fold
from hub.errors import Invalid
from hub.orgchart import Unit, User

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from handlers.documents.context import Context

# Mã định danh: QCVN 102 (000.00.00.H26) or Decision 20/2020 (up to 35 of 0-9, A-Z and dots).
ORGAN_ID = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*$")


@dataclass(frozen=True)
class Listed:
    """One agency of the directory."""

    code: str
    name: str


async def directory(session: AsyncSession, ctx: Context) -> list[Listed]:
    """Every agency known to the directory but this one, by name."""
    known = dict(ctx.settings.agencies)
    rows = await session.execute(
        select(Document.from_code, Document.from_agency)
        .where(Document.direction == INCOMING, Document.from_code.is_not(None))
        .distinct()
    )
    for code, name in rows.all():
        if code:
            known.setdefault(code, name or code)
    known.pop(ctx.agency.code, None)
    return sorted((Listed(c, n) for c, n in known.items()), key=lambda a: (fold(a.name), a.code))


async def find_agencies(session: AsyncSession, ctx: Context, q: str | None) -> list[Listed]:
    """The agencies whose code or name holds every word of `q` (all of them without `q`)."""
    words = fold(q).split()
    return [a for a in await directory(session, ctx) if all(w in fold(f"{a.code} {a.name}") for w in words)]


async def _agency(session: AsyncSession, ctx: Context, code: str, name: str | None) -> dict[str, Any]:
    if code == ctx.agency.code:
        raise Invalid(
            f"{code} là mã định danh của chính cơ quan: gửi nội bộ thì chọn đơn vị hoặc người nhận",
            field="recipients",
        )
    listed = {a.code: a for a in await directory(session, ctx)}.get(code)
    if listed is None and (len(code) > 35 or not ORGAN_ID.match(code)):
        raise Invalid(
            f"“{code}” không có trong danh bạ cơ quan và không phải một mã định danh "
            "(chữ số, chữ in hoa và dấu chấm, như 000.00.00.G22)",
            field="recipients",
        )
    if listed is None and not name:
        raise Invalid(
            f"Mã định danh {code} chưa có trong danh bạ: cần ghi tên cơ quan nhận", field="recipients"
        )
    return {"code": code, "name": name or (listed.name if listed else code)}


async def _internal(session: AsyncSession, recipient: dict[str, Any]) -> dict[str, Any]:
    if unit_id := recipient.get("unit_id"):
        unit = await session.get(Unit, unit_id)
        if unit is None:
            raise Invalid(f"Đơn vị nhận {unit_id!r} không có trong Sở", field="recipients")
        return {"unit_id": unit.id, "name": unit.name}
    user_id = recipient["user_id"]
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise Invalid(f"Người nhận {user_id!r} không có trong danh bạ cán bộ", field="recipients")
    return {"user_id": user.id, "name": user.full_name}


async def check_recipients(
    session: AsyncSession, ctx: Context, recipients: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The recipients as kept: each an agency (code, name), a unit or a person of the agency, once."""
    if not recipients:
        raise Invalid("Cần ít nhất một nơi nhận", field="recipients")
    checked: dict[tuple[str, str], dict[str, Any]] = {}
    for r in recipients:
        kinds = [k for k in ("code", "unit_id", "user_id") if r.get(k)]
        if len(kinds) != 1:
            raise Invalid(
                "Mỗi nơi nhận là một cơ quan (mã định danh), một đơn vị hoặc một người trong cơ quan",
                field="recipients",
            )
        kind = kinds[0]
        key = (kind, str(r[kind]).strip())
        if key in checked:
            continue
        if kind == "code":
            checked[key] = await _agency(session, ctx, key[1], (r.get("name") or "").strip() or None)
        else:
            checked[key] = await _internal(session, {kind: key[1]})
    return list(checked.values())
