"""Incident detail: header, assigned units with their times, the log, notes, closing.

Ctrl+N writes a note, Ctrl+P changes the priority (with a reason), Ctrl+D dispatches
another unit, Delete in the unit list withdraws one dispatched by mistake (with a
reason); F12, from anywhere in the window, closes the selected incident with a
disposition code. Closing is refused while units are still assigned, and the reason is
shown here. Below the units, the incident's turnout slot by slot
(``ui.docks.detail_turnout``): F5 dispatches what is not on it yet.
"""

from __future__ import annotations

from typing import Any

from meldkamer import names
from meldkamer.commands import permissions
from meldkamer.core import Meldkamer
from meldkamer.domain.views import IncidentView, ProposalSet, local
from meldkamer.errors import Conflict, NotFound, NotPermitted, Refused
from meldkamer.i18n import N_, tr
from meldkamer.services import conflicts
from ui import theme
from ui.bridge import EventBridge
from ui.dialogs.reason import ask_reason, ask_unit
from ui.docks.detail_turnout import IncidentTurnout
from ui.i18n import Texts
from ui.ops import Operations
from ui.qt import (
    QAbstractItemView,
    QAction,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QShortcut,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.widgets.columns import ColumnFitter, two_lines
from ui.widgets.typeahead import TypeAhead

TIME_COLUMNS = ("dispatched", "en_route", "on_scene", "transporting", "at_destination")


class DetailDock(QDockWidget):
    """Everything about the selected incident."""

    message = Signal(str)
    """Something the operator should read in the status bar."""
    conflicted = Signal(str, str)
    """Someone else's change to this incident (number) came first; the text says whose."""

    def __init__(self, core: Meldkamer, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.texts = Texts()
        self.texts.bind(self.setWindowTitle, N_("Incident"))
        self.setObjectName("dock_detail")
        self.core, self.ops = core, ops
        self.incident: IncidentView | None = None
        self._wanted: str | None = None
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.header = QLabel(objectName="detail_header")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        self.units = QTableWidget(0, 2 + len(TIME_COLUMNS) + 1, objectName="detail_units")
        self.units.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.units.verticalHeader().setVisible(False)
        self.unit_columns = ColumnFitter(self.units, header_elide=False)
        self._unit_headers()
        self.units.setMaximumHeight(150)
        layout.addWidget(self.units)
        self.turnout = IncidentTurnout(core, ops, body)
        layout.addWidget(self.turnout)
        self.log = QPlainTextEdit(objectName="detail_log")
        self.log.setReadOnly(True)
        layout.addWidget(self.log, 1)
        form = QFormLayout()
        self.note = QLineEdit(objectName="detail_note")
        self.texts.bind(self.note.setPlaceholderText, N_("note; Enter adds it to the log"))
        self.note.returnPressed.connect(self.add_note)
        self.disposition = TypeAhead(self._search_dispositions, body)
        self.disposition.setObjectName("detail_disposition")
        self.texts.bind(self.disposition.setPlaceholderText,
                        N_("disposition code; Enter closes the incident"))
        self.disposition.chosen.connect(self.close_incident)
        prio_row = QHBoxLayout()
        self.priority = QComboBox(objectName="detail_priority")
        for level, prio in core.ref.priorities.items():
            self.priority.addItem(prio.name(), level)
        self.priority_reason = QLineEdit(objectName="detail_priority_reason")
        self.texts.bind(self.priority_reason.setPlaceholderText,
                        N_("reason; Enter changes the priority"))
        self.priority_reason.returnPressed.connect(self.change_priority)
        prio_row.addWidget(self.priority)
        prio_row.addWidget(self.priority_reason, 1)
        for text, keys, field in ((N_("Note"), "Ctrl+N", self.note),
                                  (N_("Priority"), "Ctrl+P", prio_row),
                                  (N_("Close"), "F12", self.disposition)):
            label = QLabel()
            self.texts.bind(lambda t, w=label, k=keys: w.setText(f"{t} ({k})"), text)
            form.addRow(label, field)
        form.addRow("", self.disposition.results)
        layout.addLayout(form)
        self.error = QLabel(objectName="detail_error")
        self.error.setStyleSheet("color: #ff6b6b; font-weight: bold;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.setWidget(body)
        self.denied: frozenset[str] = frozenset()  # commands the actor's role may not do
        self.shortcuts: list[QShortcut] = []
        for keys, slot, tip in (("Ctrl+N", self.note.setFocus, N_("Note")),
                                ("Ctrl+P", self.priority.setFocus, N_("Priority")),
                                ("Ctrl+D", self.dispatch_more, N_("Dispatch another unit"))):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
            self.texts.bind(sc.setWhatsThis, tip)
            self.shortcuts.append(sc)
        withdraw = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.units)
        withdraw.setContext(Qt.ShortcutContext.WidgetShortcut)
        withdraw.activated.connect(self.withdraw_selected)
        self.texts.bind(withdraw.setWhatsThis, N_("Withdraw a unit dispatched by mistake"))
        # F12 closes the selected incident from anywhere in the window, not only here.
        self.close_action = QAction(self)
        self.close_action.setObjectName("close_incident")
        self.close_action.setShortcut(QKeySequence("F12"))
        self.close_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.texts.bind(self.close_action.setText, N_("Close incident"))
        self.close_action.triggered.connect(self.start_closing)
        self.addAction(self.close_action)
        self._close_when_shown = False
        # F5 here (and wherever the window adds it: the menu, the incident list) dispatches
        # the rest of the selected incident's turnout; at intake F5 is the call's own.
        self.turnout_action = QAction(self)
        self.turnout_action.setObjectName("send_turnout")
        self.turnout_action.setShortcut(QKeySequence("F5"))
        self.turnout_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.texts.bind(self.turnout_action.setText,
                        N_("Dispatch the rest of the incident's turnout"))
        self.turnout_action.triggered.connect(self.send_turnout)
        self.addAction(self.turnout_action)
        self.turnout.message.connect(self.message)
        self.turnout.failed.connect(self.error.setText)
        self.turnout.dispatched.connect(self.reload_if_shown)
        self.show_incident(None)

    def apply_role(self) -> None:
        """Disable what the actor's role may never do here (a technician's closing), after a
        login or a change of user; ``execute`` refuses it whatever the widgets allow."""
        core = self.core
        self.denied = frozenset(
            name for name in ("incident.note", "incident.close", "incident.priority",
                              "incident.dispatch_turnout")
            if not permissions.allows(core.actor.role, name, training=core.training))
        self.close_action.setEnabled("incident.close" not in self.denied)
        self.turnout_action.setEnabled("incident.dispatch_turnout" not in self.denied)
        self.show_incident(self.incident, keep_error=True)

    def follow(self, bridge: EventBridge) -> None:
        """Keep the turnout current as units and the incidents they are on change."""
        self.turnout.follow(bridge)

    def _unit_headers(self) -> None:
        ref = self.core.ref
        labels = ([tr("Unit"), tr("Status")] + [names.status(ref, s) for s in TIME_COLUMNS]
                  + [tr("Cleared")])
        # The status names are long above short times: two lines, whole in the tooltip.
        self.units.setHorizontalHeaderLabels([two_lines(text) for text in labels])
        for col, text in enumerate(labels):
            item = self.units.horizontalHeaderItem(col)
            if item is not None:
                item.setToolTip(text)
        self.unit_columns.schedule()

    def retranslate(self) -> None:
        """Show everything again in the current language."""
        self.texts.apply()
        self._unit_headers()
        for i in range(self.priority.count()):
            self.priority.setItemText(i, self.core.ref.priorities[self.priority.itemData(i)]
                                      .name())
        self.disposition.refresh_if_open()
        self.show_incident(self.incident, keep_error=True)
        self.turnout.retranslate()

    def _search_dispositions(self, text: str) -> list[tuple[str, Any]]:
        words = text.lower().split()
        out = []
        for d in self.core.ref.dispositions.values():
            hay = f"{d.code} {' '.join(d.names.values())}".lower()
            if all(w in hay for w in words):
                out.append((f"{d.code}  {d.name()}", d.code))
        return out

    def _focus_close(self) -> None:
        self.disposition.setFocus()

    def start_closing(self) -> None:
        """F12: the disposition field of the selected incident, wherever the focus was."""
        if self._wanted is None:
            self.message.emit(tr("Select an incident first (F3)"))
            return
        self.show()
        self.raise_()
        if self.incident is not None and self.incident.number == self._wanted:
            self._focus_close()
        else:
            self._close_when_shown = True  # still on its way: the field takes the focus then

    # -- showing -----------------------------------------------------------------------

    def load(self, number: str | None, *, keep_error: bool = False) -> None:
        """Fetch and show an incident and, while it is open, its turnout (off the GUI thread)."""
        self._wanted = number or None
        self._close_when_shown = False
        if not number:
            self.show_incident(None)
            self.turnout.show_turnout(None, None)
            return

        def fetch() -> tuple[IncidentView | None, ProposalSet | None]:
            try:
                inc = self.core.incidents.get(number)
                return inc, self.core.dispatch.propose(number) if inc.state == "open" else None
            except NotFound:
                return None, None

        def show(found: tuple[IncidentView | None, ProposalSet | None]) -> None:
            if number == self._wanted:  # a slower, older answer never replaces the newer
                self.show_incident(found[0], keep_error=keep_error)
                self.turnout.show_turnout(number if found[1] else None, found[1])

        self.ops.run(fetch, show)

    def reload_if_shown(self, number: str) -> None:
        if number == self._wanted:
            self.load(number)

    def show_incident(self, inc: IncidentView | None, keep_error: bool = False) -> None:
        self.incident = inc
        if not keep_error:
            self.error.clear()
        enabled = inc is not None and inc.state == "open"
        for w, name in ((self.note, "incident.note"), (self.disposition, "incident.close"),
                        (self.priority, "incident.priority"),
                        (self.priority_reason, "incident.priority")):
            w.setEnabled(enabled and name not in self.denied)
        if self._close_when_shown and inc is not None and inc.number == self._wanted:
            self._close_when_shown = False
            if enabled:
                self._focus_close()
        if inc is None:
            self.header.setText(tr("No incident selected"))
            self.units.setRowCount(0)
            self.log.clear()
            return
        ref = self.core.ref
        loc = inc.address or (f"{inc.lat:.5f}, {inc.lon:.5f}" if inc.lat is not None else "-")
        prio, disposition = tr("priority"), tr("Disposition")
        flags = tr("Attention: {flags}", flags=names.attention(inc.attention))
        self.header.setText(
            f"<b style='font-size:14pt'>{inc.number}</b> · {prio} {inc.priority}"
            f"{' ' + inc.urgency if inc.urgency else ''} · {names.state(inc.state)}<br>"
            f"{inc.classification or '-'} {names.classification(ref, inc.classification)}<br>"
            f"{loc} [{inc.island}, {names.location(inc.location_state)}]"
            + (f"<br>{disposition}: {names.disposition(ref, inc.disposition)}"
               if inc.disposition else "")
            + (f"<br><b style='color:{theme.ATTENTION_HEADER}'>{flags} (F7)</b>"
               if inc.attention else ""))
        self.priority.setCurrentIndex(self.priority.findData(inc.priority))
        self.units.setRowCount(len(inc.assignments))
        for row, a in enumerate(inc.assignments):
            times = {t.status: t.at for t in a.times}
            cells = [a.callsign, names.status(ref, a.unit_status)]
            cells += [_hm(times.get(s)) for s in TIME_COLUMNS] + [_hm(a.cleared_at)]
            for col, text in enumerate(cells):
                self.units.setItem(row, col, QTableWidgetItem(text))
        # Each line says who wrote it: the operator's login, or the radio, simulator,
        # scenario or system that did (never the login for what a radio sent).
        self.log.setPlainText("\n".join(
            f"{_hm(e.at)}  {names.log_source(e):<10} {names.log_kind(e.kind):<14} "
            f"{names.log_text(ref, e)}" for e in inc.log))
        self.log.verticalScrollBar().setValue(self.log.verticalScrollBar().maximum())

    # -- actions -----------------------------------------------------------------------

    def _run(self, work: Any, done_message: str, *, restore: Any = None) -> None:
        """Run an edit off the GUI thread; a lost race reloads the incident and says why.

        ``restore`` puts the operator's input back when someone else's change came first:
        they read what changed (``conflicts.Lost``) and decide again, nothing typed is lost.
        """
        number = self.incident.number if self.incident else None
        if number is None:
            return
        self.error.clear()

        def ok(_: object) -> None:
            self.message.emit(done_message)
            self.reload_if_shown(number)

        def failed(exc: Exception) -> None:
            self.error.setText(str(exc))
            if isinstance(exc, NotPermitted):  # who may, in the status bar too
                self.message.emit(str(exc))
            if isinstance(exc, conflicts.Lost):
                if restore is not None:
                    restore()
                self.conflicted.emit(number, str(exc))
                if number == self._wanted:
                    self.load(number, keep_error=True)

        self.ops.run(lambda: work(number), ok, failed)

    def add_note(self) -> None:
        text = self.note.text()
        if not text.strip():
            return
        self.note.clear()
        self._run(lambda n: self.core.incidents.add_note(n, text), tr("Note added"))

    def change_priority(self) -> None:
        level, reason = self.priority.currentData(), self.priority_reason.text()
        version = self.incident.version if self.incident else None
        self.priority_reason.clear()
        core = self.core

        def work(n: str) -> object:
            try:
                return core.incidents.change_priority(n, level, reason,
                                                      expected_version=version)
            except Conflict as exc:  # changed since it was shown: say by whom
                raise conflicts.Lost(conflicts.explain_incident(core, n, exc)) from exc

        def restore() -> None:
            self.priority_reason.setText(reason)  # the combo shows the priority as it is now

        self._run(work, tr("Priority changed"), restore=restore)

    def close_incident(self, code: str) -> None:
        self.disposition.clear_value()
        self._run(lambda n: self.core.incidents.close(n, code), tr("Incident closed"))

    def send_turnout(self) -> None:
        """F5: dispatch the rest of the selected incident's turnout, asking once about a gap."""
        number = self._wanted
        if number is None:
            self.message.emit(tr("Select an incident first (F3)"))
            return
        if self.turnout.busy:
            return
        self.error.clear()
        self.turnout.send(number)

    def dispatch_more(self) -> None:
        if self.incident is None:
            return

        core = self.core

        def chosen(callsign: str, reason: str) -> None:
            def work(n: str) -> object:
                try:
                    return core.dispatch.dispatch(n, [callsign], override_reason=reason)
                except NotPermitted:
                    raise  # the role, not a race: saying who took the unit would mislead
                except (Conflict, Refused) as exc:  # taken meanwhile: say where and by whom
                    number, _found = conflicts.unit_taken(core, callsign)
                    if number is None or number == n:
                        raise
                    raise conflicts.Lost(conflicts.explain_units(core, [callsign], exc)) \
                        from exc

            self._run(work, tr("{callsign} dispatched", callsign=callsign))

        ask_unit(self, self.core, self.ops, chosen, lambda e: self.error.setText(str(e)))

    def withdraw_selected(self) -> None:
        """Delete in the unit list: take the selected unit off the incident (asks why)."""
        inc, row = self.incident, self.units.currentRow()
        if inc is None or not 0 <= row < len(inc.assignments) or not inc.assignments[row].active:
            return
        callsign = inc.assignments[row].callsign
        reason = ask_reason(self, tr("Why withdraw {callsign} from {number}?",
                                     callsign=callsign, number=inc.number))
        if reason:
            self._run(lambda n: self.core.dispatch.withdraw(n, callsign, reason=reason),
                      tr("{callsign} withdrawn", callsign=callsign))


def _hm(ts: object) -> str:
    shown = local(ts) if ts is not None else None  # type: ignore[arg-type]
    return shown.strftime("%H:%M:%S") if shown else ""
