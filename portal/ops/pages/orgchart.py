"""The organisation chart (admin only): units, people, delegations, and access changes waiting for a
second administrator."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from hub.auth import Principal
from hub.orgchart import ROLE_LABELS, ROLES
from hub.web import hub_of
from portal.ops import orgchart, service, staffimport
from portal.ops.pages.kit import ADMIN, error_text, render, see_other

router = APIRouter(include_in_schema=False)
PAGE = "/orgchart"


def _text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").strip()


async def _done(action: Awaitable[Any], done: str, anchor: str) -> Response:
    """Run a change and go back to the page with what was done, or with why it was refused."""
    try:
        await action
    except (ValidationError, orgchart.OrgError, ValueError) as exc:
        return see_other(f"{PAGE}?{urlencode({'error': error_text(exc)})}#{anchor}")
    return see_other(f"{PAGE}?{urlencode({'done': done})}#{anchor}")


@router.get(PAGE, response_class=HTMLResponse)
async def page(request: Request, principal: Principal = ADMIN) -> HTMLResponse:
    return await _page(request, principal)


async def _page(
    request: Request,
    principal: Principal,
    imported: staffimport.Imported | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    hub = hub_of(request)
    units = await orgchart.list_units(hub)
    people = await orgchart.list_people(hub)
    return render(
        request,
        "orgchart.html",
        principal,
        units=units,
        unit_names={u["id"]: u["name"] for u in units},
        people=people,
        names={p["id"]: p["full_name"] for p in people},
        pending=await orgchart.pending_changes(hub),
        delegations=await orgchart.list_delegations(hub),
        roles=ROLES,
        role_labels=ROLE_LABELS,
        error=request.query_params.get("error", ""),
        done=request.query_params.get("done", ""),
        imported=imported,
        status_code=status_code,
    )


@router.get(f"{PAGE}/people/mau-nhap-can-bo.xlsx", response_model=None)
async def import_template(principal: Principal = ADMIN) -> Response:
    """The sheet to fill for an import: the column headings and an example row."""
    return Response(
        staffimport.template_xlsx(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="mau-nhap-can-bo.xlsx"'},
    )


@router.post(f"{PAGE}/people/import", response_class=HTMLResponse)
async def import_people(request: Request, principal: Principal = ADMIN) -> HTMLResponse:
    """Import staff from a sheet: everyone or, with every bad row named, nobody."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        result = staffimport.Imported(problems=["Chưa chọn tệp bảng tính (.xlsx)"])
    else:
        data = await upload.read(staffimport.MAX_BYTES + 1)
        result = await staffimport.import_staff(hub_of(request), data, principal.username)
    return await _page(request, principal, imported=result, status_code=400 if result.problems else 200)


async def _save_unit(request: Request, principal: Principal, unit_id: str | None) -> Response:
    form = await request.form()

    async def save() -> None:
        data = orgchart.UnitIn(
            id=unit_id or _text(form, "id"),
            name=_text(form, "name"),
            parent_id=_text(form, "parent_id"),
            head_user_id=_text(form, "head_user_id"),
        )
        await orgchart.save_unit(hub_of(request), data, principal.username, create=unit_id is None)

    return await _done(save(), "unit_saved", "units")


@router.post(f"{PAGE}/units", response_model=None)
async def create_unit(request: Request, principal: Principal = ADMIN) -> Response:
    return await _save_unit(request, principal, None)


@router.post(PAGE + "/units/{unit_id}", response_model=None)
async def update_unit(request: Request, unit_id: str, principal: Principal = ADMIN) -> Response:
    return await _save_unit(request, principal, unit_id)


@router.post(f"{PAGE}/people", response_model=None)
async def create_person(request: Request, principal: Principal = ADMIN) -> Response:
    form = await request.form()

    async def create() -> None:
        data = orgchart.PersonIn(
            username=_text(form, "username"),
            full_name=_text(form, "full_name"),
            password=str(form.get("password") or ""),
            position=_text(form, "position"),
            email=_text(form, "email"),
            phone=_text(form, "phone"),
            unit_id=_text(form, "unit_id"),
            roles=[str(v) for v in form.getlist("roles")],
        )
        await orgchart.create_person(hub_of(request), data, principal.username)

    return await _done(create(), "person_created", "pending")


@router.post(PAGE + "/people/{user_id}", response_model=None)
async def update_person(request: Request, user_id: str, principal: Principal = ADMIN) -> Response:
    form = await request.form()

    async def update() -> None:
        patch = orgchart.PersonPatch(
            full_name=_text(form, "full_name"),
            position=_text(form, "position"),
            email=_text(form, "email"),
            phone=_text(form, "phone"),
            active=form.get("active") == "on",
        )
        await orgchart.update_person(hub_of(request), user_id, patch, principal.username)

    return await _done(update(), "person_saved", "people")


@router.post(PAGE + "/people/{user_id}/access", response_model=None)
async def request_access(request: Request, user_id: str, principal: Principal = ADMIN) -> Response:
    form = await request.form()
    roles = [str(v) for v in form.getlist("roles")]
    change = orgchart.request_access(
        hub_of(request), user_id, _text(form, "unit_id"), roles, principal.username
    )
    return await _done(change, "access_requested", "pending")


@router.post(PAGE + "/changes/{change_id}/{verdict}", response_model=None)
async def decide(request: Request, change_id: int, verdict: str, principal: Principal = ADMIN) -> Response:
    form = await request.form()
    if verdict not in ("confirm", "reject"):
        return see_other(f"{PAGE}#pending")
    decision = orgchart.decide(
        hub_of(request), change_id, principal.username, confirm=verdict == "confirm", note=_text(form, "note")
    )
    return await _done(decision, f"access_{verdict}ed", "pending")


@router.post(f"{PAGE}/delegations", response_model=None)
async def create_delegation(request: Request, principal: Principal = ADMIN) -> Response:
    form = await request.form()

    async def create() -> None:
        data = orgchart.DelegationIn(
            from_user_id=_text(form, "from_user_id"),
            to_user_id=_text(form, "to_user_id"),
            starts_at=service.parse_moment(_text(form, "starts_at")),  # type: ignore[arg-type]
            ends_at=service.parse_moment(_text(form, "ends_at")),  # type: ignore[arg-type]
            note=_text(form, "note"),
        )
        await orgchart.create_delegation(hub_of(request), data, principal.username)

    return await _done(create(), "delegation_saved", "delegations")


@router.post(PAGE + "/delegations/{delegation_id}/delete", response_model=None)
async def end_delegation(request: Request, delegation_id: int, principal: Principal = ADMIN) -> Response:
    return await _done(
        orgchart.end_delegation(hub_of(request), delegation_id, principal.username),
        "delegation_deleted",
        "delegations",
    )
