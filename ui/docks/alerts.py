"""Public warnings in force (CAP alerts sent or imported), for the operators to read.

The list reloads off the GUI thread: when this workstation stores an alert, and every
minute (alerts expire, and other workstations import them). Arrow keys walk the list;
the selected alert's description and instruction show below it.
"""

from __future__ import annotations

from html import escape
from typing import Any

from meldkamer.core import Meldkamer
from meldkamer.domain.views import local
from meldkamer.exchange.alerts import PublicWarnings, StoredAlert
from meldkamer.exchange.cap import SEVERITY_NAMES as SEVERITY
from meldkamer.exchange.cap import STATUS_NAMES as STATUS
from meldkamer.i18n import N_, language, tr
from ui.ops import Operations
from ui.qt import (
    QAbstractItemView,
    QColor,
    QDockWidget,
    QHeaderView,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

HEADERS = (N_("Severity"), N_("Headline"), N_("Area"), N_("Sent"), N_("Expires"))
COLOURS = {"Extreme": "#c0392b", "Severe": "#d35400", "Moderate": "#b7950b"}
RELOAD_MS = 60_000


def _time(ts: Any) -> str:
    shown = local(ts)
    return shown.strftime("%d-%m %H:%M") if shown else "-"


class AlertsDock(QDockWidget):
    """Public warnings in force, newest first, with the selected one's text."""

    message = Signal(str)
    """Something the operator should read in the status bar (a new warning)."""

    def __init__(self, core: Meldkamer, ops: Operations, parent: QWidget | None = None,
                 *, reload_ms: int = RELOAD_MS) -> None:
        super().__init__(tr("Public warnings"), parent)
        self.setObjectName("dock_alerts")
        self.core, self.ops = core, ops
        self._warnings: PublicWarnings | None = None  # built on the worker (reads cap.toml)
        self.alerts: list[StoredAlert] = []
        self._seen: set[int] | None = None  # None until the first load: nothing is "new"
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 2, 2)
        self.view = QTableWidget(0, len(HEADERS), objectName="alerts_table")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.view.itemSelectionChanged.connect(self._show_selected)
        layout.addWidget(self.view, 2)
        self.detail = QTextBrowser(objectName="alert_detail")
        self.detail.setOpenLinks(False)
        layout.addWidget(self.detail, 1)
        self.setWidget(body)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.reload)
        self.timer.start(reload_ms)
        self.retranslate()

    def retranslate(self) -> None:
        self.view.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self._title()
        selected = self.selected()
        self._fill(selected.seq if selected else None)

    def _title(self) -> None:
        self.setWindowTitle(tr("Public warnings ({count})", count=len(self.alerts))
                            if self.alerts else tr("Public warnings"))

    # -- data ------------------------------------------------------------------------

    def _active(self) -> list[StoredAlert]:
        """On the worker: the alerts in force."""
        if self._warnings is None:
            self._warnings = PublicWarnings(self.core)
        return self._warnings.active()

    def reload(self, *_: Any) -> None:
        """Fetch the alerts in force off the GUI thread, then show them."""
        self.ops.run(self._active, self.show_alerts)

    def show_alerts(self, alerts: list[StoredAlert]) -> None:
        """Show the alerts loaded; tell the operator about new ones (not at the first load)."""
        selected = self.selected()
        self.alerts = list(alerts)
        self._fill(selected.seq if selected else None)
        new = [k for k in self.alerts if self._seen is not None and k.seq not in self._seen]
        self._seen = (self._seen or set()) | {k.seq for k in self.alerts}
        lang = language()
        for kept in new:
            info = kept.alert.info(lang)
            self.message.emit(tr("New public warning: {headline}",
                                 headline=(info.headline or info.event) if info else
                                 kept.alert.identifier))

    def _fill(self, keep: int | None = None) -> None:
        """Fill the list in the current language, keeping the alert ``keep`` selected."""
        lang = language()
        self.view.setRowCount(len(self.alerts))
        for row, kept in enumerate(self.alerts):
            info = kept.alert.info(lang)
            severity = info.severity if info else "Unknown"
            headline = (info.headline or info.event) if info else kept.alert.identifier
            if kept.alert.status != "Actual":
                headline = f"[{tr(STATUS.get(kept.alert.status, kept.alert.status))}] {headline}"
            cells = [tr(SEVERITY.get(severity, severity)), headline,
                     ", ".join(a.description for a in info.areas) if info else "",
                     _time(kept.alert.sent), _time(kept.alert.expires)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0 and severity in COLOURS:  # a swatch: still seen when selected
                    item.setData(Qt.ItemDataRole.DecorationRole, QColor(COLOURS[severity]))
                self.view.setItem(row, col, item)
        self.view.resizeColumnToContents(0)
        self._title()
        rows = [r for r, k in enumerate(self.alerts) if k.seq == keep]
        if rows:
            self.view.selectRow(rows[0])
        elif self.alerts:
            self.view.selectRow(0)
        else:
            self.detail.setHtml(escape(tr("No public warnings in force")))

    def selected(self) -> StoredAlert | None:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        if rows and rows[0].row() < len(self.alerts):
            return self.alerts[rows[0].row()]
        return None

    def _show_selected(self) -> None:
        kept = self.selected()
        if kept is None:
            return
        a = kept.alert
        info = a.info(language())
        parts = [f"<h3>{escape(info.headline or info.event if info else a.identifier)}</h3>"]
        if info and info.description:
            parts.append(f"<p>{escape(info.description)}</p>")
        if info and info.instruction:
            label = tr("Instruction")
            parts.append(f"<p><b>{escape(label)}:</b> {escape(info.instruction)}</p>")
        facts: list[str] = []

        def line(label: str, value: str) -> None:
            if value:
                facts.append(f"<b>{escape(label)}:</b> {escape(value)}")

        if info:
            line(tr("Event"), info.event)
            line(tr("Severity"), tr(SEVERITY.get(info.severity, info.severity)))
        line(tr("Status"), tr(STATUS.get(a.status, a.status)))
        line(tr("Sender"), (info.sender_name if info and info.sender_name else a.sender))
        line(tr("Sent"), _time(a.sent))
        line(tr("Expires"), _time(a.expires))
        line(tr("Source"), tr("sent by this control room") if kept.direction == "out"
             else tr("imported"))
        parts.append(f"<p>{' &nbsp;·&nbsp; '.join(facts)}</p>")
        self.detail.setHtml("".join(parts))

    def focus_list(self) -> None:
        self.show()
        self.raise_()
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
