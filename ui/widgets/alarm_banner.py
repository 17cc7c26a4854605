"""The emergency banner: impossible to miss, gone only when an operator acknowledges."""

from __future__ import annotations

import time

from meldkamer.domain.views import AlarmView
from meldkamer.i18n import tr
from ui.qt import QHBoxLayout, QLabel, QPushButton, QWidget, Signal


class AlarmBanner(QWidget):
    """A red bar with the oldest open alarm; F11 (or the button) acknowledges it."""

    acknowledge_requested = Signal(int)
    """The operator acknowledges this alarm id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarm_banner")
        self.setStyleSheet("#alarm_banner { background: #c62828; } "
                           "#alarm_banner QLabel { color: white; font-size: 16pt; "
                           "font-weight: bold; }")
        self.setAutoFillBackground(True)
        row = QHBoxLayout(self)
        self.label = QLabel()
        self.button = QPushButton()
        self.button.setObjectName("alarm_acknowledge")
        self.button.clicked.connect(self._acknowledge)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.alarms: list[AlarmView] = []
        self._changed_at = 0.0
        self.guard_s = 1.0  # seconds a new front alarm is shown before F11 can confirm it
        self.retranslate()
        self.hide()

    def retranslate(self) -> None:
        """Button and message in the current language."""
        self.button.setText(tr("Acknowledge (F11)"))
        if self.alarms:
            self._show_text()

    def show_alarms(self, alarms: list[AlarmView]) -> None:
        if alarms and (not self.alarms or alarms[0].id != self.alarms[0].id):
            self._changed_at = time.monotonic()
        self.alarms = alarms
        if not alarms:
            self.hide()
            return
        self._show_text()
        self.show()

    def _show_text(self) -> None:
        alarms = self.alarms
        first = alarms[0]
        where = f" ({first.lat:.5f}, {first.lon:.5f})" if first.lat is not None else ""
        more = tr(" and {count} more", count=len(alarms) - 1) if len(alarms) > 1 else ""
        self.label.setText(tr("EMERGENCY from {callsign}{where}{incident}{more}",
                              callsign=first.callsign, where=where,
                              incident=f" · {first.incident}" if first.incident else "",
                              more=more))

    def _acknowledge(self) -> None:
        # A key pressed just as another alarm moved to the front must not confirm it unread.
        if self.alarms and time.monotonic() - self._changed_at >= self.guard_s:
            self.acknowledge_requested.emit(self.alarms[0].id)
