"""Apply Alembic migrations of the hub and of every loaded module (`alembic upgrade heads`)."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

from alembic import command
from alembic.config import Config

HUB_MIGRATIONS = Path(__file__).parent / "migrations"


def module_migration_dirs(module_names: list[str]) -> list[Path]:
    """Each module's own Alembic branch: `<package>/migrations/` when it exists."""
    found = []
    for name in module_names:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations))) / "migrations"
        if folder.is_dir() and any(folder.glob("*.py")):
            found.append(folder)
    return found


def alembic_config(url: str, module_names: list[str]) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HUB_MIGRATIONS))
    locations = [str(HUB_MIGRATIONS / "versions")] + [str(p) for p in module_migration_dirs(module_names)]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, module_names: list[str]) -> None:
    """Bring the schema to the newest revision of every branch."""
    command.upgrade(alembic_config(url, module_names), "heads")


async def aupgrade(url: str, module_names: list[str]) -> None:
    """Run `upgrade` off the event loop (Alembic's env drives its own loop)."""
    await asyncio.to_thread(upgrade, url, module_names)
