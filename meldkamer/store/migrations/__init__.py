"""Alembic migrations for the incident store, run from code (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

# The newest revision in versions/; a test checks it against Alembic's own view, so the
# store can tell "up to date" without loading Alembic on every start.
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008",
                   "0009", "0010", "0011", "0012", "0013")
HEAD_REVISION = KNOWN_REVISIONS[-1]


def alembic_config(engine: Engine) -> object:
    """An Alembic Config pointing at this folder, bound to ``engine``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent))
    cfg.attributes["engine"] = engine
    return cfg


def run_upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)  # type: ignore[arg-type]
