"""The audit alarm: a red bar that stays until a person acknowledges the broken trail."""

from __future__ import annotations

from meldkamer.i18n import tr
from ui.qt import QHBoxLayout, QLabel, QPushButton, QWidget, Signal


class TrailBanner(QWidget):
    """Says which workstation found the audit trail broken, and what it found."""

    acknowledged = Signal()
    """The operator has read the audit alarm."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trail_banner")
        self.setStyleSheet("#trail_banner { background: #b71c1c; } "
                           "#trail_banner QLabel { color: white; font-size: 14pt; "
                           "font-weight: bold; }")
        self.setAutoFillBackground(True)
        row = QHBoxLayout(self)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.button = QPushButton()
        self.button.setObjectName("trail_acknowledge")
        self.button.clicked.connect(self.acknowledge)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.breaks: list[tuple[str, str]] = []  # (problem, workstation), oldest first
        self.retranslate()  # shown and hidden by the tool bar that holds it (Qt's rule)

    def retranslate(self) -> None:
        """Button and message in the current language."""
        self.button.setText(tr("Acknowledge"))
        if self.breaks:
            self._show_text()

    def show_break(self, problem: str, workstation: str) -> None:
        """Add a break (once each) and show the bar."""
        if (problem, workstation) not in self.breaks:
            self.breaks.append((problem, workstation))
        self._show_text()

    def _show_text(self) -> None:
        problem, workstation = self.breaks[-1]
        more = (tr(" and {count} more", count=len(self.breaks) - 1)
                if len(self.breaks) > 1 else "")
        self.label.setText(tr("AUDIT TRAIL BROKEN (found by {workstation}): {problem}{more}",
                              workstation=workstation, problem=problem, more=more))

    def acknowledge(self) -> None:
        """The operator has seen it: the bar goes until the next break."""
        self.breaks.clear()
        self.acknowledged.emit()
