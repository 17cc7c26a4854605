"""Attention on the workstation: the header badge, the list's refresh, acknowledging (F7).

The flags are the core's (``meldkamer.domain.attention``); the runtime's watch publishes
``AttentionChanged`` when one rises or goes, on every workstation. Here that moves the
incident's row (flagged incidents sort first, in the database), repaints it and updates
the badge; F7 acknowledges the selected incident's flags, logged by the core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meldkamer.domain.views import IncidentView
from meldkamer.events import AttentionChanged, IncidentChanged
from meldkamer.i18n import tr
from ui.qt import QHBoxLayout, QObject, Qt, QTimer, QWidget
from ui.widgets.attention_badge import AttentionBadge

if TYPE_CHECKING:
    from ui.main_window import MainWindow

BADGE_MS = 100  # changes within this window share one count


class AttentionControls(QObject):
    """The badge in the menu bar's corner, kept current, and the acknowledge action."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.badge = AttentionBadge()
        bar = window.menuBar()
        beside = bar.cornerWidget(Qt.Corner.TopRightCorner)  # the training banner, if any
        corner = QWidget(bar)
        row = QHBoxLayout(corner)
        row.setContentsMargins(0, 0, 6, 0)
        row.addWidget(self.badge)
        if beside is not None:
            row.addWidget(beside)
        bar.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self.corner = corner
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BADGE_MS)
        self._timer.timeout.connect(self.reload)
        window.bridge.subscribe(AttentionChanged, self._attention_changed)
        window.bridge.subscribe(IncidentChanged, self._incident_changed)

    @property
    def window(self) -> MainWindow:
        """The window this belongs to: its Qt parent, never a reference of our own (a
        window destroyed without closing must be freed, as it was before)."""
        return self.parent()  # type: ignore[return-value]

    def reload(self) -> None:
        """Count the flagged incidents again (off the GUI thread)."""
        self.window.ops.run(self.window.core.attention.flagged, self._show)

    def _show(self, flagged: dict[str, tuple[str, ...]]) -> None:
        self.badge.show_count(len(flagged), tuple(sorted(flagged)))
        self._fit()

    def _fit(self) -> None:
        """Give the corner the badge's new width (the menu bar lays corners out only when
        one is set, shown or hidden; a longer text would be clipped)."""
        if self.corner.sizeHint().width() > self.corner.width():
            self.window.menuBar().setCornerWidget(self.corner, Qt.Corner.TopRightCorner)

    def _due(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _attention_changed(self, event: AttentionChanged) -> None:
        self.window.reload_incident(event.number)  # its row moves and takes the colour
        self._due()

    def _incident_changed(self, _event: IncidentChanged) -> None:
        self._due()  # dispatched, cleared, acknowledged, closed: the count may change

    def selected(self) -> str | None:
        """The incident the operator has selected in the list, else the one in detail."""
        number = self.window.incidents_dock.current_number()
        shown: IncidentView | None = self.window.detail_dock.incident
        return number or (shown.number if shown is not None else None)

    def acknowledge(self) -> None:
        """F7: acknowledge the selected incident's attention flags."""
        number = self.selected()
        if number is None:
            self.window.notify(tr("Select an incident to acknowledge its attention flag"))
            return

        def done(inc: IncidentView) -> None:
            self.window.notify(tr("Attention for {number} acknowledged", number=inc.number))
            self.window.reload_incident(inc.number)
            self.reload()

        self.window.ops.run(lambda: self.window.core.attention.acknowledge(number), done,
                            lambda error: self.window.notify(str(error)))

    def retranslate(self) -> None:
        self.badge.retranslate()
        self._fit()
