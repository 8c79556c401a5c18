"""Centres (systemid + secret) the simulator accepts, from a JSON/YAML file, the environment or defaults."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from adapters.vdxp.settings import DEV_SECRET, DEV_SYSTEM_ID

ENV_VAR = "LIENTHONG_VDXP_SIM_SYSTEMS"


class SystemAccount(BaseModel):
    """One connected centre; `agencies` empty means it may act for any agency code."""

    secret: str = Field(min_length=1)
    agencies: list[str] = Field(default_factory=list)

    def may_act_for(self, code: str) -> bool:
        return not self.agencies or code in self.agencies


Systems = dict[str, SystemAccount]
SystemsSource = Mapping[str, "SystemAccount | str | Mapping[str, Any]"] | Path | str | None


class AccountsError(ValueError):
    """The systems configuration is unreadable or invalid."""


def parse_systems(raw: Mapping[str, Any]) -> Systems:
    """Validate `{systemid: secret | {secret, agencies}}`, optionally under a top-level `systems` key."""
    body = raw.get("systems", raw) if isinstance(raw.get("systems"), Mapping) else raw
    systems: Systems = {}
    for systemid, value in body.items():
        try:
            account = (
                value
                if isinstance(value, SystemAccount)
                else SystemAccount(secret=value)
                if isinstance(value, str)
                else SystemAccount.model_validate(value)
            )
        except ValidationError as exc:
            raise AccountsError(f"system {systemid!r}: {exc.errors()[0]['msg']}") from None
        systems[str(systemid)] = account
    if not systems:
        raise AccountsError("no systems configured")
    return systems


def _read_file(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AccountsError(f"cannot read systems file {path}: {exc}") from None
    loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(loaded, Mapping):
        raise AccountsError(f"systems file {path} must hold a mapping of systemid to secret")
    return loaded


def load_systems(source: SystemsSource = None) -> Systems:
    """Resolve systems from a mapping, a file, $LIENTHONG_VDXP_SIM_SYSTEMS or the dev default."""
    if isinstance(source, Mapping):
        return parse_systems(source)
    if isinstance(source, str | Path):
        return parse_systems(_read_file(Path(source)))
    env = os.environ.get(ENV_VAR, "").strip()
    if env.startswith("{"):
        return parse_systems(json.loads(env))
    if env:
        return parse_systems(_read_file(Path(env)))
    return {DEV_SYSTEM_ID: SystemAccount(secret=DEV_SECRET)}
