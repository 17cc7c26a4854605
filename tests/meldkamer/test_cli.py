"""The ``meldkamer`` command line: the operator's flow, bad input, bad databases, audit.

Most cases call ``meldkamer.cli.main`` in-process (fast, output through capsys); a few
run ``python -m meldkamer`` in a real subprocess for the end-to-end view.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from meldkamer.auth.users import DEMO_PASSWORD
from meldkamer.cli import main
from meldkamer.demo import demo_roster
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import LOCAL
from meldkamer.store.migrations import HEAD_REVISION
from tests.fixtures import open_core, seed_tester, write_token_file

REPO = Path(__file__).resolve().parents[2]

KAYA_GRANDI = ("12.15", "-68.27")
ORANJESTAD = ("17.4830", "-62.9864")
THE_BOTTOM = ("17.6265", "-63.2497")
AT_SEA = ("12.5", "-68.7")
DEMO_UNITS = len(demo_roster()["unit"])
DEMO_STATIONS = len(demo_roster()["station"])
BONAIRE_UNITS = {u["callsign"] for u in demo_roster()["unit"] if u["island"] == "BO"}


def year() -> int:
    return datetime.now(LOCAL).year


# -- helpers ---------------------------------------------------------------------------


@dataclass
class Result:
    rc: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """Runs ``main([...])`` in-process against one database and captures its output."""

    def __init__(self, capsys: pytest.CaptureFixture[str], db: str | None) -> None:
        self.capsys = capsys
        self.db = db

    def __call__(self, *args: str) -> Result:
        argv = (["--db", self.db] if self.db is not None else []) + list(args)
        self.capsys.readouterr()
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse: --help and usage errors
            rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = self.capsys.readouterr()
        return Result(rc, out, err)

    def ok(self, *args: str) -> Result:
        r = self(*args)
        assert r.rc == 0, f"{args} exited {r.rc}: {r.err}"
        assert "Traceback" not in r.err
        return r

    def json(self, *args: str) -> Any:
        return self.ok(*args, "--json").json()

    def create(self, *args: str) -> dict[str, Any]:
        made: dict[str, Any] = self.json("incident", "create", "--caller", "+599 717 1234", *args)
        return made


def refused(r: Result, code: int, *words: str) -> None:
    """A clear one-line refusal: the exit code, 'meldkamer: ...' on stderr, no traceback."""
    assert r.rc == code, f"expected exit {code}, got {r.rc}: {r.err!r}"
    assert r.err.startswith("meldkamer: "), r.err
    assert "Traceback" not in r.err
    for word in words:
        assert word.lower() in r.err.lower(), f"{word!r} not in {r.err!r}"


def snapshot(c: Cli) -> dict[str, Any]:
    """Everything an operator could lose: what the CLI lists, and every stored row."""
    incidents = c.json("incident", "list", "--limit", "1000")
    con = sqlite3.connect(str(c.db))
    try:
        rows = list(con.iterdump())
    finally:
        con.close()
    assert any("INSERT INTO \"incident\"" in r for r in rows)
    return {"incidents": incidents, "rows": rows}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def siblings(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()}


@pytest.fixture(autouse=True)
def _shipped_reference_parsed_once(monkeypatch: pytest.MonkeyPatch, ref: Reference) -> None:
    """Parsing the shipped TOML is most of an in-process command's time: without a site
    override, hand out the session's copy. Site overrides (the exit-7 test) and the
    subprocess tests still go through the real loader."""
    import meldkamer.core
    from meldkamer.domain.reference import load_reference as real

    def load(site_dir: Path | None = None, **options: Any) -> Reference:
        if site_dir is None or not Path(site_dir).exists():
            return ref
        return real(site_dir, **options)

    monkeypatch.setattr(meldkamer.core, "load_reference", load, raising=False)


@pytest.fixture
def sq(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> Cli:
    """The CLI on a fresh, migrated SQLite file (no units yet)."""
    return Cli(capsys, sqlite_url)


@pytest.fixture
def anydb(capsys: pytest.CaptureFixture[str], db_url: str) -> Cli:
    """The CLI on a fresh database, SQLite and PostgreSQL."""
    return Cli(capsys, db_url)


@pytest.fixture(scope="module")
def populated_template(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Path:
    """A SQLite file with the demo units and one open burglary at Kaya Grandi."""
    from meldkamer.demo import load_demo

    path = tmp_path_factory.mktemp("populated") / "populated.sqlite3"
    seed_tester(str(path))
    core = open_core(str(path), ref)
    load_demo(core, incidents=False)
    core.incidents.create(caller_number="+599 717 1234", caller_name="Jan",
                          lat=float(KAYA_GRANDI[0]), lon=float(KAYA_GRANDI[1]),
                          address="Kaya Grandi 12", classification="BZ.INB.WON")
    core.close()
    assert not (path.parent / (path.name + "-wal")).exists()  # checkpointed on close
    return path


@pytest.fixture
def populated(populated_template: Path, tmp_path: Path,
              capsys: pytest.CaptureFixture[str]) -> Cli:
    path = tmp_path / "db" / "meldkamer.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(populated_template, path)
    return Cli(capsys, str(path))


def first_number() -> str:
    return f"BON-{year()}-000001"


# -- the operator's main flow, on both backends ----------------------------------------


def test_main_flow_call_to_close(anydb: Cli) -> None:
    c = anydb
    demo = c.json("demo", "load", "--no-incidents")
    assert demo == {"units": DEMO_UNITS, "stations": DEMO_STATIONS, "incidents": 0}
    assert c.json("incident", "list") == []

    inc = c.create("--lat", KAYA_GRANDI[0], "--lon", KAYA_GRANDI[1],
                   "--address", "Kaya Grandi 12", "--classification", "BZ.INB.WON",
                   "--name", "Jan")
    n = inc["number"]
    assert n == f"BON-{year()}-000001"
    assert inc["island"] == "BO" and inc["state"] == "open"
    assert inc["location_state"] == "island"
    assert (inc["lat"], inc["lon"]) == (12.15, -68.27)
    assert inc["classification"] == "BZ.INB.WON" and inc["priority"] == 2
    assert inc["address"] == "Kaya Grandi 12"
    assert [(x["caller_number"], x["number_state"], x["caller_name"], x["taken_by"])
            for x in inc["calls"]] == [("+5997171234", "known", "Jan", "tester")]
    assert [e["kind"] for e in inc["log"]] == ["call", "location", "classification"]
    assert "+599 717 1234" in inc["log"][0]["text"] and "Jan" in inc["log"][0]["text"]
    assert "Kaya Grandi 12" in inc["log"][1]["text"]
    assert "BZ.INB.WON" in inc["log"][2]["text"]
    created = datetime.fromisoformat(inc["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)

    prop = c.json("incident", "propose", n)
    assert prop["number"] == n and prop["island"] == "BO" and prop["unmet"] == []
    proposals = prop["proposals"]
    assert [p["rank"] for p in proposals] == list(range(1, len(proposals) + 1))
    bonaire = {u["callsign"] for u in c.json("unit", "list", "--island", "BO")}
    assert {p["callsign"] for p in proposals} <= bonaire
    assert all(p["capability"] == "patrol_car" for p in proposals)
    needed = [p for p in proposals if p["reason"].startswith("needed")]
    assert len(needed) == 2  # BZ.INB.WON needs two patrol cars
    dists = [p["distance_m"] for p in proposals]
    assert dists == sorted(dists)
    top = proposals[0]["callsign"]

    disp = c.json("incident", "dispatch", n, top)
    assert [(a["callsign"], a["unit_status"], a["cleared_at"]) for a in disp["assignments"]] == [
        (top, "dispatched", None)]
    assert disp["log"][-1]["kind"] == "dispatch" and top in disp["log"][-1]["text"]
    unit = next(u for u in c.json("unit", "list") if u["callsign"] == top)
    assert (unit["status"], unit["incident"]) == ("dispatched", n)

    assert c.json("unit", "status", top, "en_route")["status"] == "en_route"
    on_scene = c.json("unit", "status", top, "on_scene")
    assert (on_scene["status"], on_scene["incident"]) == ("on_scene", n)

    before = c.json("incident", "show", n)
    r = c("incident", "close", n, "--disposition", "HANDLED")
    refused(r, 4, top, "still has units assigned")
    still = c.json("incident", "show", n)
    assert still["state"] == "open" and still["closed_at"] is None
    assert still["disposition"] is None
    assert still["log"] == before["log"] and still["version"] == before["version"]

    free = c.json("unit", "status", top, "available_mobile")
    assert (free["status"], free["incident"]) == ("available_mobile", None)

    closed = c.json("incident", "close", n, "--disposition", "HANDLED")
    assert closed["state"] == "closed" and closed["disposition"] == "HANDLED"
    assert closed["closed_at"] is not None
    last = closed["log"][-1]
    assert last["kind"] == "close" and last["text"] == "Closed: Handled"
    assert last["fields"]["disposition"] == {"$ref": "disposition", "code": "HANDLED"}
    assignment = closed["assignments"][0]
    assert assignment["unit_status"] == "cleared" and assignment["cleared_at"] is not None
    assert [t["status"] for t in assignment["times"]] == [
        "dispatched", "en_route", "on_scene", "available_mobile"]

    verify = c.ok("audit", "verify")
    assert "intact" in verify.out
    # roster import, create, dispatch, three status changes, close; the refusal wrote nothing
    report = c.json("audit", "verify")
    assert report == {"ok": True, "events": 7, "first_broken": None, "problem": "",
                      "problems": [], "not_covered": 0, "checkpoints": 0}

    hits = c.json("incident", "search", "kaya")
    assert hits and {h["number"] for h in hits} == {n}
    assert any("Kaya Grandi 12" in h["text"] for h in hits)
    assert all(h["state"] == "closed" for h in hits)
    assert c.json("incident", "search", "nowhere-to-be-found") == []

    assert c.json("incident", "list", "--active") == []
    assert [i["number"] for i in c.json("incident", "list")] == [n]

    info = c.json("db", "info")
    assert info["revision"] == HEAD_REVISION
    assert info["dialect"] == ("sqlite" if "://" not in str(c.db) else "postgresql")
    assert (info["incidents"], info["active_incidents"], info["units"]) == (1, 0, DEMO_UNITS)
    assert info["audit_events"] == 7
    assert info["log_entries"] == len(closed["log"])
    human = c.ok("db", "info").out
    assert "revision" in human and HEAD_REVISION in human


def test_human_output_of_show_and_list(populated: Cli) -> None:
    n = first_number()
    show = populated.ok("incident", "show", n).out
    assert show.startswith(f"{n}  [Open]  priority 2")
    assert "Kaya Grandi 12" in show and "BZ.INB.WON" in show and "+599 717 1234" in show
    listing = populated.ok("incident", "list").out.splitlines()
    assert listing[0].split()[:3] == ["NUMBER", "STATE", "P"]
    assert listing[1].startswith(n)


def test_incident_show_in_dutch_has_names_not_codes(populated: Cli, ref: Reference,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    n = first_number()
    unit = populated.ok("incident", "propose", n, "--json").json()["proposals"][0]["callsign"]
    populated.ok("incident", "dispatch", n, unit)
    for status in ("en_route", "on_scene", "available_mobile"):
        populated.ok("unit", "status", unit, status)
    populated.ok("incident", "close", n, "--disposition", "handled")
    shown = populated.ok("--lang", "nl", "incident", "show", n).out
    codes = (set(ref.statuses) | set(ref.dispositions) | set(ref.capabilities)
             | {"open", "closed", "cleared", "island", "unknown", "outside", "dispatch",
                "status", "close", "call", "location", "classification"})
    words = set(re.findall(r"[A-Za-z_]+", shown))
    assert words & codes == set(), shown
    for name in ("Gesloten", "Afgehandeld", "Aanrijdend", "Ter plaatse", "Gealarmeerd",
                 "Vrijgegeven", "Inbraak"):
        assert name in shown, name
    english = populated.ok("--lang", "en", "incident", "show", n).out
    assert "Handled" in english and "On scene" in english and "Afgehandeld" not in english
    data = populated.ok("incident", "show", n, "--json", "--lang", "nl").json()
    assert (data["state"], data["disposition"]) == ("closed", "HANDLED")  # codes stay
    assert {t["status"] for a in data["assignments"] for t in a["times"]} >= {"on_scene"}
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    assert populated.ok("incident", "show", n).out == shown  # LANG when --lang is not given


def test_options_work_before_and_after_the_command(populated: Cli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(populated.db)
    after = Cli(populated.capsys, None)
    r = after("incident", "list", "--db", db, "--json")
    assert r.rc == 0 and [i["number"] for i in r.json()] == [first_number()]
    monkeypatch.setenv("MELDKAMER_DB", db)
    r = after("incident", "list", "--json")
    assert r.rc == 0 and [i["number"] for i in r.json()] == [first_number()]
    # --user names the login: the tester's token is not nachtdienst's, and there is no
    # terminal to ask nachtdienst's password on
    refused(after("--user", "nachtdienst", "incident", "note", first_number(), "x"), 11,
            "nachtdienst", "tester")
    seed_tester(db, "nachtdienst", "operator")
    token = str(write_token_file(Path(db).parent / "nachtdienst.token", "nachtdienst"))
    note = after("--user", "nachtdienst", "incident", "note", first_number(), "via env",
                 "--token-file", token, "--json")
    assert note.rc == 0 and note.json()["log"][-1]["user"] == "nachtdienst"


# -- islands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "prefix", "island", "state"),
    [
        (["--lat", ORANJESTAD[0], "--lon", ORANJESTAD[1]], "STA", "SE", "island"),
        (["--lat", THE_BOTTOM[0], "--lon", THE_BOTTOM[1]], "SAB", "SA", "island"),
        (["--lat", KAYA_GRANDI[0], "--lon", KAYA_GRANDI[1]], "BON", "BO", "island"),
        (["--lat", AT_SEA[0], "--lon", AT_SEA[1]], "BON", "BO", "outside"),
        (["--lat", AT_SEA[0], "--lon", AT_SEA[1], "--island", "SE"], "STA", "SE", "outside"),
        (["--island", "SA"], "SAB", "SA", "unknown"),
        (["--island", "BQ-SA"], "SAB", "SA", "unknown"),
        (["--island", "Saba"], "SAB", "SA", "unknown"),
        (["--island", "sab"], "SAB", "SA", "unknown"),
        (["--island", "Sint Eustatius"], "STA", "SE", "unknown"),
        ([], "BON", "BO", "unknown"),
    ],
    ids=["statia", "saba", "bonaire", "at-sea", "at-sea-statia", "SA", "BQ-SA", "Saba",
         "sab", "statia-name", "nowhere"],
)
def test_island_and_number_follow_the_location(
    sq: Cli, where: list[str], prefix: str, island: str, state: str
) -> None:
    inc = sq.create(*where)
    assert inc["number"] == f"{prefix}-{year()}-000001"
    assert (inc["island"], inc["location_state"]) == (island, state)
    kinds = [e["kind"] for e in inc["log"]]
    assert kinds == (["call"] if state == "unknown" else ["call", "location"])
    if state == "outside":
        assert "outside the area" in inc["log"][1]["text"]  # stored in English
        assert inc["log"][1]["template"].startswith("Location {where}: outside the area")


def test_numbers_count_per_island(sq: Cli) -> None:
    y = year()
    got = [sq.create(*w)["number"] for w in (
        ["--lat", KAYA_GRANDI[0], "--lon", KAYA_GRANDI[1]],
        ["--lat", ORANJESTAD[0], "--lon", ORANJESTAD[1]],
        ["--lat", AT_SEA[0], "--lon", AT_SEA[1]],
        ["--island", "SA"],
        ["--lat", ORANJESTAD[0], "--lon", ORANJESTAD[1]],
    )]
    assert got == [f"BON-{y}-000001", f"STA-{y}-000001", f"BON-{y}-000002",
                   f"SAB-{y}-000001", f"STA-{y}-000002"]


@pytest.mark.parametrize("spelling", ["BO", "BQ-BO", "BON", "Bonaire", "bonaire", " bq-bo "])
def test_every_island_spelling_is_accepted(populated: Cli, spelling: str) -> None:
    c = populated
    c.create("--lat", ORANJESTAD[0], "--lon", ORANJESTAD[1])
    incidents = c.json("incident", "list", "--island", spelling)
    assert [i["number"] for i in incidents] == [first_number()]
    assert [i["number"] for i in c.json("incident", "list", "--active", "--island", spelling)] \
        == [first_number()]
    units = c.json("unit", "list", "--island", spelling)
    assert {u["callsign"] for u in units} == BONAIRE_UNITS
    assert {u["island"] for u in units} == {"BO"}
    assert units == c.json("unit", "list", "--island", "BO")
    made = c.create("--island", spelling)
    assert made["island"] == "BO" and made["number"].startswith("BON-")


def test_unknown_island_is_invalid_input(populated: Cli) -> None:
    before = snapshot(populated)
    for args in (["incident", "list", "--island", "Curacao"],
                 ["unit", "list", "--island", "XX"],
                 ["incident", "create", "--caller", "112", "--island", "Aruba"]):
        refused(populated(*args), 2, "unknown island")
    assert snapshot(populated) == before


def test_a_call_without_a_number(populated: Cli) -> None:
    made = populated.json("incident", "create", "--island", "BO")  # no --caller at all
    assert [(c["caller_number"], c["number_state"]) for c in made["calls"]] == [
        ("", "unknown")]
    made = populated.json("incident", "create", "--caller", "withheld")
    assert [(c["caller_number"], c["number_state"]) for c in made["calls"]] == [
        ("", "withheld")]
    shown = populated.ok("incident", "show", made["number"], "--lang", "nl").out
    assert "anoniem" in shown and "Melding van een afgeschermd nummer" in shown
    local = populated.json("incident", "create", "--caller", "416 3288", "--callback",
                           "0031 6 12345678")
    assert (local["calls"][0]["caller_number"], local["calls"][0]["callback_number"]) == (
        "+5994163288", "+31612345678")
    assert "+599 416 3288" in populated.ok("incident", "show", local["number"]).out


# -- bad input: clear message, right exit code, nothing lost -----------------------------


def _bad_inputs() -> list[Any]:
    n = "BON-{y}-000001"
    return [
        pytest.param(["incident", "create", "--caller", "112", "--classification", "XX.NOPE"],
                     3, ["unknown classification"], id="unknown-classification"),
        pytest.param(["incident", "create", "--caller", "112", "--lat", "95", "--lon", "-68.27"],
                     2, ["latitude", "range"], id="latitude-95"),
        pytest.param(["incident", "create", "--caller", "112", "--lat", "12.1", "--lon", "200"],
                     2, ["longitude", "range"], id="longitude-200"),
        pytest.param(["incident", "create", "--caller", "112", "--lat", "nan", "--lon", "nan"],
                     2, ["latitude"], id="nan"),
        pytest.param(["incident", "create", "--caller", "112", "--lat", "12.1", "--lon", "inf"],
                     2, ["longitude"], id="inf"),
        pytest.param(["incident", "create", "--caller", "112", "--lat", "12.1"],
                     2, ["coordinates"], id="lat-without-lon"),
        pytest.param(["incident", "create", "--caller", "717 12345"], 2,
                     ["caller number", "717 12345", "8 digits", "7"], id="local-caller-8-digits"),
        pytest.param(["incident", "create", "--caller", "+999 717 1234"], 2,
                     ["country code"], id="caller-unknown-country-code"),
        pytest.param(["incident", "create", "--caller", "call me maybe"], 2,
                     ["not a telephone number"], id="caller-not-a-number"),
        pytest.param(["incident", "create", "--callback", "12"], 2,
                     ["callback number", "12"], id="callback-too-short"),
        pytest.param(["incident", "create", "--caller", "112", "--address", "x" * 201], 2,
                     ["address", "limit"], id="address-too-long"),
        pytest.param(["incident", "create", "--caller", "112", "--classification", "BZ.INB.WON",
                      "--priority", "1"], 2, ["reason"], id="priority-without-reason"),
        pytest.param(["incident", "note", n, "x" * 100_000], 2, ["note", "100000", "limit"],
                     id="note-100kB"),
        pytest.param(["incident", "note", n, "\x00\x07\x1b"], 2, ["note is required"],
                     id="note-only-control-chars"),
        pytest.param(["incident", "note", "BON-{y}-999999", "hello"], 3,
                     ["no incident", "BON-{y}-999999"], id="unknown-incident"),
        pytest.param(["incident", "show", "STA-{y}-1"], 3, ["no incident", "STA-{y}-000001"],
                     id="unknown-incident-show"),
        pytest.param(["incident", "note", "BON/2026/1", "hello"], 2,
                     ["not an incident number"], id="malformed-number"),
        pytest.param(["incident", "close", "not-a-number", "--disposition", "HANDLED"], 2,
                     ["not an incident number"], id="malformed-number-close"),
        pytest.param(["incident", "close", n, "--disposition", "WHATEVER"], 2,
                     ["unknown disposition"], id="unknown-disposition"),
        pytest.param(["incident", "dispatch", n, "P-201"], 4,
                     ["P-201", "Sint Eustatius", "Bonaire", "sea"], id="unit-of-another-island"),
        pytest.param(["incident", "dispatch", n, "A-301"], 4, ["Saba", "sea"],
                     id="unit-of-saba"),
        pytest.param(["incident", "dispatch", n, "X-999"], 3, ["no unit", "X-999"],
                     id="unknown-unit-dispatch"),
        pytest.param(["unit", "status", "P-101", "on_scene"], 4,
                     ["available at station -> on scene", "not allowed"], id="illegal-status"),
        pytest.param(["unit", "status", "P-101", "dispatched"], 4, ["dispatch"],
                     id="status-dispatched"),
        pytest.param(["unit", "status", "P-101", "8"], 4, ["dispatch"],
                     id="status-dispatched-by-radio-code"),
        pytest.param(["unit", "status", "P-101", "flying"], 2, ["unknown unit status"],
                     id="unknown-status"),
        pytest.param(["unit", "status", "Z-999", "available_mobile"], 3, ["no unit"],
                     id="unknown-unit"),
        pytest.param(["unit", "list", "--discipline", "pirates"], 2, ["unknown discipline"],
                     id="unknown-discipline"),
        pytest.param(["incident", "search", "!!! ???"], 2, ["at least one word"],
                     id="search-without-words"),
        pytest.param(["incident", "duplicate", n, "--of", n], 2, ["itself"],
                     id="duplicate-of-itself"),
    ]


@pytest.mark.parametrize(("args", "code", "words"), _bad_inputs())
def test_bad_input_is_refused_and_nothing_is_lost(
    populated: Cli, args: list[str], code: int, words: list[str]
) -> None:
    y = str(year())
    args = [a.replace("{y}", y) for a in args]
    words = [w.replace("{y}", y) for w in words]
    before = snapshot(populated)
    r = populated(*args)
    refused(r, code, *words)
    assert r.out == ""
    assert len(r.err.strip().splitlines()) == 1
    assert snapshot(populated) == before


def test_errors_in_json_mode_are_json_too(populated: Cli) -> None:
    y = year()
    r = populated("incident", "show", f"BON-{y}-424242", "--json")
    assert r.rc == 3
    assert r.json() == {"error": {"kind": "not_found",
                                  "message": f"no incident BON-{y}-424242"}}
    r = populated("unit", "status", "P-101", "on_scene", "--json")
    assert r.rc == 4 and r.json()["error"]["kind"] == "refused"
    r = populated("incident", "create", "--caller", "nope", "--json")
    assert r.rc == 2 and r.json()["error"]["kind"] == "invalid"


@pytest.mark.parametrize(
    "args",
    [
        ["incident", "create", "--caller"],  # --caller without its value
        ["incident", "create", "--caller", "112", "--lat", "north"],
        ["incident", "create", "--caller", "112", "--priority", "5"],
        ["incident", "dispatch", "BON-2026-1"],  # no callsign
        ["incident", "frobnicate"],
        ["unit", "status", "P-101"],
    ],
)
def test_usage_errors_exit_2(populated: Cli, args: list[str]) -> None:
    before = snapshot(populated)
    r = populated(*args)
    assert r.rc == 2
    assert "usage: meldkamer" in r.err and "error:" in r.err
    assert snapshot(populated) == before


def test_note_is_stored_without_control_characters(populated: Cli) -> None:
    n = first_number()
    before = populated.json("incident", "show", n)["log"]
    after = populated.json("incident", "note", n, "\x00\x07abc\x1b")["log"]
    assert after[:-1] == before
    assert (after[-1]["kind"], after[-1]["text"]) == ("note", "abc")
    tabbed = populated.json("incident", "note", n, "  line one\r\n\tline two\x7f\x9b ")["log"]
    assert tabbed[-1]["text"] == "line one\n\tline two"
    stored = populated.json("incident", "show", n)["log"]
    assert [e["text"] for e in stored[-2:]] == ["abc", "line one\n\tline two"]


def test_note_at_the_limit_is_kept_whole(populated: Cli) -> None:
    n = first_number()
    text = ("Bewoner meldt: " + "ä€漢 " * 3000)[:10_000]
    log = populated.json("incident", "note", n, text)["log"]
    assert log[-1]["text"] == text.strip() and len(log[-1]["text"]) <= 10_000
    hits = populated.json("incident", "search", "bewoner")
    assert [h["kind"] for h in hits] == ["note"]


def test_dispatch_of_a_busy_unit_needs_an_override(populated: Cli) -> None:
    c = populated
    n1 = first_number()
    c.ok("incident", "dispatch", n1, "P-101")
    n2 = c.create("--lat", KAYA_GRANDI[0], "--lon", KAYA_GRANDI[1])["number"]
    before = snapshot(c)
    refused(c("incident", "dispatch", n2, "P-101"), 4, "P-101", n1, "override")
    assert snapshot(c) == before
    moved = c.json("incident", "dispatch", n2, "P-101", "--override", "reanimatie gaat voor")
    assert moved["assignments"][0]["override_reason"] == "reanimatie gaat voor"
    old = c.json("incident", "show", n1)
    assert old["assignments"][0]["unit_status"] == "cleared"
    assert "reanimatie gaat voor" in old["log"][-1]["text"]
    assert c.json("audit", "verify")["ok"] is True


def test_closed_incident_cannot_be_changed(populated: Cli) -> None:
    c = populated
    n = first_number()
    c.ok("incident", "close", n, "--disposition", "false_alarm")
    before = snapshot(c)
    refused(c("incident", "dispatch", n, "P-101"), 4, "closed")
    refused(c("incident", "classify", n, "BZ.DIE.WIN"), 4, "closed")
    refused(c("incident", "close", n, "--disposition", "HANDLED"), 4, "closed")
    assert snapshot(c) == before


@pytest.mark.parametrize("command", ["list", "search"])
@pytest.mark.parametrize("limit", ["-1", "0"])
def test_limit_below_one_is_invalid_input(anydb: Cli, command: str, limit: str) -> None:
    # At first PostgreSQL failed with exit 6 "LIMIT must not be negative" and SQLite listed
    # everything; now the option itself is checked.
    anydb.ok("demo", "load", "--no-incidents")
    anydb.create("--lat", KAYA_GRANDI[0], "--lon", KAYA_GRANDI[1], "--address", "Kaya Grandi")
    args = ["incident", "list"] if command == "list" else ["incident", "search", "kaya"]
    r = anydb(*args, "--limit", limit)
    assert r.rc == 2 and r.out == ""
    assert "--limit" in r.err and "Traceback" not in r.err
    assert len(anydb.json(*args, "--limit", "1")) == 1


def _search_after_note(c: Cli, query: str) -> list[dict[str, Any]]:
    c.ok("demo", "load", "--no-incidents")
    n = c.create("--island", "BO")["number"]
    c.ok("incident", "note", n, "Toerist uit Curaçao zit vast bij café Zeezicht")
    return c.json("incident", "search", query)  # type: ignore[no-any-return]


@pytest.mark.parametrize("query", ["curaçao", "CURAÇAO", "curacao", "cafe zeezicht"])
def test_search_ignores_case_and_accents_on_sqlite(sq: Cli, query: str) -> None:
    hits = _search_after_note(sq, query)
    assert [h["kind"] for h in hits] == ["note"]


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["curaçao", "CURAÇAO"])
def test_search_ignores_case_on_postgres(pg_url: str, capsys: pytest.CaptureFixture[str],
                                         query: str) -> None:
    hits = _search_after_note(Cli(capsys, pg_url), query)
    assert [h["kind"] for h in hits] == ["note"]


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["curacao", "cafe zeezicht"])
def test_search_ignores_accents_on_postgres(pg_url: str, capsys: pytest.CaptureFixture[str],
                                            query: str) -> None:
    hits = _search_after_note(Cli(capsys, pg_url), query)
    assert [h["kind"] for h in hits] == ["note"]


# -- databases that cannot be used ----------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [os.urandom(4096), b"This is my shopping list.\nEggs\nMilk\n", b"\x00" * 100,
     b"SQLite format 2\x00" + b"\x00" * 200, b"x"],
    ids=["random-bytes", "text", "zeros", "almost-sqlite", "one-byte"],
)
@pytest.mark.parametrize("command", [["incident", "list"], ["demo", "load"],
                                     ["db", "upgrade"], ["audit", "verify"]],
                         ids=["list", "demo", "upgrade", "verify"])
def test_file_that_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     content: bytes, command: list[str]) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    names = siblings(path)
    r = Cli(capsys, str(path))(*command)
    refused(r, 6, "not a meldkamer database", "not an SQLite file", str(path))
    assert path.read_bytes() == content
    assert siblings(path) == names  # no -wal, -shm or -journal left behind


def test_read_only_database_is_refused_and_untouched(populated: Cli) -> None:
    path = Path(str(populated.db))
    before = snapshot(populated)
    gc.collect()  # close the connections earlier in-process commands left in their pools
    assert siblings(path) == {path.name}  # so everything is in the one (checkpointed) file
    digest = sha(path)
    path.chmod(0o444)
    try:
        for args in (["incident", "list"],
                     ["incident", "create", "--caller", "112"],
                     ["incident", "note", first_number(), "hello"],
                     ["demo", "load"],
                     ["db", "upgrade"],
                     ["db", "info"]):
            r = populated(*args)
            refused(r, 6, "read-only", str(path))
            assert r.out == ""
        assert sha(path) == digest
        for name in siblings(path) - {path.name}:  # a reader may add an empty WAL index
            assert name.endswith(("-wal", "-shm")), name
            if name.endswith("-wal"):
                assert (path.parent / name).stat().st_size == 0
    finally:
        path.chmod(0o644)
    assert snapshot(populated) == before


def test_directory_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "inside.txt").write_text("keep me")
    r = Cli(capsys, str(tmp_path))("incident", "list")
    refused(r, 6, "is a directory", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inside.txt"]


@pytest.mark.parametrize(
    ("db", "words"),
    [
        ("sqlite://", ["in-memory"]),
        ("sqlite:///:memory:", ["in-memory"]),
        ("mysql://root@127.0.0.1/meldkamer", ["unsupported", "mysql"]),
        ("postgresql://postgres@127.0.0.1:1/meldkamer", ["cannot reach"]),
    ],
)
def test_unusable_database_urls(capsys: pytest.CaptureFixture[str], db: str,
                                words: list[str]) -> None:
    refused(Cli(capsys, db)("incident", "list"), 6, *words)


def test_database_folder_that_cannot_be_made(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a folder")
    r = Cli(capsys, str(blocker / "sub" / "meldkamer.sqlite3"))("incident", "list")
    refused(r, 6, "cannot create the folder")
    assert blocker.read_text() == "not a folder"


@pytest.mark.postgres
def test_postgres_password_never_shown(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with_password = pg_url.replace("postgres@", "postgres:Geheim123@")
    info = Cli(capsys, with_password).json("db", "info")
    assert info["database"].startswith("postgresql+psycopg://postgres:***@")
    assert info["revision"] == HEAD_REVISION
    unreachable = with_password.replace(":5432/", ":1/")
    for args in (["incident", "list"], ["incident", "list", "--json"]):
        r = Cli(capsys, unreachable)(*args)
        refused(r, 6, "cannot reach", "postgres:***@")
        assert "Geheim123" not in r.err + r.out


def _foreign_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.execute("INSERT INTO recipes VALUES ('funchi')")
    con.commit()
    con.close()


def test_other_programs_sqlite_database_is_refused(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "recipes.db"
    _foreign_sqlite(path)
    for command in (["incident", "list"], ["db", "upgrade"], ["demo", "load"]):
        refused(Cli(capsys, str(path))(*command), 6, "not a meldkamer database")
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert tables == ["recipes"]
        assert con.execute("SELECT name FROM recipes").fetchall() == [("funchi",)]
    finally:
        con.close()


def test_other_programs_sqlite_database_is_not_modified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "recipes.db"
    _foreign_sqlite(path)
    digest = sha(path)
    for command in (["incident", "list"], ["db", "upgrade"]):
        refused(Cli(capsys, str(path))(*command), 6, "not a meldkamer database")
    assert siblings(path) == {path.name}
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
    finally:
        con.close()
    assert sha(path) == digest


def test_database_from_a_newer_version_is_refused_clearly(populated: Cli) -> None:
    path = Path(str(populated.db))
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '0099'")
    con.commit()
    con.close()
    try:
        r = populated("incident", "list")
    except Exception as exc:
        pytest.fail(f"main() raised {type(exc).__module__}.{type(exc).__name__}: {exc}")
    refused(r, 6, "0099")
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("0099",)]
    finally:
        con.close()


def test_broken_site_reference_data_exits_7(populated: Cli, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "reference"
    site.mkdir()
    (site / "islands.toml").write_text("[[island]\ncode = 'BO'\n")
    monkeypatch.setenv("MELDKAMER_REFERENCE_DIR", str(site))
    refused(populated("incident", "list"), 7, "islands.toml")


# -- help and import cost --------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--help"], ["incident", "unit", "audit", "demo", "--db"]),
        (["incident", "--help"], ["create", "dispatch", "close", "search", "propose"]),
        (["incident", "create", "--help"], ["--caller", "--lat", "--classification"]),
        (["unit", "status", "--help"], ["callsign", "status", "--reason"]),
    ],
)
def test_help_exits_0(capsys: pytest.CaptureFixture[str], args: list[str],
                      words: list[str]) -> None:
    r = Cli(capsys, None)(*args)
    assert r.rc == 0 and r.err == ""
    assert r.out.startswith("usage: meldkamer")
    for word in words:
        assert word in r.out


LAZY_IMPORTS = r"""
import contextlib, io, json, sys
heavy = {"PySide6", "shiboken6", "sqlalchemy", "alembic", "ui", "phonenumbers"}
def loaded():
    return sorted({m.split(".")[0] for m in sys.modules} & heavy)
