"""Server-rendered pages of the ops portal (Jinja2), in Vietnamese or English."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from hub.adapter_health import read_all
from hub.auth import CSRF_COOKIE, SESSION_COOKIE, Authenticator, Principal, authenticate
from hub.directory import ROLE_LABELS, ROLES
from hub.dlq import DeadLetterError, dead_letter_dict, list_dead
from hub.runtime import Hub
from portal import charts, queries, service
from portal.catalogue import asyncapi_document, message_types
from portal.health import health, maintenance, set_maintenance
from portal.i18n import LANG_COOKIE, LANGS, lang_of, translate
from portal.security import (
    LOGIN_CSRF_COOKIE,
    OPS_ADMIN,
    OPS_READ,
    OPS_WRITE,
    new_login_token,
    page_principal,
    page_roles,
    safe_next,
)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
REFRESH_SECONDS = 5
STAFF_HOME = "/staff/"

NAV = (
    ("/", "overview", OPS_READ),
    ("/routes", "routes", OPS_READ),
    ("/messages", "messages", OPS_READ),
    ("/dead-letters", "dead_letters", OPS_READ),
    ("/adapters", "adapters", OPS_READ),
    ("/catalogue", "catalogue", OPS_READ),
    ("/audit", "audit", OPS_READ),
    ("/users", "users", OPS_ADMIN),
    ("/settings", "settings", OPS_ADMIN),
)


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _fmt_time(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return queries.aware(value).astimezone(queries.LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S")
    return "" if value is None else str(value)


def _fmt_ms(value: Any) -> str:
    if value is None:
        return "–"
    return f"{float(value):,.1f}".replace(",", " ")


TEMPLATES.env.filters["dt"] = _fmt_time
TEMPLATES.env.filters["ms"] = _fmt_ms
TEMPLATES.env.filters["json"] = lambda v: json.dumps(v, ensure_ascii=False, default=str)
TEMPLATES.env.filters["tojson_pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=2, default=str)


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = lang_of(request)

    def t(key: str, **kw: object) -> str:
        return translate(lang, key, **kw)

    nav = [(href, key) for href, key, roles in NAV if principal is not None and principal.has(*roles)]
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "t": t,
            "lang": lang,
            "principal": principal,
            "csrf": request.cookies.get(CSRF_COOKIE, ""),
            "nav": nav,
            "path": request.url.path,
            "can_act": principal is not None and principal.has(*OPS_WRITE),
            "refresh": REFRESH_SECONDS,
            **context,
        },
        status_code=status_code,
    )


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def build_router() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    reader = page_roles(*OPS_READ)
    actor = page_roles(*OPS_WRITE)
    admin = page_roles(*OPS_ADMIN)

    # -- login, logout, language -------------------------------------------------------------------

    @r.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, next: str = "/") -> HTMLResponse:
        token = new_login_token()
        response = render(request, "login.html", None, next=safe_next(next), login_csrf=token, error="")
        response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=1800, httponly=True, samesite="strict")
        return response

    @r.post("/login", response_model=None)
    async def login_submit(
        request: Request,
        username: str = Form(...),
        password: str = Form(...),
        csrf_token: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        lang = lang_of(request)
        if not expected or csrf_token != expected:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Thiếu hoặc sai mã chống giả mạo (CSRF)")
        try:
            user = await authenticate(request, username.strip(), password)
        except HTTPException as exc:
            key = "locked" if exc.status_code == status.HTTP_423_LOCKED else "login_failed"
            await queries.record_audit(
                _hub(request).db, username.strip()[:120] or "?", "portal.login_failed", "portal", reason=key
            )
            return render(
                request,
                "login.html",
                None,
                status_code=exc.status_code,
                next=safe_next(next),
                login_csrf=expected,
                error=translate(lang, key),
            )
        auth: Authenticator = request.app.state.authenticator
        target = safe_next(next)
        if (
            target == "/"
            and not Principal.of(user).has(*OPS_READ)
            and getattr(request.app.state, "staff", False)
        ):
            target = STAFF_HOME  # staff without an ops role land on their own pages
        response = _see_other(target)
        auth.set_cookies(response, auth.issue(user))
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        await queries.record_audit(_hub(request).db, user.username, "portal.login", "portal")
        return response

    @r.post("/logout")
    async def logout() -> RedirectResponse:
        response = _see_other("/login")
        response.delete_cookie(SESSION_COOKIE)
        response.delete_cookie(CSRF_COOKIE)
        return response

    @r.get("/lang/{code}")
    async def language(code: str, next: str = "/") -> RedirectResponse:
        response = _see_other(safe_next(next))
        if code in LANGS:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax")
        return response

    # -- overview ------------------------------------------------------------------------------------

    async def _overview_context(request: Request) -> dict[str, Any]:
        lang = lang_of(request)
        data = await service.overview(_hub(request))
        series = data.pop("_series")
        data["chart_in_out"] = charts.line_chart(
            series.minutes,
            [
                (translate(lang, "msgs_in"), series.inbound),
                (translate(lang, "msgs_out"), series.outbound),
            ],
            label=translate(lang, "chart_in_out"),
        )
        data["chart_errors"] = charts.line_chart(
            series.minutes,
            [(translate(lang, "error"), series.errors)],
            height=100,
            label=translate(lang, "chart_errors"),
        )
        return data

    @r.get("/", response_class=HTMLResponse, response_model=None)
    async def overview(request: Request, principal: Principal = Depends(page_principal)) -> Response:
        if not principal.has(*OPS_READ):
            if getattr(request.app.state, "staff", False):
                return _see_other(STAFF_HOME)
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"Cần quyền: {', '.join(OPS_READ)}")
        return render(request, "overview.html", principal, d=await _overview_context(request))

    @r.get("/fragments/overview", response_class=HTMLResponse)
    async def overview_fragment(request: Request, principal: Principal = reader) -> HTMLResponse:
        return render(request, "_overview.html", principal, d=await _overview_context(request))

    # -- routes --------------------------------------------------------------------------------------

    @r.get("/routes", response_class=HTMLResponse)
    async def routes(request: Request, hours: float = 24.0, principal: Principal = reader) -> HTMLResponse:
        return render(request, "routes.html", principal, d=await service.routes(_hub(request), hours))

    # -- search and trace ------------------------------------------------------------------------------

    @r.get("/messages", response_class=HTMLResponse)
    async def messages(
        request: Request,
        message_id: str = "",
        issue: str = "",
        correlation_id: str = "",
        user_id: str = "",
        type: str = "",
        since: str = "",
        until: str = "",
        principal: Principal = reader,
    ) -> HTMLResponse:
        error = ""
        results: list[dict[str, Any]] = []
        try:
            f = queries.SearchFilter(
                message_id,
                issue,
                correlation_id,
                user_id,
                type,
                service.parse_moment(since),
                service.parse_moment(until),
            )
            results = await service.search(_hub(request), f)
        except ValueError as exc:
            error = str(exc)
        form = {
            "message_id": message_id,
            "issue": issue,
            "correlation_id": correlation_id,
            "user_id": user_id,
            "type": type,
            "since": since,
            "until": until,
        }
        types = [m["type"] for m in message_types()]
        return render(
            request, "messages.html", principal, form=form, results=results, error=error, types=types
        )

    @r.get("/trace", response_class=HTMLResponse)
    async def trace(request: Request, key: str = "", principal: Principal = reader) -> HTMLResponse:
        rows = await service.trace_of(_hub(request), key) if key.strip() else []
        messages: dict[str, dict[str, Any]] = {}
        for row in rows:
            messages.setdefault(row["message_id"], row)
        return render(
            request,
            "trace.html",
            principal,
            key=key,
            rows=rows,
            messages=list(messages.values()),
            dead=await service.dead_letters_of(_hub(request), list(messages)),
            svg=charts.timeline(rows),
            status_code=200 if rows or not key else 404,
        )

    @r.get("/messages/{message_id}/payload", response_class=HTMLResponse)
    async def payload(request: Request, message_id: str, principal: Principal = reader) -> HTMLResponse:
        found = await service.message_payload(_hub(request), message_id, principal.username)
        return render(request, "payload.html", principal, message_id=message_id, found=found)

    # -- dead letters ------------------------------------------------------------------------------------

    @r.get("/dead-letters", response_class=HTMLResponse)
    async def dead_letters(
        request: Request, status_filter: str = "dead", principal: Principal = reader
    ) -> HTMLResponse:
        rows = await list_dead(_hub(request), None if status_filter == "all" else status_filter, 500)
        return render(
            request,
            "dead_letters.html",
            principal,
            rows=[dead_letter_dict(r) for r in rows],
            status_filter=status_filter,
            done=request.query_params.get("done", ""),
            done_id=request.query_params.get("id", ""),
        )

    @r.get("/dead-letters/{dead_id}", response_class=HTMLResponse)
    async def dead_letter(request: Request, dead_id: int, principal: Principal = reader) -> HTMLResponse:
        try:
            d = await service.dead_letter_detail(_hub(request), dead_id, principal.username)
        except DeadLetterError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        return render(request, "dead_letter.html", principal, d=d, error="", edited="")

    @r.post("/dead-letters/{dead_id}/replay", response_model=None)
    async def replay(
        request: Request,
        dead_id: int,
        payload: str = Form(""),
        principal: Principal = actor,
    ) -> Response:
        hub = _hub(request)
        try:
            edited = service.parse_edited(payload)
            await service.replay(hub, dead_id, principal.username, edited)
        except (service.ReplayError, DeadLetterError) as exc:
            d = await service.dead_letter_detail(hub, dead_id, principal.username)
            return render(
                request,
                "dead_letter.html",
                principal,
                status_code=422,
                d=d,
                error=str(exc),
                edited=payload,
            )
        return _see_other("/dead-letters?" + urlencode({"done": "replayed_ok", "id": dead_id}))

    @r.post("/dead-letters/{dead_id}/discard", response_model=None)
    async def discard(
        request: Request, dead_id: int, note: str = Form(""), principal: Principal = actor
    ) -> Response:
        try:
            await service.discard(_hub(request), dead_id, principal.username, note)
        except DeadLetterError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        return _see_other("/dead-letters?" + urlencode({"done": "discarded_ok", "id": dead_id}))

    # -- adapters, catalogue, audit ------------------------------------------------------------------

    @r.get("/adapters", response_class=HTMLResponse)
    async def adapters(request: Request, principal: Principal = reader) -> HTMLResponse:
        rows = [a.summary() for a in await read_all(_hub(request))]
        return render(request, "adapters.html", principal, rows=rows)

    @r.get("/catalogue", response_class=HTMLResponse)
    async def catalogue(request: Request, principal: Principal = reader) -> HTMLResponse:
        doc = asyncapi_document(_hub(request))
        operations = [
            {"name": name, "action": op.get("action"), "channel": op.get("channel", {}).get("$ref", "")}
            for name, op in doc.get("operations", {}).items()
        ]
        channels = {name: ch.get("address", "") for name, ch in doc.get("channels", {}).items()}
        for op in operations:
            op["address"] = channels.get(op["channel"].rsplit("/", 1)[-1], "")
        return render(
            request, "catalogue.html", principal, types=message_types(), operations=operations, doc=doc
        )

    @r.get("/audit", response_class=HTMLResponse)
    async def audit(
        request: Request, actor_filter: str = "", action: str = "", principal: Principal = reader
    ) -> HTMLResponse:
        rows = await queries.list_audit(_hub(request).db, actor_filter, action, "", 300)
        return render(request, "audit.html", principal, rows=rows, actor=actor_filter, action=action)

    # -- administration ------------------------------------------------------------------------------

    @r.get("/users", response_class=HTMLResponse)
    async def users(request: Request, principal: Principal = admin) -> HTMLResponse:
        return render(
            request,
            "users.html",
            principal,
            users=await service.list_users(_hub(request)),
            roles=ROLES,
            role_labels=ROLE_LABELS,
            error=request.query_params.get("error", ""),
            done=request.query_params.get("done", ""),
        )

    @r.post("/users", response_model=None)
    async def create_user(request: Request, principal: Principal = admin) -> Response:
        form = await request.form()
        try:
            data = service.UserIn(
                username=str(form.get("username", "")).strip(),
                full_name=str(form.get("full_name", "")).strip(),
                password=str(form.get("password", "")),
                roles=[str(v) for v in form.getlist("roles")],
                position=str(form.get("position", "")),
            )
            await service.create_user(_hub(request), data, principal.username)
        except (ValidationError, service.UserError) as exc:
            return _see_other("/users?" + urlencode({"error": _error_text(exc)}))
        return _see_other("/users?" + urlencode({"done": data.username}))

    @r.post("/users/{user_id}", response_model=None)
    async def update_user(request: Request, user_id: str, principal: Principal = admin) -> Response:
        form = await request.form()
        try:
            patch = service.UserPatch(
                roles=[str(v) for v in form.getlist("roles")],
                active=form.get("active") == "on",
                password=str(form.get("password") or "") or None,
            )
            await service.update_user(_hub(request), user_id, patch, principal.username)
        except (ValidationError, service.UserError) as exc:
            return _see_other("/users?" + urlencode({"error": _error_text(exc)}))
        return _see_other("/users?" + urlencode({"done": user_id}))

    @r.get("/settings", response_class=HTMLResponse)
    async def settings(request: Request, principal: Principal = admin) -> HTMLResponse:
        hub = _hub(request)
        return render(
            request,
            "settings.html",
            principal,
            maintenance=await maintenance(hub),
            health=await health(hub, use_cache=False),
            routing_source=hub.routing.source,
        )

    @r.post("/settings", response_model=None)
    async def save_settings(
        request: Request, maintenance_mode: str = Form("off"), principal: Principal = admin
    ) -> Response:
        hub = _hub(request)
        on = maintenance_mode == "on"
        await set_maintenance(hub, on)
        await queries.record_audit(hub.db, principal.username, "settings.maintenance", "portal", on=on)
        return _see_other("/settings")

    return r


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return str(exc)
