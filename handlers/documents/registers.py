"""Registers (sổ đăng ký văn bản) and the abbreviations of the notation (ký hiệu), kept as data the
office's clerk or an administrator changes from the pages.

Numbers run from 1 in each register every calendar year, consecutive and without gaps (`numbering.py`).
An incoming document goes to the default incoming register, or to the confidential one when it carries
a state-secret level and such a register exists. An outgoing document is numbered, when it is issued,
in the active register of its type (and its confidentiality), else in a confidential register for a
secret one, else in the default outgoing register. The default registers (settings
`incoming_register`, `outgoing_register`) always exist and stay active. A changed abbreviation applies
to the numbers given after it; numbers already given keep their notation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from handlers.documents.access import require
from handlers.documents.models import INCOMING, OUTGOING, DocCounter, DocNotation, DocRegister, Document
from handlers.documents.rules import canonical_type
from handlers.documents.secrecy import is_secret
from handlers.documents.trail import audit
from hub.errors import Conflict, Invalid, NotFound
from hub.orgchart import ADMIN, CLERK, Unit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from handlers.documents.settings import DocumentsSettings
    from hub.auth import Principal

MANAGERS = (CLERK, ADMIN)
DIRECTIONS = {INCOMING: "Văn bản đến", OUTGOING: "Văn bản đi"}
DEFAULT_NAMES = {INCOMING: "Sổ văn bản đến", OUTGOING: "Sổ văn bản đi"}
AGENCY = "agency"
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,19}$")


@dataclass
class RegisterView:
    """A register as the pages show it, with the last number given this year."""

    code: str
    name: str
    direction: str
    direction_label: str
    document_types: list[str]
    confidential: bool
    active: bool
    default: bool
    year: int
    last_number: int


@dataclass
class Notation:
    """The agency's abbreviation and each unit's, as printed in ký hiệu (05/SKHĐT-TH)."""

    agency: str
    units: dict[str, str]


def _defaults(settings: DocumentsSettings) -> dict[str, str]:
    return {settings.incoming_register: INCOMING, settings.outgoing_register: OUTGOING}


async def ensure_defaults(session: AsyncSession, settings: DocumentsSettings) -> None:
    """The default registers exist (a deployment may name them in its settings)."""
    for code, direction in _defaults(settings).items():
        if await session.get(DocRegister, code) is None:
            session.add(
                DocRegister(
                    code=code,
                    name=DEFAULT_NAMES[direction],
                    direction=direction,
                    document_types=[],
                    confidential=False,
                    active=True,
                    created_at=datetime.now(UTC),
                )
            )
    await session.flush()


async def listing(session: AsyncSession, settings: DocumentsSettings, year: int) -> list[RegisterView]:
    """Every register, incoming first, defaults first, with this year's last number."""
    await ensure_defaults(session, settings)
    rows = (await session.scalars(select(DocRegister))).all()
    counts = dict(
        (
            await session.execute(
                select(DocCounter.register_code, DocCounter.last).where(DocCounter.year == year)
            )
        )
        .tuples()
        .all()
    )
    defaults = _defaults(settings)
    views = [
        RegisterView(
            code=r.code,
            name=r.name,
            direction=r.direction,
            direction_label=DIRECTIONS.get(r.direction, r.direction),
            document_types=list(r.document_types),
            confidential=r.confidential,
            active=r.active,
            default=r.code in defaults,
            year=year,
            last_number=int(counts.get(r.code, 0)),
        )
        for r in rows
    ]
    return sorted(views, key=lambda v: (v.direction != INCOMING, not v.default, v.name))


def _types(direction: str, names: list[str]) -> list[str]:
    if direction == INCOMING and names:
        raise Invalid(
            "Sổ văn bản đến không chia theo loại văn bản; bỏ chọn loại văn bản", field="document_types"
        )
    known = []
    for name in names:
        canonical = canonical_type(name)
        if canonical is None:
            raise Invalid(f"Loại văn bản không có trong Nghị định 30: «{name}»", field="document_types")
        known.append(canonical)
    return sorted(set(known))


async def _check_overlap(session: AsyncSession, register: DocRegister) -> None:
    """Two active registers of one direction and confidentiality may not claim the same type, and only
    one confidential incoming register may be active: a document must have one register."""
    if not register.active:
        return
    others = (
        await session.scalars(
            select(DocRegister).where(
                DocRegister.code != register.code,
                DocRegister.direction == register.direction,
                DocRegister.confidential == register.confidential,
                DocRegister.active,
            )
        )
    ).all()
    for other in others:
        shared = sorted(set(other.document_types) & set(register.document_types))
        if shared:
            raise Conflict(f"Loại «{shared[0]}» đã được vào sổ «{other.name}»; mỗi loại chỉ thuộc một sổ")
        if register.direction == INCOMING and register.confidential:
            raise Conflict(f"Đã có sổ văn bản đến mật đang dùng: «{other.name}»")


