"""The production topology file says what it means: every variable it sets is read by some setting,
the dispatcher runs, migrations run once before everything else, and no development keys are used."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "adapters", "handlers", "portal", "lienthong")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return data


def known_variables() -> set[str]:
    """Every environment variable a BaseSettings class of the project reads (prefix + field name)."""
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if ".simulator" in info.name or info.name.endswith(".__main__") or ".migrations" in info.name:
                continue
            importlib.import_module(info.name)
    found: set[str] = set()
    stack = list(BaseSettings.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        prefix = str(cls.model_config.get("env_prefix", "")).upper()
        for name, field in cls.model_fields.items():
            found.add(f"{prefix}{(field.alias or name).upper()}")
    return found


def test_every_lienthong_variable_of_the_compose_file_is_a_real_setting() -> None:
    known = known_variables()
    assert "LIENTHONG_VDXP_ENDPOINT" in known and "LIENTHONG_MIGRATE_ON_START" in known
    unknown = {}
    for name, service in compose()["services"].items():
        for variable in service.get("environment") or {}:
            if variable.startswith("LIENTHONG_") and variable not in known:
                unknown.setdefault(variable, []).append(name)
    assert not unknown, f"variables no setting reads: {unknown}"


def test_the_axis_dispatcher_runs_and_migrations_run_once_first() -> None:
    services = compose()["services"]
    modules = [
        m
        for s in services.values()
        if s.get("command", [None])[0] == "worker"
        for m in s["command"][s["command"].index("--modules") + 1].split(",")
    ]
    assert modules.count("adapters.axis") == 1, "exactly one process runs the axis dispatcher"
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for name, service in services.items():
        env = service.get("environment") or {}
        if service.get("command", [None])[0] in ("worker", "portal"):
            assert env.get("LIENTHONG_MIGRATE_ON_START") == "false", name
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
            assert env.get("LIENTHONG_SIGNING_DEV_PKI") == "false", name


def test_no_production_process_talks_to_an_in_process_simulator() -> None:
    for name, service in compose()["services"].items():
        env = service.get("environment") or {}
        if service.get("command", [None])[0] not in ("worker", "portal"):
            continue
        endpoint = env.get("LIENTHONG_VDXP_ENDPOINT", "")
        assert endpoint and not re.search(r"127\.0\.0\.1|localhost", endpoint), name
        for variable, value in env.items():
            if variable.endswith(("EMBED_SIMULATOR", "EMBED_SIMULATORS")):
                assert value == "false", f"{name}: {variable}"
