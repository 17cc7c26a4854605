"""HTML to PDF through QtWebEngine's printToPdf, offline: the after-action report's PDF.

``html_to_pdf(html, path)`` lays a self-contained HTML page (a string) out on A4 with
margins and writes it as a PDF; the page's inline SVG goes in as vector graphics. It works
with or without a running QApplication: the CLI has none (one is made, offscreen when
there is no screen), the workstation has one (the work runs in a local event loop, so
the window keeps painting). The page loads from a temporary local file (``setHtml`` caps
its input at 2 MB) into an off-the-record profile of its own, with JavaScript off, and
the map's ``LocalOnlyGuard`` refuses every request that is not local: no network.

Registered as the ``pdf`` frontend (entry points group ``meldkamer.frontends``) so the
Qt-free CLI reaches it without importing ``ui``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import shiboken6

import ui.map.webengine  # noqa: F401  (QtWebEngineWidgets before any QApplication)
from meldkamer.errors import InvalidInput, MeldkamerError
from meldkamer.i18n import N_
from ui.map.guard import LocalOnlyGuard
from ui.map.webengine import QUrl, QWebEnginePage, QWebEngineProfile, QWebEngineSettings
from ui.qt import QApplication, QEventLoop, QMarginsF, QPageLayout, QPageSize, QTimer

TIMEOUT_MS = 120_000
MARGINS_MM = 12.0


def _application() -> QApplication:
    app = QApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QApplication(sys.argv[:1])


def page_layout(*, landscape: bool = True, margins_mm: float = MARGINS_MM) -> QPageLayout:
    """A4 with equal margins; landscape by default (the report's call table is wide)."""
    orientation = (QPageLayout.Orientation.Landscape if landscape
                   else QPageLayout.Orientation.Portrait)
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), orientation,
                       QMarginsF(margins_mm, margins_mm, margins_mm, margins_mm),
                       QPageLayout.Unit.Millimeter)


class _Job:
    """One page loaded and printed; ``error`` None when the PDF was written."""

    def __init__(self, html_file: Path, out: Path, layout: QPageLayout) -> None:
        self.out = out
        self.layout = layout
        self.error: MeldkamerError | None = None
        self.done = False
        self.loop = QEventLoop()
        self.profile = QWebEngineProfile()  # no name: off the record, nothing on disk
        self.guard = LocalOnlyGuard()
        self.profile.setUrlRequestInterceptor(self.guard)
        self.page = QWebEnginePage(self.profile)
        settings = self.page.settings()
        attr = QWebEngineSettings.WebAttribute
        settings.setAttribute(attr.JavascriptEnabled, False)
        settings.setAttribute(attr.LocalContentCanAccessRemoteUrls, False)
        settings.setAttribute(attr.PrintElementBackgrounds, True)
        self.page.loadFinished.connect(self._loaded)
        self.page.pdfPrintingFinished.connect(self._printed)
        self.page.load(QUrl.fromLocalFile(str(html_file)))

    def _finish(self, error: MeldkamerError | None) -> None:
        if self.done:
            return
        self.done = True
        self.error = error
        self.loop.quit()

    def _loaded(self, ok: bool) -> None:
        if not ok:
            self._finish(MeldkamerError(N_("cannot lay out the report for {path}"),
                                        path=str(self.out)))
            return
        self.page.printToPdf(str(self.out), self.layout)

    def _printed(self, _path: str, ok: bool) -> None:
        self._finish(None if ok else InvalidInput(
            N_("cannot write the PDF {path}"), path=str(self.out)))

    def timed_out(self) -> None:
        self._finish(MeldkamerError(N_("writing the PDF {path} took too long"),
                                    path=str(self.out)))

    def close(self) -> None:
        # The page before its profile (Qt warns otherwise), now: the CLI runs no loop after.
        shiboken6.delete(self.page)
        shiboken6.delete(self.profile)


def html_to_pdf(html: str, path: str | Path, *, landscape: bool = True,
                margins_mm: float = MARGINS_MM, timeout_ms: int = TIMEOUT_MS) -> Path:
    """Write ``html`` as a PDF to ``path`` (A4, margins); the path.

    A folder that does not exist or a file that cannot be written is ``InvalidInput``;
    the blocked remote requests, if any, are logged by the guard.
    """
    out = Path(path).resolve()
    if not out.parent.is_dir():
        raise InvalidInput(N_("cannot write the PDF {path}"), path=str(out))
    _application()
    with tempfile.TemporaryDirectory(prefix="meldkamer-pdf-") as tmp:
        source = Path(tmp) / "report.html"
        source.write_text(html, encoding="utf-8")
        job = _Job(source, out, page_layout(landscape=landscape, margins_mm=margins_mm))
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(job.timed_out)
        timer.start(timeout_ms)
        try:
            if not job.done:
                job.loop.exec()
        finally:
            timer.stop()
            job.close()
    if job.error is not None:
        raise job.error
    return out
