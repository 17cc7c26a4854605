"""The technician panel: gateways with their state and counters, what they hear, link tests.

The loopback test runs on its own thread (it may take seconds on a slow line) and
reports progress; results come back as a table.
"""

from __future__ import annotations

import threading
from typing import Any

from meldkamer.i18n import N_, tr
from meldkamer.radio import RadioLink
from ui.i18n import Texts
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

GATEWAY_COLUMNS = (N_("Name"), N_("Port"), N_("Protocol"), N_("State"), N_("Bytes in"),
                   N_("Lines"), N_("Errors"), N_("Reconnects"))
GATEWAY_STATES = {"down": N_("down"), "initialising": N_("initialising"), "ready": N_("ready"),
                  "unresponsive": N_("unresponsive"), "stopped": N_("stopped")}
# The link test's measures (hardware.linktest.LinkTestResult) by name, not by key.
MEASURES = {
    "port": N_("Port"), "pattern": N_("Pattern"), "baudrate": N_("Baud rate"),
    "bytes_sent": N_("Bytes sent"), "bytes_received": N_("Bytes received"),
    "bytes_lost": N_("Bytes lost"), "bytes_extra": N_("Extra bytes"),
    "bit_errors": N_("Bit errors"), "bits_compared": N_("Bits compared"),
    "ber": N_("Bit error rate"), "ber_upper_95": N_("Bit error rate, upper bound (95%)"),
    "confidence": N_("Confidence"), "throughput_bps": N_("Throughput (bit/s)"),
    "ceiling_bps": N_("Line rate (bit/s)"), "ceiling_enforced": N_("Line rate enforced"),
    "throughput_note": N_("About the throughput"), "latency_ms": N_("Latency (ms)"),
    "probes_sent": N_("Probes sent"), "probes_lost": N_("Probes lost"),
    "modem_lines": N_("Modem lines"), "line_counters": N_("Line counters"),
    "duration_s": N_("Duration (s)"), "errors": N_("Problems"), "passed": N_("Passed"),
}


