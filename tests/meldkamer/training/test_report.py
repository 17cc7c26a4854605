"""The after-action report: an autopilot run on a real training database becomes one
offline, well-formed HTML page with every call, the totals and the timeline."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from meldkamer.cli import main
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput
from meldkamer.store.db import Store
from meldkamer.training import load, parse, play, shipped
from meldkamer.training.report import render_report, write_report

HEAD = """format = 1

[scenario]
name = "report-test"
title = "Report <i>test</i> & co"
description = "A <script>alert(1)</script> check"
islands = ["BO"]
start = 2026-06-11T19:00:00-04:00
seed = 5
"""

CALL = """
[[call]]
id = "c1"
at = "00:01:00"
caller = "+599 555 9001"
name = "<b>x</b>"
place = "Dorp Antriol"
class = "BZ.VNM.VAN"
units = ["patrol_car"]
"""

URL = re.compile(r"https?:", re.IGNORECASE)


@pytest.fixture
def tcore(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    store = Store(sqlite_url)
    store.mark_training()
    core = Meldkamer(store, ref, user="trainee")
    load_demo(core, incidents=False)
    yield core
    core.close()


class Strict(HTMLParser):
    """Every tag closed in order (void elements aside); the text collected."""

    VOID = {"meta", "br", "img", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-3:])
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def well_formed(html: str) -> Strict:
    ET.fromstring(html.split("\n", 1)[1])  # past the doctype: XML-well-formed
    parser = Strict()
    parser.feed(html)
    parser.close()
    assert parser.open == []
    return parser


def test_the_report_of_an_autopilot_run_has_every_call_and_the_totals(
        tmp_path: Path, ref: Reference, tcore: Meldkamer) -> None:
    scenario = load(next(p for p in shipped() if p.stem == "quiet-evening-bonaire"), ref)
    engine, score = play(tcore, scenario)
    out = write_report(tmp_path / "r.html", scenario, engine.records, score, speed=None)
    html = out.read_text(encoding="utf-8")
    parsed = well_formed(html)
    root = ET.fromstring(html.split("\n", 1)[1])
    rows = root.findall(".//tbody/tr")
    assert [r[0].text for r in rows] == [c.id for c in scenario.calls]
    assert len(root.findall(".//svg//rect")) == len(scenario.calls)  # answer->dispatch bars
    duplicate = next(c for c in scenario.calls if c.duplicate_of)
    row = rows[[c.id for c in scenario.calls].index(duplicate.id)]
    assert row[9].text == f"dubbel van {duplicate.duplicate_of} "
    assert row[9][0].text == "ja"  # attached to the earlier call's incident
    text = " ".join(parsed.text)
    assert "Evaluatierapport" in text  # Dutch by default
    assert f"{score.score:g} / 100" in text and score.score == 100.0
    assert str(len(scenario.calls)) in text and "NFPA 1225" in text
    assert scenario.title in text and "BO" in text and str(scenario.seed) in text
    assert not URL.search(html)
    assert not parsed.tags & {"script", "link", "img", "iframe"}


def test_scenario_text_is_escaped(tcore: Meldkamer, ref: Reference) -> None:
    scenario = parse(HEAD + CALL, ref)
    engine, score = play(tcore, scenario)
    html = render_report(scenario, engine.records, score, speed=60, lang="en")
    assert "60x" in html
    parsed = well_formed(html)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html
    assert "<script>" not in html and "&lt;i&gt;test&lt;/i&gt; &amp; co" in html
    assert "<b>x</b>" in parsed.text  # shown as the caller typed it
    assert "script" not in parsed.tags and "After-action report" in html


def test_a_missed_call_shows_its_deductions(tcore: Meldkamer, ref: Reference) -> None:
    scenario = parse(HEAD + CALL, ref)
    engine, score = play(tcore, scenario, autopilot=False)
    root = ET.fromstring(render_report(scenario, engine.records, score,
                                       lang="en").split("\n", 1)[1])
    row = root.findall(".//tbody/tr")[0]
    assert row[12].text == "0"
    assert row[13].text == "class -30, priority -15, units -30, questions -10, on_time -15"
    assert root.findall(".//svg//rect") == []  # never answered: no bar


def test_cli_run_writes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "saba.html"
    assert main(["scenario", "run", "saba-medevac-statia-fire", "--headless", "--autopilot",
                 "--report", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    well_formed(html)
    assert "Evaluatierapport" in html and "zo snel als de machine kan" in html
    assert html.count("<tr><td>") == 3
    english = tmp_path / "en.html"
    assert main(["--lang", "en", "scenario", "run", "saba-medevac-statia-fire", "--headless",
                 "--autopilot", "--report", str(english)]) == 0
    assert "After-action report" in english.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["scenario", "run", "saba-medevac-statia-fire", "--headless", "--autopilot",
                 "--report", str(tmp_path / "no" / "such" / "dir.html")]) == 2
    assert str(tmp_path / "no") in capsys.readouterr().err


def test_the_cli_refuses_a_report_of_another_kind(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.docx"
    assert main(["scenario", "run", "saba-medevac-statia-fire", "--headless", "--autopilot",
                 "--report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "must end in .html or .pdf" in err and "Traceback" not in err
    assert not out.exists()


def test_an_unwritable_report_is_invalid_input(tmp_path: Path, tcore: Meldkamer,
                                               ref: Reference) -> None:
    scenario = parse(HEAD + CALL, ref)
    engine, score = play(tcore, scenario)
    with pytest.raises(InvalidInput):
        write_report(tmp_path, scenario, engine.records, score)  # a directory
