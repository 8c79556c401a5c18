"""Access to the portal: ops roles, login redirects for pages, the login form's own CSRF token."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, status

from hub.auth import Principal, current_principal
from hub.orgchart import ADMIN, OPERATOR, VIEWER, missing_roles

OPS_READ = (VIEWER, OPERATOR, ADMIN)
OPS_WRITE = (OPERATOR, ADMIN)
OPS_ADMIN = (ADMIN,)
LOGIN_CSRF_COOKIE = "lt_login_csrf"


class LoginRequired(Exception):
    """A page was asked for without a session: send the browser to the login form."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url

    @property
    def location(self) -> str:
        return "/login?next=" + quote(self.next_url, safe="/")


async def page_principal(request: Request) -> Principal:
    """The logged-in person, or a redirect to the login form."""
    try:
        return await current_principal(request)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_401_UNAUTHORIZED:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(target) from None
        raise


def page_roles(*roles: str) -> Any:
    """Dependency for pages: logged in (else redirect) and holding one of the roles (else 403)."""

    async def check(principal: Principal = Depends(page_principal)) -> Principal:
        if not principal.has(*roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN, missing_roles(roles, principal.roles))
        return principal

    return Depends(check)


def safe_next(value: str | None) -> str:
    """Only same-site paths after login (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def new_login_token() -> str:
    return secrets.token_urlsafe(16)
