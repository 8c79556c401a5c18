"""Accounts (admin only): create one with its roles; change roles, activate, reset the password."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hub.auth import Principal
from hub.orgchart import ROLE_LABELS, ROLES
from hub.web import hub_of
from portal.ops import service
from portal.ops.pages.kit import ADMIN, error_text, render, see_other

router = APIRouter(include_in_schema=False)


def _roles(form: FormData) -> list[str]:
    return [str(v) for v in form.getlist("roles")]


@router.get("/users", response_class=HTMLResponse)
async def users(request: Request, principal: Principal = ADMIN) -> HTMLResponse:
    return render(
        request,
        "users.html",
        principal,
        users=await service.list_users(hub_of(request)),
        roles=ROLES,
        role_labels=ROLE_LABELS,
        error=request.query_params.get("error", ""),
        done=request.query_params.get("done", ""),
    )


@router.post("/users", response_model=None)
async def create_user(request: Request, principal: Principal = ADMIN) -> Response:
    form = await request.form()
    try:
        data = service.UserIn(
            username=str(form.get("username", "")).strip(),
            full_name=str(form.get("full_name", "")).strip(),
            password=str(form.get("password", "")),
            roles=_roles(form),
            position=str(form.get("position", "")),
        )
        await service.create_user(hub_of(request), data, principal.username)
    except (ValidationError, service.UserError) as exc:
        return see_other("/users?" + urlencode({"error": error_text(exc)}))
    return see_other("/users?" + urlencode({"done": data.username}))


@router.post("/users/{user_id}", response_model=None)
async def update_user(request: Request, user_id: str, principal: Principal = ADMIN) -> Response:
    form = await request.form()
    try:
        patch = service.UserPatch(
            roles=_roles(form),
            active=form.get("active") == "on",
            password=str(form.get("password") or "") or None,
        )
        await service.update_user(hub_of(request), user_id, patch, principal.username)
    except (ValidationError, service.UserError) as exc:
        return see_other("/users?" + urlencode({"error": error_text(exc)}))
    return see_other("/users?" + urlencode({"done": user_id}))
