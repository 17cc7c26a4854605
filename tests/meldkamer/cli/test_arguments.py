"""CLI arguments from outside: bytes that are not UTF-8, output paths that name no file, FIFOs
handed in as files; each a clear error (exit 2) and nothing written or changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from meldkamer.cli import main

REPO = Path(__file__).resolve().parents[3]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    try:
        rc = main(list(argv))
    except SystemExit as exc:
        rc = int(exc.code or 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_an_argument_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    db = tmp_path / "live.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(REPO), "MELDKAMER_USER": "tester"}
    done = subprocess.run([sys.executable, "-m", "meldkamer", "--db", str(db).encode(),
                           "incident", "note", "BON-2026-000001", b"caf\xe9"],
                          capture_output=True, env=env, cwd=tmp_path, timeout=120)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 2, err
    assert "UnicodeEncodeError" not in err and "Traceback" not in err
    assert "argument 6" in err and "not valid UTF-8" in err and "caf\\xe9" in err
    assert not db.exists()  # refused before anything was opened


def test_a_surrogate_escape_in_process_names_the_option(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, err = run(capsys, "--db", str(tmp_path / "x.db"), "unit", "list", "--island",
                  "B\udcff")
    assert rc == 2 and "--island" in err and "not valid UTF-8" in err
    assert listing(tmp_path) == []


def test_maps_render_refuses_an_empty_output_path(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work" / "here"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    for out in ("", " ", ".", "..", "sub/", str(tmp_path)):
        rc, err = run(capsys, "--db", str(tmp_path / "live.db"), "maps", "render", out)
        assert rc == 2, (out, err)
        assert err.startswith("meldkamer: ")
    assert listing(tmp_path) == ["work", "work/here"]  # nothing in the parent, nor here


def test_maps_render_refuses_a_fifo(capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)  # writing into it would block for ever: refused before opening
    rc, err = run(capsys, "--db", str(tmp_path / "live.db"), "maps", "render", str(fifo))
    assert rc == 2 and "FIFO" in err
    assert listing(tmp_path) == ["page.html"]


@pytest.mark.parametrize("command", [["maps", "import-osm"], ["maps", "import-tiles"],
                                     ["import", "cap"], ["scenario", "validate"]])
def test_other_imports_refuse_a_fifo_and_a_device(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path, command: list[str],
                                                  sqlite_url: str) -> None:
    fifo = tmp_path / "data.fifo"
    os.mkfifo(fifo)
    for path, word in ((str(fifo), "FIFO"), ("/dev/zero", "device")):
        # a database with the logged-in test user: the file is what is refused
        rc, err = run(capsys, "--db", sqlite_url, *command, path)
        assert rc in (2, 10), err
        assert word in err, err


@pytest.mark.parametrize("command", ["gui", "trainer"])
def test_an_empty_screenshot_path_is_refused_before_a_window_opens(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    for out in ("", str(tmp_path)):
        rc, err = run(capsys, "--db", str(tmp_path / "live.db"), command, "--screenshot", out)
        assert rc == 2 and err.startswith("meldkamer: "), err
    assert listing(tmp_path) == []
