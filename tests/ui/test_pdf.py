"""The after-action report as a PDF: QtWebEngine lays the HTML out on A4, offline.

The CLI run goes in a process of its own, as a trainer's would: no QApplication exists
there before the PDF is written. The other tests write from the test session's
QApplication, as the workstation would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from meldkamer.errors import InvalidInput
from ui.pdf import html_to_pdf

ROOT = Path(__file__).resolve().parents[2]
POPPLER = all(shutil.which(tool) for tool in ("pdfinfo", "pdftotext", "pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")


def _frontends(tmp_path: Path) -> str:
    """A ``sys.path`` entry that registers the 'pdf' frontend when the installed
    meldkamer predates it (a development checkout); otherwise nothing."""
    if entry_points(group="meldkamer.frontends", name="pdf"):
        return ""
    info = tmp_path / "frontends" / "meldkamer_frontends_dev-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: meldkamer-frontends-dev\n"
                                   "Version: 0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[meldkamer.frontends]\n"
                                           "pdf = ui.pdf:html_to_pdf\n", encoding="utf-8")
    return str(info.parent)


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    found = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    assert found, info.stdout
    return int(found.group(1))


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@needs_poppler
def test_a_headless_autopilot_run_writes_a_pdf_report(tmp_path: Path) -> None:
    out = tmp_path / "saba.pdf"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), _frontends(tmp_path), env.get("PYTHONPATH", "")) if p)
    run = subprocess.run(
        [sys.executable, "-m", "meldkamer", "--json", "scenario", "run",
         "saba-medevac-statia-fire", "--headless", "--autopilot", "--report", str(out)],
        capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert '"report"' in run.stdout
    assert out.read_bytes().startswith(b"%PDF-")
    assert _pages(out) >= 1
    text = _text(out)
    assert "Evaluatierapport: A medevac on Saba while a fire burns on Statia" in text
    assert "100 / 100" in text  # the score
    for call in ("statia-house-fire", "saba-hiker", "statia-bush-fire"):
        assert call in text  # the timeline's labels (the table may wrap them)
    assert "0:25:00" in text  # an axis label of the SVG timeline, drawn as text
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(out),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = (int.from_bytes(png.read_bytes()[i:i + 4], "big") for i in (16, 20))
    assert abs(width - 585) <= 2 and abs(height - 413) <= 2  # A4 landscape at 50 dpi


@needs_poppler
def test_html_to_pdf_inside_a_running_application(qapp: object, tmp_path: Path) -> None:
    rows = "".join(f"<tr><td>row-{n:03d}</td><td>{'x' * 40}</td></tr>" for n in range(400))
    html = ("<!DOCTYPE html><html><head><meta charset='utf-8'/><style>"
            "tr{break-inside:avoid}</style></head><body><h1>Überschrift &amp; co</h1>"
            "<svg width='900' height='60' viewBox='0 0 900 60'><rect x='0' y='0' "
            "width='400' height='30' fill='#2a2'/><text x='10' y='50'>svg-label-42</text>"
            f"</svg><table>{rows}</table></body></html>")
    out = html_to_pdf(html, tmp_path / "long.pdf", landscape=False)
    assert out == (tmp_path / "long.pdf").resolve()
    assert _pages(out) > 1
    text = _text(out)
    assert "Überschrift & co" in text and "svg-label-42" in text
    assert all(f"row-{n:03d}" in text for n in range(400))  # nothing lost between pages


def test_an_unwritable_pdf_is_invalid_input(qapp: object, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot write the PDF"):
        html_to_pdf("<p>x</p>", tmp_path / "no" / "such" / "dir.pdf")
    with pytest.raises(InvalidInput, match="cannot write the PDF"):
        html_to_pdf("<p>x</p>", tmp_path)  # a folder
