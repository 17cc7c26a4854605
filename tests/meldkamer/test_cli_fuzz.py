"""The CLI fuzzed with hypothesis: random arguments for each command group, run in-process
through ``meldkamer.cli.main`` on a fresh database. Whatever comes in, the exit code is one
the CLI documents, no traceback reaches stderr and the audit chain stays intact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meldkamer.cli import main
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.store.db import Store
from tests.fixtures import seed_tester

DOCUMENTED = {0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}  # the module docstring of meldkamer.cli
GROUPS = {
    "unit": (["unit", "list"], ["unit", "status"], ["unit", "import"]),
    "incident": (["incident", "create"], ["incident", "list"], ["incident", "show"],
                 ["incident", "locate"], ["incident", "classify"], ["incident", "note"],
                 ["incident", "dispatch"], ["incident", "withdraw"], ["incident", "close"],
                 ["incident", "attach"], ["incident", "duplicate"], ["incident", "search"],
                 ["incident", "propose"], ["incident", "acknowledge"]),
    "maps": (["maps", "render"], ["maps", "info"], ["geocode"], ["maps", "import-osm"]),
    "other": (["classification", "list"], ["audit", "verify"], ["db", "info"],
              ["cap", "list"], ["import", "cap"], ["export", "incidents"],
              ["scenario", "validate"]),
}
OPTIONS = ["--island", "--discipline", "--reason", "--caller", "--name", "--lat", "--lon",
           "--address", "--classification", "--priority", "--urgency", "--limit",
           "--active", "--proposal", "--partial", "--divert", "--override", "--of",
           "--disposition", "--note", "--apply", "--json", "--user", "--lang", "--reverse",
           "--out", "--from", "--to", "--help"]
WORDS = ["P-101", "A-101", "K-101", "BO", "SA", "SE", "on_scene", "available_mobile",
         "BZ.INB.WON", "BON-2026-000001", "12.15", "-68.27", "1e300", "nan", "-1", "0",
         "99999999999999999999", "", " ", "..", "/", "/dev/zero", "/../../x", "x" * 5000,
         "caf\udce9", "a\x00b", "\u202e", "patrol", "boat=K-101", "HANDLED", "nl", "pap"]
token = st.one_of(st.sampled_from(OPTIONS), st.sampled_from(WORDS),
                  st.text(max_size=30), st.text(st.characters(codec="utf-8"), max_size=8))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Path:
    """A database with the demo roster and shift, copied fresh for each group."""
    path = tmp_path_factory.mktemp("fuzz") / "seed.sqlite3"
    core = Meldkamer(Store(str(path)), ref, user="tester")
    try:
        load_demo(core)
    finally:
        core.close()
    seed_tester(str(path))  # the test supervisor the CLI logs in as (tests/fixtures.py)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse: usage errors (2) and --help (0)
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return rc, capsys.readouterr().err


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_random_arguments_never_give_a_traceback(
        group: str, seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "fuzz.sqlite3"
    shutil.copyfile(seeded, db)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # outputs given as relative paths land here
    seen: set[int] = set()

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(command=st.sampled_from(GROUPS[group]), rest=st.lists(token, max_size=6))
    def check(command: list[str], rest: list[str]) -> None:
        rc, err = run(["--db", str(db), *command, *rest], capsys)
        seen.add(rc)
        assert rc in DOCUMENTED, (command, rest, rc, err)
        assert "Traceback" not in err, (command, rest, err)

    check()
    rc, err = run(["--db", str(db), "audit", "verify"], capsys)
    assert rc == 0, err
    assert seen, "no example ran"
