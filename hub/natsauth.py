"""Least-privilege NATS users from ops/nats/permissions.yaml: the production accounts block, and the
generated credentials of the embedded server (`lienthong up`), which uses the very same permissions."""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import yaml

DEFAULT_SOURCE = Path(__file__).resolve().parent.parent / "ops" / "nats" / "permissions.yaml"
HUB_USER = "hub"
SYSTEM_USER = "sys"
PASSWORDS_FILE = "passwords.json"
ACCOUNTS_FILE = "accounts.conf"
# nats-server parses a variable's value like a config value: a letter first, then letters and digits
_SAFE_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9]{23,}$")


def _list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def _spec(source: Path) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    return spec


def password_variable(user: str) -> str:
    """The variable nats-server resolves for the user's password: LT_<USER>_PASSWORD."""
    return f"LT_{user.upper()}_PASSWORD"


def user_names(source: Path = DEFAULT_SOURCE) -> list[str]:
    """Every user the accounts block defines, the system account's included."""
    return [*_spec(source)["users"], SYSTEM_USER]


def render(source: Path = DEFAULT_SOURCE) -> str:
    """The nats-server `accounts` block with one user per module group."""
    spec = _spec(source)
    api: list[str] = spec["worker_api"]
    lines = [
        "# Generated from ops/nats/permissions.yaml by `lienthong ops nats-auth`; do not edit by hand.",
        "# Passwords come from the environment: nats-server resolves $LT_<USER>_PASSWORD.",
        "accounts {",
        f"  {spec['account']} {{",
        "    jetstream: enabled",
        "    users = [",
    ]
    for name, user in spec["users"].items():
        password = f"${password_variable(name)}"
        lines.append(f"      # {user.get('description', name)}")
        if user.get("full_access"):
            lines.append(f"      {{ user: {name}, password: {password} }}")
            continue
        if "api_only" in user:
            publish = list(user["api_only"])
            subscribe = ["_INBOX.>"]
        else:
            publish = api + list(user["publish"])
            subscribe = ["_INBOX.>", "$O.lt-content.>"]
        deny = list(user.get("deny_publish", []))
        denied = f", deny: {_list(deny)}" if deny else ""
        lines.append(
            f"      {{ user: {name}, password: {password}, permissions: {{ "
            f"publish: {{ allow: {_list(publish)}{denied} }}, "
            f"subscribe: {{ allow: {_list(subscribe)} }} }} }}"
        )
    lines += [
        "    ]",
        "  }",
        f"  SYS {{ users = [ {{ user: {SYSTEM_USER}, password: ${password_variable(SYSTEM_USER)} }} ] }}",
        "}",
        "system_account: SYS",
        "",
    ]
    return "\n".join(lines)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (0600), atomically: never visible half-written or wider."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def new_password() -> str:
    """A random password nats-server reads back unchanged from its environment (192 bits)."""
    return "p" + secrets.token_hex(24)


def _read_passwords(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str) and _SAFE_PASSWORD.match(v)}


@dataclass(frozen=True)
class LocalCredentials:
    """The generated passwords of the users of a server this machine runs (the embedded one).

    Kept in `folder` (0700): `passwords.json` (0600) and the accounts block rendered from the same
    permissions.yaml as production (no secret in it: nats-server reads the passwords from its
    environment). A restart reuses the passwords; a user the permissions add gets a new one.
    """

    folder: Path
    passwords: dict[str, str]
    account: str
    """The account of the module users (production's), which holds the streams."""

    @classmethod
    def ensure(cls, folder: Path, source: Path = DEFAULT_SOURCE) -> LocalCredentials:
        """Load the folder's passwords, generating the missing ones, and render the accounts block."""
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        path = folder / PASSWORDS_FILE
        existing = _read_passwords(path)
        passwords = {user: existing.get(user) or new_password() for user in user_names(source)}
        if passwords != existing or not path.exists():
            write_private(path, json.dumps(passwords, indent=2) + "\n")
        os.chmod(path, 0o600)
        write_private(folder / ACCOUNTS_FILE, render(source))
        return cls(folder, passwords, str(_spec(source)["account"]))

    @property
    def config_file(self) -> Path:
        return self.folder / ACCOUNTS_FILE

    def environment(self) -> dict[str, str]:
        """The variables nats-server resolves in the accounts block."""
        return {password_variable(user): password for user, password in self.passwords.items()}

    def url(self, base: str, user: str = HUB_USER) -> str:
        """`base` (nats://host:port) with the user's credentials in it."""
        return with_credentials(base, user, self.passwords[user])


def with_credentials(url: str, user: str, password: str) -> str:
    """The URL with user and password in its authority (any it had replaced)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def redact(url: str) -> str:
    """The URL without the credentials it may carry (for logs and messages)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def split_credentials(servers: list[str]) -> tuple[list[str], dict[str, str]]:
    """Server URLs without credentials, and the first credentials found as nats.connect options.

    Passing them as options rather than in the URL keeps them out of `connected_url`, which pages
    and health checks show.
    """
    plain: list[str] = []
    options: dict[str, str] = {}
    for server in servers:
        parts = urlsplit(server)
        if "@" in parts.netloc and not options:
            if parts.password is not None:
                options = {"user": unquote(parts.username or ""), "password": unquote(parts.password)}
            elif parts.username:
                options = {"token": unquote(parts.username)}
        plain.append(redact(server))
    return plain, options