from meldkamer.cli import build_parser, main
build_parser()
seen = {"parser": loaded()}
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        main(["--help"])
    except SystemExit as exc:
        seen["help_rc"] = exc.code
seen["help"] = loaded()
seen["help_text"] = out.getvalue()[:40]
with contextlib.redirect_stdout(io.StringIO()):
    seen["list_rc"] = main(["--db", sys.argv[1], "incident", "list"])
seen["list"] = loaded()
print(json.dumps(seen))
"""


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MELDKAMER_DB", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def test_parsing_and_help_import_neither_qt_nor_sqlalchemy(sqlite_url: str) -> None:
    proc = subprocess.run([sys.executable, "-c", LAZY_IMPORTS, sqlite_url], cwd=REPO,
                          env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["parser"] == [] and seen["help"] == []
    assert seen["help_rc"] == 0 and seen["help_text"].startswith("usage: meldkamer")
    assert seen["list_rc"] == 0
    # a command needs the database, but never the GUI; an up-to-date schema needs no Alembic,
    # a list of incidents no number parser
    assert seen["list"] == ["sqlalchemy"]


# -- real processes, end to end --------------------------------------------------------


def _meldkamer(*args: str, db: str, stdin: str | None = None,
               **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "meldkamer", *args], cwd=REPO,
                          env=_env(MELDKAMER_DB=db, **env), capture_output=True, text=True,
                          timeout=120, input=stdin)


def test_subprocess_end_to_end(tmp_path: Path) -> None:
    db = str(tmp_path / "fresh" / "meldkamer.sqlite3")  # folder does not exist yet
    loaded = _meldkamer("demo", "load", "--no-incidents", db=db)
    assert loaded.returncode == 0, loaded.stderr
    assert f"{DEMO_STATIONS} stations, {DEMO_UNITS} units, 0 incidents" in loaded.stdout

    # a fresh demo database has the demo accounts, nothing else: log in as the supervisor
    token = tmp_path / "login" / "token"
    not_yet = _meldkamer("incident", "list", db=db, MELDKAMER_TOKEN_FILE=str(token))
    assert not_yet.returncode == 11 and "meldkamer login" in not_yet.stderr
    login = _meldkamer("login", "--user", "sup", "--password-stdin", db=db,
                       stdin=DEMO_PASSWORD + "\n", MELDKAMER_TOKEN_FILE=str(token))
    assert login.returncode == 0, login.stderr
    assert token.stat().st_mode & 0o777 == 0o600

    created = _meldkamer("incident", "create", "--lat", ORANJESTAD[0], "--lon",
                         ORANJESTAD[1], "--caller", "+599 318 2333", "--classification",
                         "OO.OVL.GEL", "--address", "Fort Oranjestraat", "--json", db=db,
                         MELDKAMER_TOKEN_FILE=str(token))
    assert created.returncode == 0, created.stderr
    inc = json.loads(created.stdout)
    assert inc["number"] == f"STA-{year()}-000001" and inc["island"] == "SE"

    assert inc["calls"][0]["taken_by"] == "sup"
    shown = _meldkamer("incident", "show", inc["number"].lower(), db=db,
                       MELDKAMER_TOKEN_FILE=str(token))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"{inc['number']}  [Open]")
    assert "Fort Oranjestraat" in shown.stdout

    verify = _meldkamer("audit", "verify", db=db, MELDKAMER_TOKEN_FILE=str(token))
    # the two demo accounts, the incident and its call
    assert (verify.returncode, verify.stdout.splitlines()) == (
        0, ["audit trail intact: 4 events", "checkpoints compared: 0"])


def test_subprocess_failure_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))
    content = path.read_bytes()
    proc = _meldkamer("incident", "list", db=str(path))
    assert proc.returncode == 6
    assert proc.stderr.startswith("meldkamer: ") and "Traceback" not in proc.stderr
    assert "not a meldkamer database" in proc.stderr
    assert proc.stdout == ""
    assert path.read_bytes() == content


# -- the audit trail under attack ------------------------------------------------------


def _some_history(c: Cli) -> str:
    c.ok("demo", "load", "--no-incidents")
    n = c.create("--lat", KAYA_GRANDI[0], "--lon", KAYA_GRANDI[1], "--address", "Kaya Grandi")[
        "number"]
    c.ok("incident", "note", n, "Achterdeur geforceerd")
    c.ok("incident", "dispatch", n, "P-101")
    report = c.json("audit", "verify")
    assert report == {"ok": True, "events": 4, "first_broken": None, "problem": "",
                      "problems": [], "not_covered": 0, "checkpoints": 0}
    return n


def test_audit_tamper_on_sqlite_is_detected(sq: Cli) -> None:
    n = _some_history(sq)
    con = sqlite3.connect(str(sq.db))
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE audit_event SET data = '{}' WHERE seq = 2")
        con.rollback()
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM audit_event WHERE seq = 2")
        con.rollback()
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE log_entry SET text = 'nothing happened'")
        con.rollback()
        assert sq.json("audit", "verify")["ok"] is True

        con.execute("DROP TRIGGER audit_event_no_update")
        con.execute("UPDATE audit_event SET data = ? WHERE seq = 2",
                    ('{"caller":"+599 000 0000"}',))
        con.commit()
    finally:
        con.close()
    r = sq("audit", "verify")
    assert r.rc == 8
    assert "BROKEN at event 2" in r.out and f"event 2 (incident.create {n}) was altered" in r.out
    r = sq("audit", "verify", "--json")
    assert r.rc == 8
    report = r.json()
    assert (report["ok"], report["first_broken"]) == (False, 2)
    assert "event 2" in report["problem"]


def test_audit_events_removed_from_the_end_are_detected(sq: Cli) -> None:
    _some_history(sq)
    con = sqlite3.connect(str(sq.db))
    try:
        con.execute("DROP TRIGGER audit_event_no_delete")
        con.execute("DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)")
        con.commit()
    finally:
        con.close()
    r = sq("audit", "verify", "--json")
    assert r.rc == 8
    report = r.json()
    assert report["ok"] is False and "removed from the end" in report["problem"]


def test_audit_event_removed_from_the_middle_is_detected(sq: Cli) -> None:
    _some_history(sq)
    con = sqlite3.connect(str(sq.db))
    try:
        con.execute("DROP TRIGGER audit_event_no_delete")
        con.execute("DELETE FROM audit_event WHERE seq = 3")
        con.commit()
    finally:
        con.close()
    r = sq("audit", "verify", "--json")
    assert r.rc == 8
    assert r.json()["first_broken"] == 3 and "missing" in r.json()["problem"]


@pytest.mark.postgres
def test_audit_tamper_on_postgres_is_detected(pg_url: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    c = Cli(capsys, pg_url)
    n = _some_history(c)
    with psycopg.connect(pg_url) as con:
        with pytest.raises(psycopg.Error, match="append-only"):
            con.execute("UPDATE audit_event SET data = '{}' WHERE seq = 2")
        con.rollback()
        with pytest.raises(psycopg.Error, match="append-only"):
            con.execute("DELETE FROM audit_event WHERE seq = 2")
        con.rollback()
        with pytest.raises(psycopg.Error, match="append-only"):
            con.execute("UPDATE log_entry SET text = 'nothing happened'")
        con.rollback()
    assert c.json("audit", "verify")["ok"] is True

    with psycopg.connect(pg_url) as con:
        con.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        con.execute("UPDATE audit_event SET data = %s WHERE seq = 2",
                    ('{"caller":"+599 000 0000"}',))
        con.commit()
    r = c("audit", "verify")
    assert r.rc == 8 and f"event 2 (incident.create {n}) was altered" in r.out
    report = c("audit", "verify", "--json").json()
    assert (report["ok"], report["first_broken"]) == (False, 2)


# -- defaults --------------------------------------------------------------------------


def test_default_database_lives_in_the_data_dir(capsys: pytest.CaptureFixture[str]) -> None:
    assert "MELDKAMER_DB" not in os.environ
    Cli(capsys, None).ok("db", "upgrade")  # needs no login: it creates the database
    data_dir = Path(os.environ["MELDKAMER_DATA_DIR"])
    seed_tester(str(data_dir / "meldkamer.sqlite3"))
    info = Cli(capsys, None).json("db", "info")
    assert info["database"] == f"sqlite:///{(data_dir / 'meldkamer.sqlite3').resolve()}"
    assert (data_dir / "meldkamer.sqlite3").is_file()
    assert info["incidents"] == 0 and info["revision"] == HEAD_REVISION


def test_help_lists_every_exit_code(populated: Cli) -> None:
    import meldkamer.cli
    from meldkamer import errors

    def kinds(cls: type[errors.MeldkamerError]) -> list[type[errors.MeldkamerError]]:
        return [cls, *(k for sub in cls.__subclasses__() for k in kinds(sub))]

    codes = {k.exit_code for k in kinds(errors.MeldkamerError)} | {0, 8, 130}
    doc = " ".join((meldkamer.cli.__doc__ or "").split())
    shown = " ".join(populated("--help").out.split())
    for code in sorted(codes):
        assert f" {code} " in doc and f" {code} " in shown, code


# -- turnouts ------------------------------------------------------------------------


def test_propose_json_lists_the_turnout_slot_by_slot(populated: Cli) -> None:
    c = populated
    other = c.create("--lat", "12.10", "--lon", "-68.28", "--classification", "WZ.VAA.DRI")
    c.ok("incident", "dispatch", other["number"], "K-101")
    sinking = c.create("--lat", "12.30", "--lon", "-68.50", "--classification",
                       "WZ.VAA.NOO")["number"]
    prop = c.json("incident", "propose", sinking)
    assert prop["complete"] is False and prop["unmet"] == ["boat"]
    boat, ambulance = prop["slots"]
    assert (boat["capability"], boat["callsign"], boat["state"], boat["gap"]) == (
        "boat", None, "unfilled", "busy")
    assert [(d["callsign"], d["incident"], d["incident_priority"]) for d in boat["divert"]] == [
        ("K-101", other["number"], 2)]
    assert boat["divert"][0]["distance_m"] > 0
    assert ambulance["capability"] == "ambulance" and ambulance["callsign"].startswith("A-")
    assert ambulance["proposal"]["callsign"] == ambulance["callsign"]
    human = c.ok("incident", "propose", sinking).out
    assert "UNFILLED: Boat: no unit available; K-101 busy on " + other["number"] in human
    assert f"divert? K-101 on {other['number']} (priority 2)" in human


def test_dispatch_proposal_is_refused_with_a_gap_unless_partial(populated: Cli) -> None:
    c = populated
    other = c.create("--lat", "12.10", "--lon", "-68.28", "--classification", "WZ.VAA.DRI")
    c.ok("incident", "dispatch", other["number"], "K-101")
    n = c.create("--lat", "12.30", "--lon", "-68.50", "--classification",
                 "WZ.VAA.NOO")["number"]
    before = snapshot(c)
    refused(c("incident", "dispatch", n, "--proposal"), 4, "not complete", "K-101",
            other["number"], "partial")
    r = c("incident", "dispatch", n, "--proposal", "--json")
    assert r.rc == 4 and r.json()["error"]["kind"] == "refused"
    assert snapshot(c) == before
    done = c.json("incident", "dispatch", n, "--proposal", "--partial")
    assert [a["callsign"][:2] for a in done["assignments"]] == ["A-"]
    assert done["turnout"]["dispatched"] == [done["assignments"][0]["callsign"]]
    assert [s["capability"] for s in done["turnout"]["unfilled"]] == ["boat"]
    assert done["log"][-1]["text"] == (
        f"Turnout incomplete: Boat: no unit available; K-101 busy on {other['number']}")
    diverted = c.json("incident", "dispatch", n, "--proposal", "--divert", "boat=K-101")
    assert diverted["turnout"]["diverted"] == ["K-101"]
    assert c.json("incident", "show", other["number"])["assignments"][0]["unit_status"] == \
        "cleared"
    refused(c("incident", "dispatch", n, "--proposal"), 4, "already filled")
    assert c.json("audit", "verify")["ok"] is True


def test_dispatch_proposal_on_a_house_fire_assigns_the_whole_plan(populated: Cli,
                                                                  ref: Reference) -> None:
    c = populated
    n = c.create("--lat", KAYA_GRANDI[0], "--lon", KAYA_GRANDI[1], "--classification",
                 "BR.GEB.WON")["number"]
    planned = [s["callsign"] for s in c.json("incident", "propose", n)["slots"]]
    assert None not in planned
    done = c.json("incident", "dispatch", n, "--proposal")
    assert [a["callsign"] for a in done["assignments"]] == planned
    units = {u["callsign"]: u for u in c.json("unit", "list")}
    assert [units[cs]["capabilities"][0] for cs in planned] == list(
        ref.classification("BR.GEB.WON").needs)
    human = c.ok("incident", "withdraw", n, planned[-1], "--reason", "niet nodig").out
    assert f"{planned[-1]} withdrawn (niet nodig)" in human


@pytest.mark.parametrize(("args", "says"), [
    (["--proposal", "P-101"], "not both"),
    (["--partial", "P-101"], "go with --proposal"),
    (["--divert", "boat=K-101", "P-101"], "go with --proposal"),
])
def test_dispatch_proposal_usage_errors(populated: Cli, args: list[str], says: str) -> None:
    before = snapshot(populated)
    r = populated("incident", "dispatch", first_number(), *args)
    assert r.rc == 2 and "usage: meldkamer" in r.err and says in r.err
    assert snapshot(populated) == before


def test_callsigns_may_follow_the_options(populated: Cli) -> None:
    done = populated.json("incident", "dispatch", first_number(), "--override", "x", "P-101",
                          "P-102")
    assert [a["callsign"] for a in done["assignments"]] == ["P-101", "P-102"]
    r = populated("incident", "dispatch", first_number(), "P-103", "--frobnicate")
    assert r.rc == 2 and "unrecognized arguments: --frobnicate" in r.err


def test_divert_needs_capability_and_callsign(populated: Cli) -> None:
    refused(populated("incident", "dispatch", first_number(), "--proposal", "--divert",
                      "K-101"), 2, "CAPABILITY=CALLSIGN")


# -- attention and sources -------------------------------------------------------------


def test_attention_in_the_active_list_show_and_acknowledge(anydb: Cli, ref: Reference) -> None:
    from meldkamer.demo import load_demo
    from meldkamer.domain.source import Source

    c = anydb
    assert c.db is not None
    core = open_core(c.db, ref)
    load_demo(core, incidents=False)
    now = core.clock()
    fresh = core.incidents.create(caller_number="+599 717 1234", lat=12.15, lon=-68.27,
                                  classification="WZ.DUI.ZEE")
    core.clock = lambda: now - timedelta(minutes=2)  # type: ignore[method-assign]
    forgotten = core.incidents.create(caller_number="+599 717 4321", lat=12.15, lon=-68.27,
                                      classification="GZ.ACU.REA")
    core.clock = lambda: now  # type: ignore[method-assign]
    with core.acting(Source.radio(core.user, "P-101", 2111001)):
        core.incidents.log_message(forgotten.number, "radio", "SDS from {callsign}: {text}",
                                   callsign="P-101", text="onderweg?")
    core.close()
    listed = c.json("incident", "list", "--active")
    assert [(i["number"], i["attention"]) for i in listed] == [
        (forgotten.number, ["unattended"]), (fresh.number, [])]
    human = c.ok("incident", "list", "--active").out.splitlines()
    assert human[0].split()[-1] == "ATTENTION" and human[1].endswith("! no unit")
    show = c.ok("incident", "show", forgotten.number).out
    assert "Attention     no unit" in show
    radio_line = next(line for line in show.splitlines() if "onderweg?" in line)
    assert "radio P-101 (ISSI 2111001)" in radio_line and "tester" not in radio_line
    shown = c.json("incident", "show", forgotten.number)
    assert shown["log"][-1]["source"] == {"kind": "radio", "user": "tester",
                                          "detail": "P-101 (ISSI 2111001)"}
    done = c.json("incident", "acknowledge", forgotten.number)
    assert done["attention"] == []
    assert done["log"][-1]["kind"] == "attention"
    assert done["log"][-1]["source"]["kind"] == "operator"
    refused(c("incident", "acknowledge", forgotten.number), 4, "no attention flag")
    refused(c("incident", "acknowledge", "BON-1999-000009"), 3, "BON-1999-000009")
    assert c.json("incident", "list", "--active")[0]["attention"] == []
