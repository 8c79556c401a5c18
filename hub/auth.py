"""Staff and operator authentication: argon2 passwords, signed session cookies, CSRF, roles, throttling.

Module routers depend on `current_principal` / `require_roles(...)`; the portal mounts `auth_router`.

Sessions: a token carries the account's session version and a stamp of its password hash; logging out
bumps the version and any password change alters the stamp, so either ends every session of the person
at once (checked on every request).

Login throttling (`LoginThrottle` rows, shared by every process): each attempt is claimed with one
atomic upsert before the password is checked, per account name and per client address. An account name
gets `ACCOUNT.free` attempts, then each further one waits a short, growing delay (capped, so a stranger
cannot keep a leader out for long); an address gets `ADDRESS.free` failures, then much longer waits.
Unknown names are counted exactly like real accounts and answered with the same words and statuses.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Table, case, delete, event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.models import LoginThrottle
from hub.orgchart import Delegation, User, missing_roles
from kit.ratelimit import retry_header, vn_wait

SESSION_COOKIE = "lt_session"
CSRF_COOKIE = "lt_csrf"
CSRF_HEADER = "X-CSRF-Token"
SESSION_MAX_AGE = 12 * 3600
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
        self._stamp_key = hashlib.sha256(b"lienthong-password-stamp\x00" + secret.encode()).digest()
        self.secure_cookies = secure_cookies

    def issue(self, user: User) -> str:
        """A token for the user's current session version and password."""
        return self._tokens.dumps(
            {
                "uid": user.id,
                "csrf": secrets.token_urlsafe(16),
                "sv": user.session_version or 0,
                "pw": self.stamp(user.password_hash),
            }
        )

    def stamp(self, password_hash: str) -> str:
        """A keyed digest of the password hash: it changes with the password, and reveals nothing of it."""
        return hmac.new(self._stamp_key, password_hash.encode(), hashlib.sha256).hexdigest()[:24]

    def current(self, data: dict[str, Any], user: User) -> bool:
        """Whether a token's session is still the user's: not logged out since, password unchanged."""
        return data.get("sv") == (user.session_version or 0) and secrets.compare_digest(
            str(data.get("pw", "")), self.stamp(user.password_hash)
        )

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


@dataclass(frozen=True)
class Throttle:
    """How many attempts are checked freely, then how much longer each further one waits (seconds)."""

    scope: str
    free: int
    step: float
    cap: float
    forget: float = 3600.0  # failures are forgotten after this long without an attempt

    def delay(self, failures: int) -> float:
        """The wait after the `failures`-th claimed attempt before the next may be checked."""
        return 0.0 if failures < self.free else min(self.cap, self.step * (failures - self.free + 1))

    def key(self, value: str) -> str:
        return hashlib.sha256(f"{self.scope}\x00{value}".encode()).hexdigest()


ACCOUNT = Throttle("account", free=5, step=5.0, cap=300.0)  # short and growing: 5 s, 10 s, ... 5 min
ADDRESS = Throttle("address", free=20, step=60.0, cap=3600.0)  # one attacker's address: long waits
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng"  # the same for every wrong name or password
THROTTLED = "Đăng nhập sai nhiều lần. Vui lòng thử lại sau {wait}."


async def claim_attempt(db: Any, throttle: Throttle, value: str, now: float | None = None) -> float:
    """Claim one login attempt in one atomic upsert: 0 when it may be checked now, else the seconds to
    wait (nothing is counted then). Concurrent claims cannot all pass: each sees the others' counts."""
    moment = time.time() if now is None else now
    key = throttle.key(value)
    table = cast(Table, LoginThrottle.__table__)
    async with db.session() as s:
        insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
        stale = table.c.last_at < moment - throttle.forget
        failures = case((stale, 1), else_=table.c.failures + 1)
        grown = throttle.step * (failures - throttle.free + 1)
        capped = case((grown > throttle.cap, throttle.cap), else_=grown)
        waits: ColumnElement[Any] = case((failures < throttle.free, 0.0), else_=moment + capped)
        statement = (
            insert(table)
            .values(key=key, failures=1, last_at=moment, next_at=_next(throttle, 1, moment))
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={"failures": failures, "last_at": moment, "next_at": waits},
                where=(table.c.next_at <= moment) | stale,
            )
            .returning(table.c.failures)
        )
        claimed = (await s.execute(statement)).first()
        if claimed is not None:
            return 0.0
        next_at = (await s.execute(select(table.c.next_at).where(table.c.key == key))).scalar_one()
    return max(1.0, float(next_at) - moment)