class TechnicianDock(QDockWidget):
    """Gateways, their last lines, and a loopback test."""

    progressed = Signal(float)
    """The link test advanced (0..1); emitted from the test thread."""
    finished = Signal(object)
    """The link test ended: a result dict, or an exception."""

    def __init__(self, link: RadioLink | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.texts = Texts()
        self.texts.bind(self.setWindowTitle, N_("Technician"))
        self.setObjectName("dock_technician")
        self.link = link
        self._last: Any = None
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.gateways = QTableWidget(0, len(GATEWAY_COLUMNS), objectName="gateways")
        self.texts.bind(lambda _: self.gateways.setHorizontalHeaderLabels(
            [tr(c) for c in GATEWAY_COLUMNS]), "")
        self.gateways.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.gateways.verticalHeader().setVisible(False)
        self.gateways.setMaximumHeight(120)
        layout.addWidget(self._heading(N_("Gateways")))
        layout.addWidget(self.gateways)
        self.lines = QPlainTextEdit(objectName="gateway_lines")
        self.lines.setReadOnly(True)
        self.lines.setMaximumBlockCount(400)
        layout.addWidget(self._heading(N_("Last lines (raw, then decoded)")))
        layout.addWidget(self.lines, 1)
        test = QHBoxLayout()
        self.url = QLineEdit("loop://", objectName="loopback_url")
        self.pattern = QComboBox(objectName="loopback_pattern")
        self.pattern.addItems(["prbs9", "prbs15"])
        self.nbytes = QSpinBox(objectName="loopback_bytes")
        self.nbytes.setRange(64, 16 * 1024 * 1024)
        self.nbytes.setValue(65536)
        self.run_button = QPushButton(objectName="loopback_run")
        self.texts.bind(self.run_button.setText, N_("Loopback test"))
        self.run_button.clicked.connect(self.run_test)
        for w in (self.url, self.pattern, self.nbytes, self.run_button):
            test.addWidget(w)
        layout.addWidget(self._heading(N_("Link test")))
        layout.addLayout(test)
        self.progress = QProgressBar(objectName="loopback_progress")
        self.progress.setRange(0, 1000)
        layout.addWidget(self.progress)
        self.result = QTableWidget(0, 2, objectName="loopback_result")
        self.texts.bind(lambda _: self.result.setHorizontalHeaderLabels(
            [tr("Measure"), tr("Result")]), "")
        self.result.horizontalHeader().setStretchLastSection(True)
        self.result.verticalHeader().setVisible(False)
        layout.addWidget(self.result, 1)
        self.setWidget(body)
        self.progressed.connect(lambda f: self.progress.setValue(int(f * 1000)))
        self.finished.connect(self._show_result)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(1000)
        self.refresh()

    def _heading(self, text: str) -> QLabel:
        label = QLabel()
        self.texts.bind(lambda t: label.setText(f"<b>{t}</b>"), text)
        return label

    def retranslate(self) -> None:
        """Titles, headings, headers and the last result in the current language."""
        self.texts.apply()
        if self._last is not None:
            self._show_result(self._last)

    def refresh(self) -> None:
        """Read the gateways' counters (in memory, no I/O)."""
        if self.link is None:
            self.gateways.setRowCount(0)
            return
        rows = self.link.status()
        self.gateways.setRowCount(len(rows))
        for r, gw in enumerate(rows):
            link = gw.get("link", {}) if isinstance(gw.get("link"), dict) else {}
            counters = link.get("counters", link) if isinstance(link, dict) else {}
            state = str(gw.get("state", ""))
            values = [gw.get("name"), gw.get("url"), gw.get("protocol"),
                      tr(GATEWAY_STATES[state]) if state in GATEWAY_STATES else state,
                      counters.get("bytes_in", ""), counters.get("lines", ""),
                      counters.get("errors", ""), counters.get("reconnects", "")]
            for c, value in enumerate(values):
                self.gateways.setItem(r, c, QTableWidgetItem(str(value)))
        text = []
        for gw in rows:
            text += [f"{gw.get('name')} < {line}" for line in gw.get("recent_lines", [])]
        text += [f"{n.gateway} = {n.text}" for n in list(self.link.notes)[-15:]]
        joined = "\n".join(text)
        if joined != self.lines.toPlainText():
            self.lines.setPlainText(joined)

    def run_test(self) -> None:
        """Start a loopback test on the chosen port."""
        url, pattern, nbytes = self.url.text().strip(), self.pattern.currentText(), \
            self.nbytes.value()
        if self.link is not None and url in {c.url for c in self.link.configs}:
            self.result.setRowCount(1)
            self.result.setItem(0, 0, QTableWidgetItem(tr("Error")))
            self.result.setItem(0, 1, QTableWidgetItem(tr(
                "{url} is a live gateway: test it with its radio disconnected", url=url)))
            return
        self.run_button.setEnabled(False)
        self.progress.setValue(0)
        self.result.setRowCount(0)

        def work() -> None:
            from hardware.tools import loopback

            try:
                result = loopback(url, nbytes=nbytes, pattern=pattern,
                                  progress=self.progressed.emit)
                data: Any = result.to_dict()
                data["passed"] = result.passed
            except Exception as exc:  # shown to the technician, not swallowed
                data = exc
            self.finished.emit(data)

        threading.Thread(target=work, name="link-test", daemon=True).start()

    def _show_result(self, data: Any) -> None:
        self._last = data
        self.run_button.setEnabled(True)
        if isinstance(data, Exception):
            items = [(tr("Error"), str(data))]
        else:
            self.progress.setValue(1000)
            items = [(tr(MEASURES[k]) if k in MEASURES else str(k), str(v))
                     for k, v in data.items()]
        self.result.setRowCount(len(items))
        for r, (k, v) in enumerate(items):
            self.result.setItem(r, 0, QTableWidgetItem(k))
            self.result.setItem(r, 1, QTableWidgetItem(v))
