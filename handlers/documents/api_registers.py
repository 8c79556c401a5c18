"""Documents API: the registers (sổ văn bản) and the abbreviations of the notation (ký hiệu); staff
read them, the clerk or an administrator changes them (`registers.py`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from handlers.documents import registers
from handlers.documents.api_common import SOURCE, STAFF, ContextDep
from handlers.documents.clock import today
from hub.auth import CurrentPrincipal, require_roles
from hub.orgchart import ADMIN, CLERK
from hub.web import HubDep, transaction

router = APIRouter()
READERS = (*STAFF, ADMIN)
MANAGERS = (CLERK, ADMIN)


class RegisterOut(BaseModel):
    code: str
    name: str
    direction: str = Field(description="in | out")
    direction_label: str
    document_types: list[str]
    confidential: bool
    active: bool
    default: bool = Field(description="The settings' default register of its direction (always active)")
    year: int
    last_number: int = Field(description="The last number given this year (0: none yet)")


class RegisterIn(BaseModel):
    code: str = Field(min_length=2, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    direction: str = Field(pattern="^(in|out)$")
    document_types: list[str] = Field(default_factory=list, max_length=40)
    confidential: bool = False


class RegisterPatch(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    document_types: list[str] | None = Field(default=None, max_length=40)
    active: bool | None = None


class NotationIO(BaseModel):
    agency: str = Field(min_length=1, max_length=20)
    units: dict[str, str] = Field(default_factory=dict, description="Unit id -> abbreviation")


def _year() -> int:
    return today().year


async def _view(hub: HubDep, ctx: ContextDep, code: str) -> RegisterOut:
    async with hub.db.session() as s:
        found = [r for r in await registers.listing(s, ctx.settings, _year()) if r.code == code]
    return RegisterOut.model_validate(found[0], from_attributes=True)


@router.get("/registers", dependencies=[require_roles(*READERS)])
async def list_registers(hub: HubDep, ctx: ContextDep, year: int | None = None) -> list[RegisterOut]:
    """Every register with the last number given in the year (this year by default)."""
    async with hub.db.session() as s:
        found = await registers.listing(s, ctx.settings, year or _year())
    return [RegisterOut.model_validate(r, from_attributes=True) for r in found]


@router.post("/registers", status_code=201, dependencies=[require_roles(*MANAGERS)])
async def open_register(
    request: Request, hub: HubDep, principal: CurrentPrincipal, ctx: ContextDep, body: RegisterIn
) -> RegisterOut:
    """Open a register: it numbers from 1, every year anew."""
    async with transaction(request, SOURCE, principal.id) as work:
        made = await registers.create(
            work.session,
            principal,
            code=body.code,
            name=body.name,
            direction=body.direction,
            document_types=body.document_types,
            confidential=body.confidential,
        )
    return await _view(hub, ctx, made.code)


@router.patch("/registers/{code}", dependencies=[require_roles(*MANAGERS)])
async def change_register(
    request: Request,
    hub: HubDep,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    code: str,
    body: RegisterPatch,
) -> RegisterOut:
    """Rename a register, change its types, close or reopen it; numbers already given stay."""
    async with transaction(request, SOURCE, principal.id) as work:
        await registers.update(
            work.session,
            principal,
            ctx.settings,
            code,
            name=body.name,
            document_types=body.document_types,
            active=body.active,
        )
    return await _view(hub, ctx, code)


@router.get("/notation", dependencies=[require_roles(*READERS)])
async def notation(hub: HubDep, ctx: ContextDep) -> NotationIO:
    """The agency's and each unit's abbreviation in the notation (05/SKHĐT-TH)."""
    async with hub.db.session() as s:
        found = await registers.notation_of(s, ctx.settings)
    return NotationIO(agency=found.agency, units=found.units)


@router.put("/notation", dependencies=[require_roles(*MANAGERS)])
async def set_notation(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, body: NotationIO
) -> NotationIO:
    """Change the abbreviations; the numbers given from now on carry them."""
    async with transaction(request, SOURCE, principal.id) as work:
        found = await registers.set_notation(work.session, principal, ctx.settings, body.agency, body.units)
    return NotationIO(agency=found.agency, units=found.units)
