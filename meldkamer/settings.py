"""Workstation settings, declared once with their types, stored as TOML.

Like Electrum's ConfigVar: each setting has a key, a type and a default; a file is
written back only when a value actually changed (Mu's settings). Changes are made with
tomlkit on the file as it is on disk at that moment, so a technician's comments, ordering
and ``[[gateway]]`` tables survive a change of theme or language. Window geometry lives in
QSettings.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from meldkamer import config
from meldkamer.errors import InvalidInput

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One declared setting."""

    key: str
    default: T
    type_: type
    choices: tuple[Any, ...] = ()
    help: str = ""


LANGUAGE = Setting("ui.language", "nl", str, ("nl", "en", "pap"), "language of the workstation")
THEME = Setting("ui.theme", "dark", str, ("dark", "light"), "colour theme")
FONT_SCALE = Setting("ui.font_scale", 1.0, float, (), "font size factor (0.8 to 2.0)")
SPEECH = Setting("training.speech", True, bool, (True, False),
                 "in training, speak the caller's lines (where espeak-ng is installed)")
IDLE_MINUTES = Setting("security.idle_minutes", 10, int, (),
                       "lock the workstation after this many minutes without a key or mouse "
                       "input (0: never; 1 to 240)")
IDLE_LOCK_TRAINING = Setting("security.idle_lock_training", False, bool, (True, False),
                             "lock a training workstation when idle too")
# PostgreSQL: how long anything may wait on the server or the network (seconds).
DB_CONNECT_TIMEOUT = Setting("database.connect_timeout", 5.0, float, (),
                             "seconds to open a connection to PostgreSQL")
DB_STATEMENT_TIMEOUT = Setting("database.statement_timeout", 5.0, float, (),
                               "seconds a statement may run (and wait for its reply)")
DB_LOCK_TIMEOUT = Setting("database.lock_timeout", 5.0, float, (),
                          "seconds a statement may wait for a row or table lock")
DB_IDLE_TIMEOUT = Setting("database.idle_in_transaction_timeout", 30.0, float, (),
                          "seconds an open transaction may sit idle before the server ends it")
DB_KEEPALIVE_IDLE = Setting("database.keepalive_idle", 5.0, float, (),
                            "seconds of silence before TCP keepalive probes start")
DB_KEEPALIVE_INTERVAL = Setting("database.keepalive_interval", 2.0, float, (),
                                "seconds between TCP keepalive probes")
DB_KEEPALIVE_COUNT = Setting("database.keepalive_count", 3, int, (),
                             "unanswered keepalive probes before the connection is dropped")
DB_TCP_USER_TIMEOUT = Setting("database.tcp_user_timeout", 5.0, float, (),
                              "seconds sent data may stay unacknowledged (tcp_user_timeout)")
DB_POOL_TIMEOUT = Setting("database.pool_timeout", 5.0, float, (),
                          "seconds to wait for a free pooled connection")
BACKUP_INTERVAL = Setting("backup.interval_minutes", 60, int, (),
                          "minutes between online backups of the SQLite database (0: none)")
BACKUP_KEEP_HOURLY = Setting("backup.keep_hourly", 24, int, (),
                             "hourly backups kept (the newest of each hour)")
BACKUP_KEEP_DAILY = Setting("backup.keep_daily", 14, int, (),
                            "daily backups kept (the newest of each day)")
# Retention (meldkamer.services.retention, docs/privacy.md): days after an incident was
# closed (a caller flag: after it was set) before its personal data is pseudonymised.
RETENTION_CALLERS = Setting("retention.callers_days", 365, int, (),
                            "days after closing before callers' names and numbers go (0: never)")
RETENTION_TEXT = Setting("retention.text_days", 365, int, (),
                         "days after closing before notes and radio texts go (0: never)")
RETENTION_FLAGS = Setting("retention.flags_days", 365, int, (),
                          "days after a caller flag was set before it is removed (0: never)")
DATABASE = (DB_CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT, DB_LOCK_TIMEOUT, DB_IDLE_TIMEOUT,
            DB_KEEPALIVE_IDLE, DB_KEEPALIVE_INTERVAL, DB_KEEPALIVE_COUNT, DB_TCP_USER_TIMEOUT,
            DB_POOL_TIMEOUT)
BACKUP = (BACKUP_INTERVAL, BACKUP_KEEP_HOURLY, BACKUP_KEEP_DAILY)
RETENTION = (RETENTION_CALLERS, RETENTION_TEXT, RETENTION_FLAGS)
ALL = (LANGUAGE, THEME, FONT_SCALE, SPEECH, IDLE_MINUTES, IDLE_LOCK_TRAINING, *DATABASE,
       *BACKUP, *RETENTION)


class Settings:
    """Settings from ``settings.toml`` in the user config directory."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config.config_dir() / "settings.toml"
        self._values: dict[str, Any] = {}
        from meldkamer.files import SETTINGS_LIMIT, read_text

        try:
            raw = tomllib.loads(read_text(self.path, SETTINGS_LIMIT)) \
                if self.path.exists() else {}
        except (InvalidInput, tomllib.TOMLDecodeError, RecursionError) as exc:
            log.warning("%s is unreadable, using defaults: %s", self.path, exc)
            raw = {}
        gateways = raw.get("gateway", [])
        self._gateways: list[dict[str, Any]] = [g for g in gateways if isinstance(g, dict)] \
            if isinstance(gateways, list) else []
        for setting in ALL:
            section, _, name = setting.key.partition(".")
            value = raw.get(section, {}).get(name) if isinstance(raw.get(section), dict) else None
            if value is not None and self._valid(setting, value):
                self._values[setting.key] = setting.type_(value)

    @staticmethod
    def _valid(setting: Setting[Any], value: Any) -> bool:
        try:
            value = setting.type_(value)
        except (TypeError, ValueError):
            return False
        if setting.choices and value not in setting.choices:
            return False
        if setting is IDLE_MINUTES and not 0 <= value <= 240:
            return False
        if setting in DATABASE:
            return bool(0 < value <= 3600)
        if setting in BACKUP:
            return bool(0 <= value <= 10_000)
        if setting in RETENTION:
            return bool(0 <= value <= 36_500)
        return not (setting is FONT_SCALE and not 0.8 <= value <= 2.0)

    def get(self, setting: Setting[T]) -> T:
        return self._values.get(setting.key, setting.default)

    def set(self, setting: Setting[T], value: T) -> bool:
        """Change a setting and save; False (nothing written) when invalid or unchanged."""
        if not self._valid(setting, value) or self.get(setting) == value:
            return False
        self._values[setting.key] = setting.type_(value)
        self._save(setting.key)
        return True

    def gateways(self) -> list[dict[str, Any]]:
        """The configured radio and serial gateways (``[[gateway]]`` tables), unchecked."""
        return [dict(g) for g in self._gateways]

    def _save(self, key: str) -> None:
        """Write one changed value into the file as it is now, keeping everything else."""
        import tomlkit
        from tomlkit.exceptions import TOMLKitError

        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("not saving settings: %s is unreadable: %s", self.path, exc)
            return
        try:
            doc = tomlkit.parse(text)
        except TOMLKitError as exc:
            # Never replace a file a technician is still fixing; the change holds until exit.
            log.warning("not saving settings: %s is not valid TOML: %s", self.path, exc)
            return
        section, _, name = key.partition(".")
        table = doc.get(section)
        if not isinstance(table, dict):
            table = tomlkit.table()
            doc[section] = table
        table[name] = self._values[key]
        new = doc.as_string()
        if new == text:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(new, encoding="utf-8")
        os.replace(tmp, self.path)
