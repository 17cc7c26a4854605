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
ALL = (LANGUAGE, THEME, FONT_SCALE, SPEECH, IDLE_MINUTES, IDLE_LOCK_TRAINING)


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
