"""Staff and operator authentication: argon2 passwords, signed session cookies, CSRF, roles, lockout.

Module routers depend on `current_principal` / `require_roles(...)`; the portal mounts `auth_router`.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pydantic import BaseModel

from hub.directory import Delegation, User

SESSION_COOKIE = "lt_session"
CSRF_COOKIE = "lt_csrf"
CSRF_HEADER = "X-CSRF-Token"
SESSION_MAX_AGE = 12 * 3600
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def load_secret(data_dir: Path, configured: str | None = None) -> str:
    """The signing secret: configured (env or file), else generated once into the data folder."""
    if configured:
        return configured
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


class Principal(BaseModel):
    """Who is calling: the staff member behind a request."""

    id: str
    username: str
    full_name: str
    position: str = ""
    unit_id: str | None = None
    roles: frozenset[str] = frozenset()
    via: str = "cookie"
    acting_for: tuple[str, ...] = ()  # leaders whose roles this person holds by delegation (ủy quyền)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @classmethod
    def of(cls, user: User, via: str = "cookie") -> Principal:
        return cls(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            position=user.position,
            unit_id=user.unit_id,
            roles=frozenset(user.roles),
            via=via,
        )


class Authenticator:
    """Issues and checks session tokens; one per app."""

    def __init__(self, secret: str, secure_cookies: bool = False) -> None:
        self._tokens = URLSafeTimedSerializer(secret, salt="lienthong-session")
        self.secure_cookies = secure_cookies

    def issue(self, user: User) -> str:
        return self._tokens.dumps({"uid": user.id, "csrf": secrets.token_urlsafe(16)})

    def read(self, token: str) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = self._tokens.loads(token, max_age=SESSION_MAX_AGE)
        except (BadSignature, SignatureExpired):
            return None
        return data

    def set_cookies(self, response: Response, token: str) -> None:
        data = self.read(token) or {}
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=SESSION_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
        )
        response.set_cookie(
            CSRF_COOKIE,
            data.get("csrf", ""),
            max_age=SESSION_MAX_AGE,
            httponly=False,
            samesite="strict",
            secure=self.secure_cookies,
        )


async def authenticate(request: Request, username: str, password: str) -> User:
    """Check a username and password, locking the account after repeated failures."""
    from sqlalchemy import select

    hub = request.app.state.hub
    now = datetime.now(UTC)
    refusal: HTTPException | None = None
    async with hub.db.session() as s:  # commits the failure count even when the login is refused
        user = (await s.execute(select(User).where(User.username == username))).scalar_one_or_none()
        if user is None or not user.active:
            _hasher.hash(password)  # same work whether or not the user exists
            refusal = HTTPException(status.HTTP_401_UNAUTHORIZED, "Tên đăng nhập hoặc mật khẩu không đúng")
        elif user.locked_until is not None and _aware(user.locked_until) > now:
            refusal = HTTPException(status.HTTP_423_LOCKED, "Tài khoản tạm khóa do đăng nhập sai nhiều lần")
        elif not verify_password(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
            refusal = HTTPException(status.HTTP_401_UNAUTHORIZED, "Tên đăng nhập hoặc mật khẩu không đúng")
        else:
            user.failed_logins = 0
            user.locked_until = None
    if refusal is not None or user is None:
        raise refusal or HTTPException(status.HTTP_401_UNAUTHORIZED)
    found: User = user
    return found


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def current_principal(request: Request) -> Principal:
    """The authenticated staff member; 401 without a valid session, 403 on a missing CSRF token."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    auth: Authenticator = request.app.state.authenticator
    header = request.headers.get("Authorization", "")
    via = "bearer" if header.startswith("Bearer ") else "cookie"
    token = header[7:] if via == "bearer" else request.cookies.get(SESSION_COOKIE, "")
    data = auth.read(token) if token else None
    if data is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Chưa đăng nhập", headers={"WWW-Authenticate": "Bearer"}
        )
    if via == "cookie" and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or (await _form_csrf(request))
        if not sent or not secrets.compare_digest(sent, data.get("csrf", "")):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Thiếu hoặc sai mã chống giả mạo (CSRF)")
    async with request.app.state.hub.db.session() as s:
        user = await s.get(User, data["uid"])
        if user is None or not user.active:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Tài khoản không còn hiệu lực")
        principal = Principal.of(user, via)
        delegated = await _delegated_roles(s, user.id)
    if delegated:
        principal = principal.model_copy(
            update={
                "roles": principal.roles | frozenset(r for _, roles in delegated for r in roles),
                "acting_for": tuple(uid for uid, _ in delegated),
            }
        )
    request.state.principal = principal
    return principal


async def _delegated_roles(session: Any, user_id: str) -> list[tuple[str, list[str]]]:
    """Roles held by delegation now: a deputy acts with the delegating leader's roles for the period."""
    from sqlalchemy import select

    now = datetime.now(UTC)
    rows = (await session.execute(select(Delegation).where(Delegation.to_user_id == user_id))).scalars().all()
    held = []
    for row in rows:
        if _aware(row.starts_at) <= now <= _aware(row.ends_at):
            leader = await session.get(User, row.from_user_id)
            if leader is not None and leader.active:
                held.append((leader.id, list(leader.roles)))
    return held


async def _form_csrf(request: Request) -> str | None:
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Any:
    """Dependency: the caller must hold at least one of the roles (403 otherwise)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has(*roles):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"Cần quyền: {', '.join(roles)}; "
                f"tài khoản có: {', '.join(sorted(principal.roles)) or 'không'}",
            )
        return principal

    return Depends(check)


class LoginForm(BaseModel):
    username: str
    password: str


auth_router = APIRouter(prefix="/auth", tags=["auth"])


@auth_router.post("/login")
async def login(request: Request, response: Response, form: LoginForm) -> dict[str, Any]:
    """Log in with username and password; sets the session and CSRF cookies, returns a bearer token too."""
    user = await authenticate(request, form.username, form.password)
    auth: Authenticator = request.app.state.authenticator
    token = auth.issue(user)
    auth.set_cookies(response, token)
    data = auth.read(token) or {}
    return {"token": token, "csrf": data.get("csrf"), "user": Principal.of(user).model_dump(mode="json")}


@auth_router.post("/logout")
async def logout(response: Response) -> dict[str, bool]:
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return {"ok": True}


@auth_router.get("/me")
async def me(principal: CurrentPrincipal) -> Principal:
    return principal
