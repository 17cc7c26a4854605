"""The shift report as a PDF: the CLI in a process of its own (no QApplication there, as
a supervisor's would run), through the UI's ``pdf`` frontend; checked with poppler."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from meldkamer.domain.reference import Reference
from tests.meldkamer.reports import shiftdata
from tests.ui.dbguard import db_allowed
from tests.ui.test_pdf import _frontends, _pages, _text, needs_poppler

ROOT = Path(__file__).resolve().parents[2]
# The real CLI: ``report shift`` is in the ``report`` group (meldkamer/cli/reports.py).
CLI = """
import sys
from meldkamer.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _run(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), _frontends(tmp_path), env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-c", CLI, *argv], capture_output=True, text=True,
                          env=env, timeout=300)


@needs_poppler
def test_the_night_shift_as_a_pdf(tmp_path: Path, sqlite_template: Path,
                                  ref: Reference) -> None:
    url = shiftdata.fresh(tmp_path, sqlite_template)
    with db_allowed():
        n = shiftdata.build(url, ref)
    out, csv_out = tmp_path / "night.pdf", tmp_path / "night.csv"
    run = _run(tmp_path, "report", "shift", "--db", url, "--date", "2026-09-18", "--shift",
               "night", "--pdf", str(out), "--csv", str(csv_out))
    assert run.returncode == 0, run.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    assert _pages(out) == 2  # totals to the notable events, then the two wide tables
    text = _text(out)
    assert "Dienstrapport 2026-09-18, nachtdienst (2026-09-18 19:00 tot 2026-09-19 07:00)" \
        in text
    for section in ("Totalen", "Incidenten per classificatie en eiland", "Ingezette eenheden",
                    "Bijzonderheden", "Overgedragen open incidenten",
                    "Incidenten van de dienst"):
        assert section in text, section
    for number in (n["cardiac"], n["noise"], n["livestock"]):
        assert number in text
    handed = text[text.index("Overgedragen open incidenten"):
                  text.index("Incidenten van de dienst")]
    assert n["cardiac"] in handed and n["livestock"] in handed and n["noise"] not in handed
    assert "Langdurig incident" in text and "Prioriteit 1" in text
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(out),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = (int.from_bytes(png.read_bytes()[i:i + 4], "big") for i in (16, 20))
    assert abs(width - 585) <= 2 and abs(height - 413) <= 2  # A4 landscape at 50 dpi


@needs_poppler
def test_many_incidents_span_pages_and_no_row_is_cut(tmp_path: Path, sqlite_template: Path,
                                                     ref: Reference) -> None:
    """120 incidents in one day: several pages, every incident's number whole on one."""
    from meldkamer.core import Meldkamer
    from meldkamer.demo import load_demo
    from meldkamer.store.db import Store

    url = shiftdata.fresh(tmp_path, sqlite_template, "busy")
    clock = shiftdata.Clock(shiftdata.at(18, 0, 5))
    numbers = []
    with db_allowed():
        core = Meldkamer(Store(url), ref, user="tester", clock=clock)
        try:
            load_demo(core, incidents=False)
            for k in range(120):
                clock.now = shiftdata.at(18, k // 6, (k % 6) * 10)
                numbers.append(core.incidents.create(
                    caller_number=f"+599 717 {3000 + k}", lat=12.15, lon=-68.27,
                    address=f"Kaya {k}", classification="BZ.INB.WON").number)
        finally:
            core.close()
    out = tmp_path / "busy.pdf"
    run = _run(tmp_path, "--lang", "en", "report", "shift", "--db", url, "--date",
               "2026-09-18", "--pdf", str(out))
    assert run.returncode == 0, run.stderr
    pages = _pages(out)
    assert pages >= 3
    per_page = [subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), str(out),
                                "-"], capture_output=True, text=True, check=True).stdout
                for p in range(1, pages + 1)]
    assert "Open incidents handed over" in "".join(per_page)
    # Each is open past 2 h at the day's end: a notable event, handed over and in the
    # incidents table; three times, each whole on its page (a cut row would split it).
    for number in numbers:
        assert sum(page.count(number) for page in per_page) == 3, number
