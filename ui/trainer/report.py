"""The after-action report from the console: HTML now, PDF where it will be wired in.

``save_report`` writes the HTML page of ``meldkamer.training.report``. ``save_pdf`` is
the one place the PDF export (``ui/pdf.py``, being built separately) is to be wired in;
until it is, ``pdf_available()`` is False, the console's PDF button and menu entry are
disabled and ``save_pdf`` refuses with a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from meldkamer.errors import MeldkamerError
from meldkamer.i18n import language
from meldkamer.training.engine import CallRecord
from meldkamer.training.report import render_report, write_report
from meldkamer.training.scenario import Scenario
from meldkamer.training.scoring import RunScore

PDF_WIRED = False
"""Set to True when ``save_pdf`` calls ``ui/pdf.py``."""


def save_report(path: str | Path, scenario: Scenario, records: Sequence[CallRecord],
                score: RunScore, *, speed: float | None) -> Path:
    """Write the HTML report in the console's language; ``InvalidInput`` when the path
    cannot be written."""
    return write_report(path, scenario, records, score, speed=speed, lang=language())


def pdf_available() -> bool:
    """Whether the console offers the PDF export."""
    return PDF_WIRED


def save_pdf(path: str | Path, scenario: Scenario, records: Sequence[CallRecord],
             score: RunScore, *, speed: float | None) -> Path:
    """The report as a PDF at ``path``.

    To wire in: render the HTML (below) and hand it to ``ui/pdf.py``'s export, return
    the path written, and set ``PDF_WIRED``."""
    html = render_report(scenario, records, score, speed=speed, lang=language())
    raise MeldkamerError("PDF export is not available yet; save the report as HTML "
                         "({chars} characters for {path})", chars=len(html), path=str(path))
