"""Fixtures for the map library: the synthetic town imported into a fresh geodata folder."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from maps import geodata
from tests.maps.town import write_pbf, write_town

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def town_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("town")
    xml = write_town(folder / "town.osm")
    return xml, write_pbf(xml, folder / "town.osm.pbf")


@pytest.fixture
def town_db(tmp_path: Path, town_files: tuple[Path, Path]) -> Path:
    """A geodata folder with the synthetic town imported."""
    folder = tmp_path / "geodata"
    geodata.import_osm(town_files[0], folder)
    return folder


@pytest.fixture(scope="session")
def island_words() -> dict[str, str]:
    """The names the workstation ships for the islands (meldkamer/data/islands.toml)."""
    with (REPO / "meldkamer" / "data" / "islands.toml").open("rb") as fh:
        return {word: isl["code"] for isl in tomllib.load(fh)["island"]
                for word in (isl["name"], *isl.get("aliases", []))}


@pytest.fixture(scope="session")
def shipped_places() -> list[dict[str, Any]]:
    """The places list the workstation ships (read as plain dicts, as the caller does)."""
    with (REPO / "meldkamer" / "data" / "places.toml").open("rb") as fh:
        return list(tomllib.load(fh)["place"])
