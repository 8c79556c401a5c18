"""The migrations and the models describe the same schema: after `upgrade heads` of the hub and every
default module on an empty database, Alembic's comparison with the models finds nothing to add, drop
or change (a column left in a model but dropped by a migration, or the reverse, fails here)."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from hub.db import Base
from hub.migrate import module_migration_dirs, upgrade
from hub.settings import DEFAULT_MODULES


def test_every_default_module_s_migrations_match_its_models(tmp_path: Path) -> None:
    modules = list(DEFAULT_MODULES)
    for name in modules:  # the models of every module join Base.metadata
        importlib.import_module(name)
        if importlib.util.find_spec(f"{name}.models") is not None:
            importlib.import_module(f"{name}.models")
    assert module_migration_dirs(modules), "no module migrations found"
    path = tmp_path / "drift.db"
    upgrade(f"sqlite+aiosqlite:///{path}", modules)
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            diff = [
                change
                for change in compare_metadata(context, Base.metadata)
                if not (
                    isinstance(change, tuple)
                    and change[0] == "remove_table"
                    and change[1].name == "alembic_version"
                )
            ]
    finally:
        engine.dispose()
    assert diff == [], "\n".join(str(d) for d in diff)
