"""The workstation's reports (Reports menu): response times (``ui.reports.kpi``)."""

from __future__ import annotations

from typing import Any


def open_reports(window: Any) -> Any:
    """The response-times window of the workstation (made once, shown and raised)."""
    from ui.reports.kpi import KpiWindow

    reports = getattr(window, "kpi_window", None)
    if reports is None:
        # Owned by the workstation's window: it goes when the workstation does.
        reports = KpiWindow(window.core, window.ops, parent=window)
        window.kpi_window = reports
    reports.show()
    reports.raise_()
    reports.activateWindow()
    return reports
