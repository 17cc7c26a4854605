"""The technicians' commands: maps (render, import, info, geocode) and gateways."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from meldkamer.cli import main
from meldkamer.domain.geo import distance_m
from tests.maps.town import house, write_town


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MELDKAMER_DB", sqlite_url)
    monkeypatch.setenv("MELDKAMER_GEODATA", str(tmp_path / "geodata"))
    assert main(["demo", "load", "--no-incidents"]) == 0
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_osm_then_geocode_and_route(env: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    code, out, _ = run(capsys, "maps", "info", "--json")
    assert code == 0 and json.loads(out)["osm"] is None
    town = write_town(env / "town.osm")
    code, out, _ = run(capsys, "maps", "import-osm", str(town), "--json")
    assert code == 0
    osm = json.loads(out)["osm"]
    assert osm["roads"] >= 5 and osm["addresses"] >= 20
    code, out, _ = run(capsys, "geocode", "kaya grandy 12", "--json")
    best = json.loads(out)[0]
    target = house("Kaya Grandi", "12")
    assert distance_m(best["lat"], best["lon"], target.lat, target.lon) < 10
    code, out, _ = run(capsys, "geocode", "--reverse", f"{target.lat},{target.lon}", "--json")
    assert code == 0 and json.loads(out)["housenumber"] == "12"
    # proposals now use travel time by road where the road network reaches
    code, out, _ = run(capsys, "incident", "create", "--caller", "911", "--lat",
                       str(target.lat), "--lon", str(target.lon), "--classification",
                       "BZ.INB.WON", "--json")
    number = json.loads(out)["number"]
    code, out, _ = run(capsys, "incident", "propose", number, "--json")
    proposals = json.loads(out)
    assert all(p["travel_s"] is not None for p in proposals["proposals"])
    assert "travel time" in proposals["method"]


def test_geocode_that_finds_nothing_says_why_and_exits_3(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "geocode", "kaya grandi 12")
    assert code == 3 and out == ""
    assert err.strip() == ("meldkamer: No street data imported: `meldkamer maps import-osm`. "
                           "Look for a place, or type coordinates like 12.15, -68.27")
    code, out, err = run(capsys, "geocode", "kaya grandi 12", "--json", "--lang", "nl")
    error = json.loads(out)["error"]
    assert code == 3 and error["kind"] == "not_found" and error["reason"] == "no_street_data"
    assert error["message"].startswith("Geen straatgegevens geïmporteerd")
    code, _, err = run(capsys, "geocode", "xyzzy", "--lang", "nl")
    assert code == 3 and "Niets gevonden voor “xyzzy”" in err
    assert run(capsys, "geocode", "windwardside")[0] == 0
    # with street data an unknown address is not blamed on missing street data
    assert run(capsys, "maps", "import-osm", str(write_town(env / "town.osm")))[0] == 0
    code, out, _ = run(capsys, "geocode", "xq zzyv 5", "--json")
    assert code == 3 and json.loads(out)["error"]["reason"] == "not_found"


def test_corrupt_osm_keeps_the_previous_import(env: Path, capsys: pytest.CaptureFixture[str]
                                               ) -> None:
    town = write_town(env / "town.osm")
    assert run(capsys, "maps", "import-osm", str(town))[0] == 0
    bad = env / "broken.osm.pbf"
    bad.write_bytes(os.urandom(3000))
    code, _, err = run(capsys, "maps", "import-osm", str(bad))
    assert code == 10 and "previous map data is still in use" in err
    code, out, _ = run(capsys, "geocode", "kaya grandi 3", "--json")
    assert code == 0 and json.loads(out)[0]["housenumber"] == "3"
    code, _, err = run(capsys, "maps", "import-tiles", str(bad))
    assert code == 10


def test_render_writes_an_offline_page(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = env / "page" / "sa.html"
    code, _, _ = run(capsys, "maps", "render", "--island", "SA", str(out_file))
    assert code == 0 and out_file.is_file()
    html = out_file.read_text(encoding="utf-8")
    assert "https://" not in html and "http://" not in html
    assert (env / "page" / "sa_files").is_dir()


def test_gateway_loopback_and_decode(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "gateway", "loopback", "loop://", "--bytes", "8192", "--json")
    result = json.loads(out)
    assert code == 0 and result["passed"] and result["bit_errors"] == 0
    capture = env / "capture.txt"
    capture.write_bytes(b"+CTSDSR: 13,2110101,0,2345678,0,16\r\n8004\r\n"
                        b"+CTSDSR: 12,1234567,0,2345678,0,104\r\n0201746573746D657373616765\r\n"
                        b"+CTSDSR: 12,1234567,0,2345678,0,84\r\n0A0088BD4247F737FFE810\r\n"
                        b"\x00\xff garbage \r\n")
    code, out, _ = run(capsys, "gateway", "decode", "--protocol", "pei", str(capture))
    items = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert items[0]["type"] == "status" and items[0]["value_hex"] == "8004"
    assert items[1]["type"] == "text" and items[1]["text"] == "testmessage"
    assert items[2]["type"] == "position" and round(items[2]["lon"], 4) == 12.0181
    assert items[-1]["type"] == "summary" and items[-1]["bad"] >= 1
    noise = env / "noise.bin"
    noise.write_bytes(os.urandom(20_000))
    code, out, _ = run(capsys, "gateway", "decode", "--protocol", "nmea", str(noise))
    assert code == 0 and json.loads(out.splitlines()[-1])["type"] == "summary"
    code, _, err = run(capsys, "gateway", "decode", "--protocol", "pei", str(env / "none"))
    assert code == 2 and "not a file" in err
    code, _, err = run(capsys, "gateway", "loopback", "/dev/does-not-exist", "--json")
    assert code == 9
