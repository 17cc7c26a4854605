"""The turnout of an incident that already exists: its slots, and F5 to dispatch the rest.

Part of the incident detail dock. Each slot of the class's turnout shows the unit on it,
the nearest available unit proposed for it, or, in red, that no available unit fills it
and which committed units could be diverted. When the last unit has been cleared while
the incident is still open (``unattended``), F5 sends the turnout again; an unfilled slot
is asked about once (divert / send the rest / cancel), as at intake. The answer is carried
out only for the turnout it was about: one that changed meanwhile is asked about again.

Proposals are computed on the operations worker, never on the GUI thread; a unit's or
another incident's change asks for a fresh one, and changes that arrive while one is
being computed are answered by one more, not one each (radio statuses come in bursts).
Units of other islands never ask, and a GPS fix only for a unit the list shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from meldkamer import names
from meldkamer.core import Meldkamer
from meldkamer.domain.views import ProposalSet, TurnoutResult
from meldkamer.errors import NotFound, NotPermitted
from meldkamer.events import IncidentChanged, RosterChanged, UnitChanged
from meldkamer.i18n import N_, tr
from meldkamer.services.dispatch import TurnoutChanged
from ui.bridge import EventBridge
from ui.dialogs.turnout import TurnoutChoice, TurnoutGapDialog
from ui.i18n import Texts
from ui.ops import Operations
from ui.qt import QLabel, QVBoxLayout, QWidget, Signal
from ui.widgets.columns import ColumnFitter
from ui.widgets.proposals import COLUMNS, GapBanner, ProposalTable


def _shown(ps: ProposalSet) -> set[str]:
    """The units the list shows: on a slot, proposed, alternatives, divert candidates."""
    found = {s.callsign for s in ps.slots if s.callsign is not None}
    found.update(p.callsign for p in ps.proposals)
    found.update(d.callsign for s in ps.slots for d in s.divert)
    return found


class IncidentTurnout(QWidget):
    """The turnout slots of the incident shown in the detail dock, and sending them."""

    message = Signal(str)
    """Something the operator should read in the status bar."""
    failed = Signal(str)
    """A dispatch was refused or failed: why, for the dock's error line."""
    dispatched = Signal(str)
    """Units were dispatched to this incident (its number): the dock shows it again."""

    def __init__(self, core: Meldkamer, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core, self.ops = core, ops
        self.texts = Texts()
        self.number: str | None = None
        self.proposals: ProposalSet | None = None
        self.dialog: TurnoutGapDialog | None = None
        self._sending: str | None = None  # the incident whose F5 has not finished yet
        self._computing = False
        self._stale = False
        self._islands: dict[str, frozenset[str]] = {}  # an island's callsigns, once read
        self._reading: set[str] = set()  # islands whose callsigns are being read
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(objectName="detail_turnout_title")
        self.title.setStyleSheet("font-weight: bold;")
        self.texts.bind(self.title.setText, N_("Turnout (F5 dispatches the rest)"))
        self.gaps = GapBanner(core.ref)
        self.table = ProposalTable(core.ref)
        self.table.setObjectName("detail_turnout")
        self.table.setMaximumHeight(140)
        self.table.extra_tip = " · F5"
        self.table.retranslate()
        self.table.dispatch_requested.connect(self.dispatch_units)
        # As the dock's other tables: whole columns, the free text elided with a tooltip.
        self.columns = ColumnFitter(self.table, elastic=[COLUMNS.index(N_("Why"))])
        for widget in (self.title, self.gaps, self.table):
            layout.addWidget(widget)
        self.show_turnout(None, None)

    def retranslate(self) -> None:
        self.texts.apply()
        self.table.retranslate()
        self.gaps.show_gaps(self.proposals)

    def follow(self, bridge: EventBridge) -> None:
        """Refresh on units' changes and on changes of the incidents units could come from.

        The shown incident's own changes reload the whole dock (``DetailDock.load``).
        """
        bridge.subscribe(UnitChanged, self._unit_changed)
        bridge.subscribe(IncidentChanged, self._incident_changed)
        bridge.subscribe(RosterChanged, self._roster_changed)

    # -- showing -----------------------------------------------------------------------

    def show_turnout(self, number: str | None, ps: ProposalSet | None) -> None:
        """Show ``ps`` for incident ``number``; None: the incident has no turnout to send
        (none selected, or closed)."""
        self.number = number
        self.proposals = ps if number is not None else None
        self.table.show_proposals(self.proposals)
        self.gaps.show_gaps(self.proposals)
        self.setVisible(self.proposals is not None)
        if self.proposals is not None:
            self._read_island(self.proposals.island)

    def _read_island(self, island: str) -> None:
        """Learn the island's callsigns once (off the GUI thread), so that another island's
        units are told apart; until then every unit's change counts."""
        if island in self._islands or island in self._reading:
            return
        self._reading.add(island)
        core = self.core

        def work() -> frozenset[str]:
            return frozenset(u.callsign for u in core.units.list_units(island=island))

        def done(callsigns: frozenset[str]) -> None:
            self._reading.discard(island)
            self._islands[island] = callsigns

        self.ops.run(work, done, lambda _exc: self._reading.discard(island))

    def refresh(self) -> None:
        """A fresh proposal for the shown incident, off the GUI thread."""
        number = self.number
        if number is None or self.proposals is None:
            return
        if self._computing:
            self._stale = True  # one more once this one is back, however many came in
            return
        self._computing = True

        def work() -> ProposalSet | None:
            try:
                return self.core.dispatch.propose(number)
            except NotFound:
                return None

        def done(ps: ProposalSet | None) -> None:
            self._computing = False
            if number == self.number and self.proposals is not None:
                self.show_turnout(number, ps)
            if self._stale:
                self._stale = False
                self.refresh()

        def failed(exc: Exception) -> None:
            self._computing = self._stale = False
            self.failed.emit(str(exc))

        self.ops.run(work, done, failed)

    def _unit_changed(self, event: UnitChanged) -> None:
        ps = self.proposals
        if ps is None:
            return
        island = self._islands.get(ps.island)
        if island is not None and event.callsign not in island:
            return  # another island's unit is never in this turnout
        if event.action == "position" and event.callsign not in _shown(ps):
            return  # a GPS fix moves a unit the list does not show: nothing to redo
        self.refresh()

    def _roster_changed(self, _event: RosterChanged) -> None:
        self._islands.clear()  # units added or moved: read the island again
        self.refresh()

    def _incident_changed(self, event: IncidentChanged) -> None:
        ps = self.proposals
        if ps is None or event.number == self.number:
            return
        if any(d.incident == event.number for slot in ps.slots for d in slot.divert):
            self.refresh()  # a divert candidate's incident: its priority may have changed

    # -- dispatching -------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """F5 has been pressed and its turnout is not dispatched (or cancelled) yet."""
        return self._sending is not None

    def send(self, number: str) -> None:
        """F5: dispatch every slot not yet filled; with an unfilled slot, ask once first.

        The proposal is worked out afresh on the worker (a closed incident is refused
        there); a complete turnout is dispatched in the same operation. Refusals (no class,
        closed, nothing left to send) come back through ``failed`` in the core's words.
        """
        if self._sending is not None:
            return  # asked once: a second F5 while it is on its way does nothing
        self._sending = number
        core = self.core

        def work() -> ProposalSet | TurnoutResult:
            ps = core.dispatch.propose(number)
            if ps.gaps:
                return ps
            return core.dispatch.dispatch_turnout(number)  # or its refusal, in its words

        def done(found: ProposalSet | TurnoutResult) -> None:
            if isinstance(found, TurnoutResult):
                self._dispatched(number, found)
                return
            if number == self.number:
                self.show_turnout(number, found)
            self._ask(number, found)

        self.ops.run(work, done, self._refused)

    def _ask(self, number: str, ps: ProposalSet, changed: bool = False) -> None:
        diverts = ps.suggested_diverts()
        dialog = TurnoutGapDialog(self, self.core.ref, ps, diverts, changed=changed)
        dialog.finished.connect(lambda code: self._answered(number, code, diverts, ps))
        self.dialog = dialog
        dialog.open()

    def _answered(self, number: str, code: int, diverts: dict[str, tuple[str, ...]],
                  shown: ProposalSet) -> None:
        """Carry out the answer about ``shown``: the core sends it only if it still holds."""
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()
        if code == TurnoutChoice.CANCEL:
            self._sending = None
            self.message.emit(tr("Nothing dispatched to {number}", number=number))
            return
        chosen = diverts if code == TurnoutChoice.DIVERT else {}
        self.ops.run(lambda: self.core.dispatch.dispatch_turnout(
            number, partial=True, divert=chosen, confirmed=shown),
            lambda done: self._dispatched(number, done),
            lambda exc: self._not_sent(number, exc))

    def _not_sent(self, number: str, exc: Exception) -> None:
        """The turnout changed since the question: ask again about it as it is now."""
        if not isinstance(exc, TurnoutChanged):
            self._refused(exc)
            return
        self.message.emit(str(exc))
        if number == self.number:
            self.show_turnout(number, exc.proposals)
        self._ask(number, exc.proposals, changed=True)  # still ``busy``: F5 waits for it

    def _dispatched(self, number: str, done: TurnoutResult) -> None:
        self._sending = None
        units = ", ".join(done.dispatched) or "-"
        diverted = ", ".join(done.diverted)
        gaps = names.capabilities(self.core.ref, (s.capability for s in done.unfilled))
        if diverted and gaps:
            said = tr("Turnout dispatched to {number}: {units}; diverted: {diverted}; left "
                      "unfilled: {gaps}", number=number, units=units, diverted=diverted,
                      gaps=gaps)
        elif diverted:
            said = tr("Turnout dispatched to {number}: {units}; diverted: {diverted}",
                      number=number, units=units, diverted=diverted)
        elif gaps:
            said = tr("Turnout dispatched to {number}: {units}; left unfilled: {gaps}",
                      number=number, units=units, gaps=gaps)
        else:
            said = tr("Turnout dispatched to {number}: {units}", number=number, units=units)
        self.message.emit(said)
        self.dispatched.emit(number)

    def _refused(self, exc: Exception) -> None:
        self._sending = None
        self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        """Say why in the dock; a refusal by role also in the status bar (who may, then)."""
        self.failed.emit(str(exc))
        if isinstance(exc, NotPermitted):
            self.message.emit(str(exc))

    def dispatch_units(self, callsigns: Sequence[str]) -> None:
        """Enter or 1-9 in the list: dispatch those units alone (extra units, one by one)."""
        number = self.number
        if number is None or not callsigns:
            return
        units = list(callsigns)
        self.ops.run(lambda: self.core.dispatch.dispatch(number, units),
                     lambda _: self._units_dispatched(number, units),
                     self._failed)

    def _units_dispatched(self, number: str, units: list[str]) -> None:
        self.message.emit(tr("{callsign} dispatched", callsign=", ".join(units)))
        self.dispatched.emit(number)