def _next(throttle: Throttle, failures: int, now: float) -> float:
    delay = throttle.delay(failures)
    return now + delay if delay else 0.0


async def forgive_attempt(db: Any, throttle: Throttle, value: str, *, entirely: bool) -> None:
    """After a successful login: the account's count is cleared; the address gets its one claim back."""
    table = cast(Table, LoginThrottle.__table__)
    key = throttle.key(value)
    async with db.session() as s:
        if entirely:
            await s.execute(delete(table).where(table.c.key == key))
        else:
            lower = case((table.c.failures > 0, table.c.failures - 1), else_=0)
            await s.execute(update(table).where(table.c.key == key).values(failures=lower))


async def accounts_waiting(db: Any, usernames: list[str], now: float | None = None) -> dict[str, datetime]:
    """The accounts whose next login attempt must wait (too many wrong guesses), and until when."""
    moment = time.time() if now is None else now
    keys = {ACCOUNT.key(name.strip().lower()): name for name in usernames}
    table = cast(Table, LoginThrottle.__table__)
    async with db.session() as s:
        rows = await s.execute(
            select(table.c.key, table.c.next_at).where(table.c.key.in_(keys), table.c.next_at > moment)
        )
        return {keys[key]: datetime.fromtimestamp(next_at, UTC) for key, next_at in rows}


async def forgive_account(db: Any, username: str) -> None:
    """An administrator's reset: the account's wrong guesses are forgotten (its address's are kept)."""
    await forgive_attempt(db, ACCOUNT, username.strip().lower(), entirely=True)


def _throttled(wait: float) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        THROTTLED.format(wait=vn_wait(wait)),
        headers={"Retry-After": retry_header(wait)},
    )


def client_of(request: Request) -> str:
    """The caller's address (the trusted-proxy middleware has already replaced a proxy's own)."""
    return request.client.host if request.client else "unknown"


async def authenticate(request: Request, username: str, password: str) -> User:
    """Check a username and password behind the per-address and per-account throttles.

    Refusals: 429 while throttled, 401 otherwise; the words, the statuses and the bookkeeping are the
    same whether or not the account exists."""
    hub = request.app.state.hub
    name = username.strip().lower()
    address = client_of(request)
    for throttle, value in ((ADDRESS, address), (ACCOUNT, name)):
        wait = await claim_attempt(hub.db, throttle, value)
        if wait > 0:
            raise _throttled(wait)
    async with hub.db.session() as s:
        user: User | None = (
            await s.execute(select(User).where(User.username == username))
        ).scalar_one_or_none()
        if user is None or not user.active:
            await asyncio.to_thread(_hasher.hash, password)  # same work whether or not the user exists
            user = None
        elif not await asyncio.to_thread(verify_password, user.password_hash, password):
            user = None
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, WRONG)
    await forgive_attempt(hub.db, ACCOUNT, name, entirely=True)
    await forgive_attempt(hub.db, ADDRESS, address, entirely=False)
    return user


async def end_sessions(db: Any, user_id: str) -> None:
    """End every session of a person (logout): tokens of the older session version are refused."""
    async with db.session() as s:
        await s.execute(
            update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
        )


async def log_out(request: Request) -> None:
    """End the caller's sessions when the request carries a valid one; nothing otherwise."""
    try:
        principal = await current_principal(request)
    except HTTPException:
        return
    await end_sessions(request.app.state.hub.db, principal.id)


@event.listens_for(User.password_hash, "set", active_history=True)
def _password_changed(target: User, value: str, old: Any, _initiator: Any) -> None:
    """A changed password also moves the session version (the token's password stamp already differs)."""
    if isinstance(old, str) and old != value:
        target.session_version = (target.session_version or 0) + 1


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
        if not auth.current(data, user):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Phiên đăng nhập đã kết thúc, vui lòng đăng nhập lại",
                headers={"WWW-Authenticate": "Bearer"},
            )
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
            raise HTTPException(status.HTTP_403_FORBIDDEN, missing_roles(roles, principal.roles))
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
async def logout(request: Request, response: Response) -> dict[str, bool]:
    """End every session of the caller (all devices), and drop this browser's cookies."""
    await log_out(request)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return {"ok": True}


@auth_router.get("/me")
async def me(principal: CurrentPrincipal) -> Principal:
    return principal