async def create(
    session: AsyncSession,
    actor: Principal,
    *,
    code: str,
    name: str,
    direction: str,
    document_types: list[str],
    confidential: bool,
) -> DocRegister:
    """Open a new register; it numbers from 1."""
    require(actor, *MANAGERS)
    code = code.strip().upper()
    if not CODE.match(code):
        raise Invalid(
            "Mã sổ gồm 2-20 chữ cái không dấu, chữ số, gạch ngang, bắt đầu bằng chữ hoặc số", field="code"
        )
    if direction not in DIRECTIONS:
        raise Invalid("Chọn sổ văn bản đến hoặc văn bản đi", field="direction")
    if not name.strip():
        raise Invalid("Cần tên sổ", field="name")
    if await session.get(DocRegister, code) is not None:
        raise Conflict(f"Đã có sổ mã {code}")
    register = DocRegister(
        code=code,
        name=name.strip(),
        direction=direction,
        document_types=_types(direction, document_types),
        confidential=confidential,
        active=True,
        created_at=datetime.now(UTC),
    )
    await _check_overlap(session, register)
    session.add(register)
    audit(session, actor, "document.register_opened", f"register:{code}", None, _snapshot(register))
    return register


def _snapshot(r: DocRegister) -> dict[str, object]:
    return {
        "name": r.name,
        "types": list(r.document_types),
        "confidential": r.confidential,
        "active": r.active,
    }


async def update(
    session: AsyncSession,
    actor: Principal,
    settings: DocumentsSettings,
    code: str,
    *,
    name: str | None = None,
    document_types: list[str] | None = None,
    active: bool | None = None,
) -> DocRegister:
    """Rename a register, change its types, or close (reopen) it; its numbers stay as given."""
    require(actor, *MANAGERS)
    register = await session.get(DocRegister, code)
    if register is None:
        raise NotFound(f"Không có sổ mã {code}")
    before = _snapshot(register)
    if name is not None:
        if not name.strip():
            raise Invalid("Cần tên sổ", field="name")
        register.name = name.strip()
    if document_types is not None:
        register.document_types = _types(register.direction, document_types)
    if active is not None:
        if not active and code in _defaults(settings):
            raise Conflict("Sổ mặc định luôn dùng, không đóng được")
        register.active = active
    await _check_overlap(session, register)
    audit(session, actor, "document.register_changed", f"register:{code}", before, _snapshot(register))
    return register


async def _active(session: AsyncSession, direction: str, confidential: bool) -> list[DocRegister]:
    rows = await session.scalars(
        select(DocRegister).where(
            DocRegister.direction == direction, DocRegister.active, DocRegister.confidential == confidential
        )
    )
    return list(rows)


async def for_incoming(session: AsyncSession, settings: DocumentsSettings, doc: Document) -> str:
    """The register a document arriving now is entered in."""
    if is_secret(doc.confidentiality):
        secret = await _active(session, INCOMING, True)
        if secret:
            return secret[0].code
    return settings.incoming_register


async def for_outgoing(session: AsyncSession, settings: DocumentsSettings, doc: Document) -> str:
    """The register an outgoing document is numbered in when it is issued."""
    kind = canonical_type(doc.document_type or "Công văn") or "Công văn"
    secret = is_secret(doc.confidentiality)
    candidates = await _active(session, OUTGOING, secret)
    by_type = [r for r in candidates if kind in r.document_types]
    if by_type:
        return by_type[0].code
    if secret:
        untyped = [r for r in candidates if not r.document_types]
        if untyped:
            return untyped[0].code
    return settings.outgoing_register


ABBREVIATION = re.compile(r"^[^\W_]{1,20}$")


def _abbreviation(value: str, field: str) -> str:
    value = value.strip()
    if not ABBREVIATION.match(value):
        raise Invalid(
            f"Chữ viết tắt «{value}»: 1-20 chữ cái hoặc chữ số, không dấu cách, không gạch", field=field
        )
    return value


async def notation_of(session: AsyncSession, settings: DocumentsSettings) -> Notation:
    """The abbreviations in use: the agency's, and each unit's (a unit without one uses its code)."""
    rows = {n.key: n.abbreviation for n in (await session.scalars(select(DocNotation))).all()}
    units = {u.id: rows.get(f"unit:{u.id}", u.id) for u in (await session.scalars(select(Unit))).all()}
    return Notation(agency=rows.get(AGENCY, settings.agency_abbreviation), units=units)


async def set_notation(
    session: AsyncSession, actor: Principal, settings: DocumentsSettings, agency: str, units: dict[str, str]
) -> Notation:
    """Change the abbreviations; numbers given from now on carry them."""
    require(actor, *MANAGERS)
    before = await notation_of(session, settings)
    wanted = {AGENCY: _abbreviation(agency, "agency")}
    for unit_id, value in units.items():
        if unit_id not in before.units:
            raise Invalid(f"Không có đơn vị {unit_id!r}", field="units")
        wanted[f"unit:{unit_id}"] = _abbreviation(value, f"units.{unit_id}")
    for key, value in wanted.items():
        row = await session.get(DocNotation, key)
        if row is None:
            session.add(
                DocNotation(key=key, abbreviation=value, updated_by=actor.id, updated_at=datetime.now(UTC))
            )
        elif row.abbreviation != value:
            row.abbreviation, row.updated_by, row.updated_at = value, actor.id, datetime.now(UTC)
    await session.flush()
    after = await notation_of(session, settings)
    audit(
        session,
        actor,
        "document.notation_changed",
        "notation",
        {"agency": before.agency, "units": before.units},
        {"agency": after.agency, "units": after.units},
    )
    return after
