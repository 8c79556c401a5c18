"""Generate the least-privilege NATS account configuration from ops/nats/permissions.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SOURCE = Path(__file__).resolve().parent.parent / "ops" / "nats" / "permissions.yaml"


def _list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def render(source: Path = DEFAULT_SOURCE) -> str:
    """The nats-server `accounts` block with one user per module group."""
    spec: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
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
        password = f"$LT_{name.upper()}_PASSWORD"
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
        lines.append(
            f"      {{ user: {name}, password: {password}, permissions: {{ "
            f"publish: {{ allow: {_list(publish)} }}, subscribe: {{ allow: {_list(subscribe)} }} }} }}"
        )
    lines += [
        "    ]",
        "  }",
        "  SYS { users = [ { user: sys, password: $LT_SYS_PASSWORD } ] }",
        "}",
        "system_account: SYS",
        "",
    ]
    return "\n".join(lines)
