"""The after-action report from the console: the HTML page, or the same page as a PDF.

``save_report`` writes the HTML page of ``meldkamer.training.report``; ``save_pdf`` lays
the same page out as a PDF through ``ui.pdf.html_to_pdf`` (QtWebEngine, offline). Both
touch files only, never the database, so they run on the GUI thread (the PDF's layout
runs in a local event loop: the windows keep painting).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from meldkamer.i18n import language
from meldkamer.training.engine import CallRecord
from meldkamer.training.report import render_report, write_report
from meldkamer.training.scenario import Scenario
from meldkamer.training.scoring import RunScore


def save_report(path: str | Path, scenario: Scenario, records: Sequence[CallRecord],
                score: RunScore, *, speed: float | None) -> Path:
    """Write the HTML report in the console's language; ``InvalidInput`` when the path
    cannot be written."""
    return write_report(path, scenario, records, score, speed=speed, lang=language())


def save_pdf(path: str | Path, scenario: Scenario, records: Sequence[CallRecord],
             score: RunScore, *, speed: float | None) -> Path:
    """Write the report as a PDF (A4 landscape); ``InvalidInput`` when the path cannot
    be written, ``MeldkamerError`` when the layout fails."""
    from ui.pdf import html_to_pdf

    html = render_report(scenario, records, score, speed=speed, lang=language())
    return html_to_pdf(html, path)
