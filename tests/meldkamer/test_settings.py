"""Settings in settings.toml: typed values, written back only when changed, edits kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from meldkamer.settings import FONT_SCALE, LANGUAGE, THEME, Settings

TECHNICIAN_FILE = """\
# Werkplek 2, meldkamer Playa. Beheer: technische dienst (toestel 1234).

[ui]
language = "nl"   # operators here want Dutch
theme = "dark"
# font_scale stays at the default

[[gateway]]
name = "tetra"           # the TETRA radio on the desk
url = "/dev/ttyUSB0"
protocol = "pei"
baud = 115200

[[gateway]]
name = "gps"
url = "socket://10.0.0.5:4001"
protocol = "nmea"
unit = "P-101"
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "settings.toml"
    p.write_text(TECHNICIAN_FILE, encoding="utf-8")
    return p


def test_a_change_keeps_comments_order_and_gateways(path: Path) -> None:
    settings = Settings(path)
    assert settings.set(THEME, "light")
    assert settings.set(LANGUAGE, "pap")
    expected = (TECHNICIAN_FILE.replace('theme = "dark"', 'theme = "light"')
                .replace('language = "nl"', 'language = "pap"'))
    assert path.read_text(encoding="utf-8") == expected
    again = Settings(path)
    assert (again.get(THEME), again.get(LANGUAGE)) == ("light", "pap")
    assert [g["name"] for g in again.gateways()] == ["tetra", "gps"]


def test_a_new_setting_is_added_without_touching_the_rest(path: Path) -> None:
    assert Settings(path).set(FONT_SCALE, 1.2)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(TECHNICIAN_FILE.split("[[gateway]]")[0].rstrip("\n"))
    assert "# font_scale stays at the default" in text
    assert Settings(path).get(FONT_SCALE) == pytest.approx(1.2)


def test_nothing_is_written_when_nothing_changed(path: Path) -> None:
    before = path.stat().st_mtime_ns
    os.utime(path, ns=(before - 10**9, before - 10**9))
    settings = Settings(path)
    assert not settings.set(THEME, "dark")  # already dark
    assert not settings.set(THEME, "purple")  # not a choice
    assert not settings.set(FONT_SCALE, 9.0)  # out of range
    assert path.stat().st_mtime_ns == before - 10**9
    assert path.read_text(encoding="utf-8") == TECHNICIAN_FILE


def test_an_edit_made_while_running_is_kept(path: Path) -> None:
    settings = Settings(path)
    path.write_text(TECHNICIAN_FILE.replace('language = "nl"', 'language = "en"'),
                    encoding="utf-8")
    settings.set(THEME, "light")
    again = Settings(path)
    assert (again.get(THEME), again.get(LANGUAGE)) == ("light", "en")


def test_a_broken_file_is_never_overwritten(path: Path) -> None:
    broken = TECHNICIAN_FILE.replace('theme = "dark"', 'theme = "dark')
    path.write_text(broken, encoding="utf-8")
    settings = Settings(path)
    assert settings.get(THEME) == "dark"  # the default, for this session
    assert settings.set(THEME, "light")
    assert settings.get(THEME) == "light"
    assert path.read_text(encoding="utf-8") == broken


def test_a_missing_file_is_created(tmp_path: Path) -> None:
    path = tmp_path / "new" / "settings.toml"
    settings = Settings(path)
    assert settings.get(LANGUAGE) == "nl" and settings.gateways() == []
    assert settings.set(LANGUAGE, "en")
    assert Settings(path).get(LANGUAGE) == "en"
