"""What every ops page shares: the templates and their filters, the menu by role, redirects, role checks."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from hub.auth import CSRF_COOKIE, Principal
from portal.ops import queries
from portal.ops.i18n import lang_of, translate
from portal.ops.security import OPS_ADMIN, OPS_READ, OPS_WRITE, page_roles

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parents[1] / "templates"))
REFRESH_SECONDS = 5
STAFF_HOME = "/staff/"

# href, text key, roles that see it in the menu
NAV = (
    ("/", "overview", OPS_READ),
    ("/routes", "routes", OPS_READ),
    ("/messages", "messages", OPS_READ),
    ("/dead-letters", "dead_letters", OPS_READ),
    ("/refusals", "refusals", OPS_READ),
    ("/adapters", "adapters", OPS_READ),
    ("/simulator-inbox", "simulator_inbox", OPS_READ),
    ("/catalogue", "catalogue", OPS_READ),
    ("/audit", "audit", OPS_READ),
    ("/users", "users", OPS_ADMIN),
    ("/orgchart", "orgchart", OPS_ADMIN),
    ("/signing-certificates", "certificates", OPS_ADMIN),
    ("/settings", "settings", OPS_ADMIN),
)

# Dependencies of the pages: logged in (else the login form) and holding an ops role (else 403).
READER = page_roles(*OPS_READ)
ACTOR = page_roles(*OPS_WRITE)
ADMIN = page_roles(*OPS_ADMIN)


def fmt_time(value: Any) -> str:
    """A moment (datetime or ISO text) in Hanoi time, dd/mm/yyyy HH:MM:SS."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return queries.aware(value).astimezone(queries.LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S")
    return "" if value is None else str(value)


def fmt_ms(value: Any) -> str:
    """Milliseconds with one decimal and a thin thousands separator; a dash when unknown."""
    if value is None:
        return "–"
    return f"{float(value):,.1f}".replace(",", " ")


TEMPLATES.env.filters["dt"] = fmt_time
TEMPLATES.env.filters["ms"] = fmt_ms
TEMPLATES.env.filters["json"] = lambda v: json.dumps(v, ensure_ascii=False, default=str)
TEMPLATES.env.filters["tojson_pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=2, default=str)


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render an ops page in the visitor's language with the menu of their roles."""
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


def see_other(url: str) -> RedirectResponse:
    """The redirect after a form (303: the browser follows with a GET)."""
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def staff_mounted(request: Request) -> bool:
    """Whether the app serves the staff interface (lienthong.web sets it when portal.staff loads)."""
    return bool(getattr(request.app.state, "staff", False))


def error_text(exc: Exception) -> str:
    """A form's error in one line: pydantic's field errors joined, or the exception's text."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return str(exc)
