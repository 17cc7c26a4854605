"""The database outage on the workstation: the banner, the pending incidents, conflicts.

The core journals kept commands while the database is away (``meldkamer.journal``) and
publishes ``JournalChanged``; here that shows the banner, reloads the incident list (its
source puts the journal's pending incidents first) and, after a replay that found
conflicts, opens the list the operator works through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meldkamer.journal.outage import JournalChanged
from ui.qt import QObject, Qt, QToolBar
from ui.widgets.outage_banner import OutageBanner

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer
    from meldkamer.journal.reads import PendingIncidents
    from meldkamer.services.incidents import IncidentService
    from ui.dialogs.journal_conflicts import ConflictsDialog
    from ui.main_window import MainWindow


def incident_source(core: Meldkamer) -> IncidentService | PendingIncidents:
    """What the incident list reads: with the pending incidents when there is a journal."""
    if core.outage is None:
        return core.incidents
    from meldkamer.journal.reads import PendingIncidents

    return PendingIncidents(core.incidents, core.outage)


class OutageControls(QObject):
    """The outage banner under the menu bar, kept current from the journal's events."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.banner = OutageBanner(window)
        self.bar = QToolBar(window)
        self.bar.setObjectName("outage_bar")
        self.bar.setMovable(False)
        self.bar.addWidget(self.banner)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.bar)
        self.bar.toggleViewAction().setVisible(False)  # nobody hides an outage
        self.bar.hide()
        self.dialog: ConflictsDialog | None = None
        self.banner.conflicts_requested.connect(self.open_conflicts)
        window.bridge.subscribe(JournalChanged, self.changed)
        outage = window.core.outage
        if outage is not None and (outage.down or outage.journal.count("conflict")):
            self.changed(JournalChanged(seq=0, down=outage.down,
                                        pending=outage.journal.count("pending"),
                                        conflicts=outage.journal.count("conflict")))

    @property
    def window(self) -> MainWindow:
        return self.parent()  # type: ignore[return-value]

    def changed(self, state: JournalChanged) -> None:
        """The journal changed: banner, incident list, and conflicts after a replay."""
        self.banner.show_state(state)
        self.bar.setVisible(self.banner.active)
        self.window.incidents.reload()
        if state.replay and state.conflicts:
            self.open_conflicts()

    def open_conflicts(self) -> None:
        """Show the conflicts found at replay (one list, kept open until worked through)."""
        outage = self.window.core.outage
        if outage is None:
            return
        if self.dialog is None:
            from ui.dialogs.journal_conflicts import ConflictsDialog

            self.dialog = ConflictsDialog(outage, self.window.ops, self.window)
            self.dialog.settled.connect(self.window.incidents.reload)
        else:
            self.dialog.reload()
        self.dialog.show()

    def retranslate(self) -> None:
        self.banner.retranslate()
