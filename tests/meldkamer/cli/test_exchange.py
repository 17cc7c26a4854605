"""``meldkamer export cap``, ``import cap`` and ``cap list``: files, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from meldkamer.cli import main
from tests.fixtures import seed_tester
from tests.meldkamer.exchange.test_cap import schema


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_export_writes_a_valid_alert_that_is_listed_and_imports_elsewhere(
        sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "orkaan.xml"
    rc, stdout, err = run(capsys, "--db", sqlite_url, "--json", "export", "cap",
                          "--headline", "Orkaan nadert", "--area", "BO", "--area", "SE",
                          "--event", "hurricane", "--severity", "Severe",
                          "--headline-en", "Hurricane approaching",
                          "--expires", "2099-09-01T18:00", "--out", str(out))
    assert rc == 0, err
    data = json.loads(stdout)
    assert data["status"] == "Actual" and data["severity"] == "Severe"
    assert data["expires"] == "2099-09-01T18:00:00-04:00"
    assert schema().validate(etree.parse(str(out)))
    rc, stdout, _ = run(capsys, "--db", sqlite_url, "--json", "cap", "list")
    listed = json.loads(stdout)
    assert [a["identifier"] for a in listed] == [data["identifier"]]
    assert listed[0]["areas"] == ["Bonaire", "Sint Eustatius"]
    other = str(tmp_path / "other.sqlite3")
    seed_tester(other)  # the other control room, with its own logged-in user
    rc, stdout, err = run(capsys, "--db", other, "import", "cap", str(out))
    assert rc == 0, err
    assert data["identifier"] in stdout and "Orkaan nadert" not in stdout  # English: en block
    assert "Hurricane approaching" in stdout
    rc, _, err = run(capsys, "--db", other, "import", "cap", str(out))
    assert rc == 5 and "already stored" in err
    rc, stdout, _ = run(capsys, "--db", other, "cap", "show", data["identifier"])
    assert rc == 0 and stdout.startswith("<?xml")


def test_training_exports_exercise(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MELDKAMER_TRAINING_DB", str(tmp_path / "training.sqlite3"))
    seed_tester(str(tmp_path / "training.sqlite3"))
    out = tmp_path / "oefening.xml"
    rc, stdout, err = run(capsys, "--training", "--json", "export", "cap", "--headline",
                          "Oefening tsunami", "--area", "SA", "--event", "tsunami",
                          "--out", str(out))
    assert rc == 0, err
    assert json.loads(stdout)["status"] == "Exercise"
    assert b"<status>Exercise</status>" in out.read_bytes()
    rc, _, err = run(capsys, "--training", "export", "cap", "--headline", "x", "--area", "SA",
                     "--status", "Actual", "--out", str(out))
    assert rc == 4 and "never Actual" in err


@pytest.mark.parametrize(("content", "needle"), [
    (b"\x00\x01garbage", "geen correcte XML"),
    (b"<alert xmlns='urn:example'/>", "hoofdelement"),
    (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><sender>a</sender></alert>",
     "<identifier> ontbreekt"),
])
def test_bad_files_are_explained_in_dutch_and_nothing_is_stored(
        sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes,
        needle: str) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(content)
    rc, _, err = run(capsys, "--db", sqlite_url, "--lang", "nl", "import", "cap", str(bad))
    assert rc == 2 and needle in err and "Traceback" not in err
    rc, stdout, _ = run(capsys, "--db", sqlite_url, "--json", "cap", "list", "--all")
    assert json.loads(stdout) == []


def test_bad_choices_exit_2(sqlite_url: str, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "x.xml")
    rc, _, err = run(capsys, "--db", sqlite_url, "export", "cap", "--headline", "x",
                     "--area", "CUR", "--out", out)
    assert rc == 2 and "unknown island" in err
    with pytest.raises(SystemExit) as exited:
        main(["--db", sqlite_url, "export", "cap", "--headline", "x", "--area", "BO",
              "--expires", "morgen", "--out", out])
    assert exited.value.code == 2
    assert not Path(out).exists()
