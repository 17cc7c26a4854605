"""The outage banner: the database is away and calls are kept locally, or it is back."""

from __future__ import annotations

from meldkamer.i18n import tr
from meldkamer.journal.outage import JournalChanged
from ui.qt import QHBoxLayout, QLabel, QPushButton, QWidget, Signal


class OutageBanner(QWidget):
    """A plain bar: down (how many pending), back (what was replayed), conflicts to decide."""

    conflicts_requested = Signal()
    """The operator opens the list of commands that conflicted at replay."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outage_banner")
        self.setStyleSheet("#outage_banner { background: #ef6c00; } "
                           "#outage_banner QLabel { color: black; font-size: 13pt; "
                           "font-weight: bold; }")
        self.setAutoFillBackground(True)
        row = QHBoxLayout(self)
        self.label = QLabel()
        self.label.setObjectName("outage_text")
        self.button = QPushButton()
        self.button.setObjectName("outage_conflicts")
        self.button.clicked.connect(self.conflicts_requested)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.state: JournalChanged | None = None
        self.active = False  # something to tell: the bar holding the banner is shown
        self.retranslate()

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.button.setText(tr("Decide on conflicts"))
        if self.state is not None:
            self.show_state(self.state)

    def show_state(self, state: JournalChanged) -> None:
        """Show what the journal says now; ``active`` is False when there is nothing to tell."""
        self.state = state
        self.button.setVisible(state.conflicts > 0)
        if state.down:
            text = tr("No connection to the database: calls are kept locally "
                      "({pending} pending)", pending=state.pending)
        elif state.replay or state.conflicts:
            text = tr("The database is back: {replayed} journaled commands replayed",
                      replayed=state.replayed)
            if state.conflicts:
                text += " " + tr("({conflicts} conflicts need your decision)",
                                 conflicts=state.conflicts)
        else:
            self.active = False
            return
        self.label.setText(text)
        self.active = True
