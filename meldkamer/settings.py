"""Workstation settings, declared once with their types, stored as TOML.

Like Electrum's ConfigVar: each setting has a key, a type and a default; a file is
written back only when a value actually changed. Window geometry lives in QSettings.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from meldkamer import config

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
ALL = (LANGUAGE, THEME, FONT_SCALE)


class Settings:
    """Settings from ``settings.toml`` in the user config directory."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config.config_dir() / "settings.toml"
        self._values: dict[str, Any] = {}
        try:
            raw = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
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
        return not (setting is FONT_SCALE and not 0.8 <= value <= 2.0)

    def get(self, setting: Setting[T]) -> T:
        return self._values.get(setting.key, setting.default)

    def set(self, setting: Setting[T], value: T) -> bool:
        """Change a setting and save; False (nothing written) when invalid or unchanged."""
        if not self._valid(setting, value) or self.get(setting) == value:
            return False
        self._values[setting.key] = setting.type_(value)
        self._save()
        return True

    def gateways(self) -> list[dict[str, Any]]:
        """The configured radio and serial gateways (``[[gateway]]`` tables), unchecked."""
        return [dict(g) for g in self._gateways]

    def set_gateways(self, gateways: list[dict[str, Any]]) -> None:
        """Replace the gateway list and save."""
        self._gateways = [dict(g) for g in gateways]
        self._save()

    def _save(self) -> None:
        import tomli_w

        tree: dict[str, Any] = {}
        for key, value in self._values.items():
            section, _, name = key.partition(".")
            tree.setdefault(section, {})[name] = value
        if self._gateways:
            tree["gateway"] = self._gateways
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(tomli_w.dumps(tree), encoding="utf-8")
        os.replace(tmp, self.path)
