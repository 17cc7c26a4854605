"""Where things live and who is working: data paths, the database URL, the user.

Resolution order for the database: ``--db`` option, then ``MELDKAMER_DB``, then the
SQLite file in the user data directory. Settings are TOML in the user config directory.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

APP = "meldkamer"
TIMEZONE = "America/Kralendijk"


def data_dir() -> Path:
    """The user data directory (databases, imported map data, journals)."""
    override = os.environ.get("MELDKAMER_DATA_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    """The user config directory (settings.toml, site reference data)."""
    override = os.environ.get("MELDKAMER_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """The user cache directory (parsed reference data); safe to delete at any time."""
    override = os.environ.get("MELDKAMER_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def reference_dir() -> Path:
    """The folder whose TOML files override the shipped reference data."""
    override = os.environ.get("MELDKAMER_REFERENCE_DIR")
    return Path(override).expanduser() if override else config_dir() / "reference"


def default_db_path() -> Path:
    """The embedded SQLite database of the live control room."""
    return data_dir() / "meldkamer.sqlite3"


def training_db_path() -> Path:
    """The embedded training database: never the live one."""
    return data_dir() / "training.sqlite3"


def database_url(option: str | None = None, *, training: bool = False) -> str:
    """The database to use: the option, MELDKAMER_DB, or the embedded default.

    Training uses MELDKAMER_TRAINING_DB or its own file, never the live database.
    """
    if option:
        return option
    if training:
        return os.environ.get("MELDKAMER_TRAINING_DB") or str(training_db_path())
    env = os.environ.get("MELDKAMER_DB")
    if env:
        return env
    return str(default_db_path())


def current_user(option: str | None = None) -> str:
    """Who is acting, for the log and the audit trail (MELDKAMER_USER or the OS login)."""
    name = option or os.environ.get("MELDKAMER_USER")
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            name = "unknown"
    return name.strip()[:60] or "unknown"


def workstation_name() -> str:
    """This workstation's name in commands and the audit trail (MELDKAMER_WORKSTATION or
    the host name), at most 80 characters."""
    import socket

    name = os.environ.get("MELDKAMER_WORKSTATION") or socket.gethostname()
    return name.strip()[:80] or "unknown"
