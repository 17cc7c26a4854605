"""Call intake: caller, location, classification, questions, duplicates, dispatch.

Keyboard-first. The tab order follows the call: number, name, location, class,
priority, questions, proposals, callback. F5 creates the incident and dispatches the
top proposal; Ctrl+S creates it without dispatching; F9 attaches the call to a proposed
duplicate, F10 continues as a new incident; Escape discards (after asking).

The call itself lives in ``meldkamer.intake.IntakeSession``: this dock turns keys into
its intent methods, runs its lookups on the ops worker, and redraws the parts the
session says changed. The session journals the draft (a moment after typing stops).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from meldkamer import names
from meldkamer.core import Meldkamer
from meldkamer.domain.lookup import LocationCandidate, LocationSearch
from meldkamer.domain.reference import Classification
from meldkamer.domain.views import CallerHistory, ProposalSet
from meldkamer.drafts import DraftJournal
from meldkamer.errors import MeldkamerError
from meldkamer.i18n import N_, tr
from meldkamer.intake import IntakeSession, Part
from ui.dialogs.reason import ask_unit
from ui.dialogs.turnout import TurnoutChoice, TurnoutGapDialog
from ui.i18n import Texts
from ui.ops import Operations
from ui.qt import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QShortcut,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.widgets.proposals import GapBanner, ProposalTable
from ui.widgets.questions import QuestionPanel
from ui.widgets.typeahead import Found, TypeAhead


def _shortcut(widget: QWidget, keys: str, slot: Any, tip: str, texts: Texts) -> QShortcut:
    sc = QShortcut(QKeySequence(keys), widget)
    sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    sc.activated.connect(slot)
    texts.bind(lambda t: sc.setWhatsThis(f"{t} ({keys})"), tip)
    return sc


class IntakeDock(QDockWidget):
    """The call intake form: displays and drives an ``IntakeSession``."""

    incident_created = Signal(str)
    """A call became an incident (or was attached to one): its number."""
    message = Signal(str)
    """Something the operator should read in the status bar."""
    locations_ready = Signal()
    """The location search (gazetteer, places, stations) is built: typing finds at once."""

    def __init__(self, core: Meldkamer, ops: Operations, journal: DraftJournal,
                 parent: QWidget | None = None, *, session: IntakeSession | None = None
                 ) -> None:
        """
        Args:
            session: the call to show; by default a new one whose lookups run on ``ops``
                and whose draft is saved a moment after typing stops.
        """
        super().__init__(parent)
        self.texts = Texts()
        self.texts.bind(self.setWindowTitle, N_("Call intake"))
        self.setObjectName("dock_intake")
        self.core, self.ops, self.journal = core, ops, journal
        self.session = session or IntakeSession(core, journal, run=ops.run, autosave=False)
        self._rendering = False
        self._build()
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(150)
        self._save_timer.timeout.connect(self._save_if_dirty)
        self.session.subscribe(self._render)
        # After the window's first loads: the incidents and units show first.
        QTimer.singleShot(0, self, self.session.prepare)

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        body = QWidget(self)
        outer = QVBoxLayout(body)
        form = QFormLayout()
        self.caller = QLineEdit(objectName="caller_number")
        self.texts.bind(self.caller.setPlaceholderText, N_("caller's number"))
        self.caller.editingFinished.connect(self.lookup_caller)
        self.caller.textChanged.connect(
            lambda t: self._drive(self.session.set_caller, t, lookup=False))
        self.name = QLineEdit(objectName="caller_name")
        self.location_edit = TypeAhead(self._search_locations, body)
        self.location_edit.setObjectName("location")
        self.texts.bind(self.location_edit.setPlaceholderText,
                        N_("place, station or 12.15, -68.27"))
        self.texts.bind(lambda t: setattr(self.location_edit, "loading_text", t),
                        N_("Loading places and addresses…"))
        self.location_edit.chosen.connect(self._location_chosen)
        self.class_edit = TypeAhead(self._search_classes, body)
        self.class_edit.setObjectName("classification")
        self.texts.bind(self.class_edit.setPlaceholderText,
                        N_("e.g. burglary dwelling, inbraak woning"))
        self.class_edit.chosen.connect(self._class_chosen)
        self.priority = QComboBox(objectName="priority")
        for level, prio in self.core.ref.priorities.items():
            self.priority.addItem(prio.name(), level)
        self.priority.setCurrentIndex(-1)  # a priority comes with the class
        self.priority.activated.connect(self._priority_changed)
        self.reason = QLineEdit(objectName="priority_reason")
        self.texts.bind(self.reason.setPlaceholderText, N_("reason for a different priority"))
        self.reason.hide()
        self.callback = QLineEdit(objectName="callback_number")
        self.island_label = QLabel("")
        self.caller_problem = QLabel(objectName="caller_problem")
        self.caller_problem.setStyleSheet("color: #ff6b6b;")
        self.caller_problem.setWordWrap(True)
        self.caller_problem.hide()
        form.addRow(self._label(N_("Caller number")), self.caller)
        form.addRow("", self.caller_problem)
        form.addRow(self._label(N_("Name")), self.name)
        form.addRow(self._label(N_("Location")), self.location_edit)
        form.addRow("", self.location_edit.results)
        form.addRow("", self.island_label)
        form.addRow(self._label(N_("Classification")), self.class_edit)
        form.addRow("", self.class_edit.results)
        prio_row = QHBoxLayout()
        prio_row.addWidget(self.priority)
        prio_row.addWidget(self.reason, 1)
        form.addRow(self._label(N_("Priority")), prio_row)
        outer.addLayout(form)
        self.history = QLabel(objectName="caller_history")
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.RichText)
        self.nearby = QLabel(objectName="nearby")
        self.nearby.setWordWrap(True)
        self.duplicate_banner = QFrame(objectName="duplicate_banner")
        self.duplicate_banner.setStyleSheet("#duplicate_banner { background: #8d6e00; }")
        banner = QHBoxLayout(self.duplicate_banner)
        self.duplicate_label = QLabel()
        self.duplicate_label.setWordWrap(True)
        banner.addWidget(self.duplicate_label)
        self.duplicate_banner.hide()
        self.questions = QuestionPanel(body, self.core.ref)
        self.questions.answered.connect(lambda q, a: self._drive(self.session.answer, q, a))
        self.proposal_table = ProposalTable(self.core.ref)
        self.gap_banner = GapBanner(self.core.ref)
        self.turnout_dialog: TurnoutGapDialog | None = None
        self.proposal_table.dispatch_requested.connect(
            lambda units: self._drive(self.session.create, units=units))
        self.error = QLabel(objectName="intake_error")
        self.error.setStyleSheet("color: #ff6b6b; font-weight: bold;")
        self.error.setWordWrap(True)
        outer.addWidget(self.history)
        outer.addWidget(self.nearby)
        outer.addWidget(self.duplicate_banner)
        outer.addWidget(self._label(N_("Questions"), bold=True))
        outer.addWidget(self.questions)
        outer.addWidget(self._label(N_("Proposed units"), bold=True))
        outer.addWidget(self.gap_banner)
        outer.addWidget(self.proposal_table, 1)
        callback_row = QFormLayout()
        callback_row.addRow(self._label(N_("Callback number")), self.callback)
        outer.addLayout(callback_row)
        outer.addWidget(self.error)
        hint = self._label(N_("F5 create and dispatch · Ctrl+S create · F9 attach · F10 new · "
                              "Ctrl+D other unit · Alt+Q questions · Esc discard · F1 all keys"))
        hint.setObjectName("intake_keys")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #8a9099;")
        outer.addWidget(hint)
        self.setWidget(body)
        for edit, setter in ((self.name, self.session.set_name),
                             (self.callback, self.session.set_callback),
                             (self.reason, self.session.set_priority_reason)):
            edit.textChanged.connect(lambda t, f=setter: self._drive(f, t))
        self.location_edit.textEdited.connect(
            lambda t: self._drive(self.session.type_location, t))
        self.class_edit.textEdited.connect(
            lambda t: self._drive(self.session.type_classification, t))
        self._order_tabs()
        t = self.texts
        self.shortcuts = [
            _shortcut(body, "F5", self.dispatch_top, N_("Create and dispatch the turnout"), t),
            _shortcut(body, "Ctrl+S", self.create_only, N_("Create without dispatching"), t),
            _shortcut(body, "F9", self.attach_to_duplicate, N_("Attach to the duplicate"), t),
            _shortcut(body, "F10", self.continue_as_new, N_("Continue as a new incident"), t),
            _shortcut(body, "Ctrl+D", self.dispatch_other, N_("Dispatch another unit"), t),
            _shortcut(body, "Escape", self.discard, N_("Discard this call"), t),
            _shortcut(body, "Alt+Q", self._focus_questions, N_("Questions"), t),
        ]
        self.texts.bind(self.caller.setToolTip, N_("Caller number; Tab shows earlier calls"))
        self.proposal_table.extra_tip = " · F5 · Ctrl+D"
        self.proposal_table.retranslate()

    def _label(self, text: str, bold: bool = False) -> QLabel:
        """A label whose text follows the language."""
        label = QLabel()
        self.texts.bind((lambda t: label.setText(f"<b>{t}</b>")) if bold else label.setText,
                        text)
        return label

    def retranslate(self) -> None:
        """Show everything again in the current language; the call being taken stays."""
        self.texts.apply()
        for i in range(self.priority.count()):
            self.priority.setItemText(i, self.core.ref.priorities[self.priority.itemData(i)]
                                      .name())
        self.questions.retranslate()
        self._order_tabs()
        self.proposal_table.retranslate()
        self.gap_banner.show_gaps(self.session.proposals)
        for edit in (self.location_edit, self.class_edit):
            edit.refresh_if_open()
        self._render(frozenset({Part.FORM, Part.CALLER, Part.HISTORY, Part.NEARBY,
                                Part.DUPLICATES, Part.ERROR}))

    def _order_tabs(self) -> None:
        chain: list[QWidget] = [self.caller, self.name, self.location_edit, self.class_edit,
                                self.priority, self.reason, *self.questions.fields(),
                                self.proposal_table, self.callback]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _drive(self, step: Any, *args: Any, **kwargs: Any) -> Any:
        """Hand an operator's action to the session; a refusal shows under the form."""
        if self._rendering:
            return None  # the session is the one changing these widgets
        try:
            return step(*args, **kwargs)
        except MeldkamerError as exc:
            self.session.report(exc)  # shown until the call changes
            return None

    # -- what the session holds --------------------------------------------------------

    @property
    def location(self) -> LocationCandidate | None:
        return self.session.form.location

    @property
    def cls(self) -> Classification | None:
        return self.session.classification

    @property
    def busy(self) -> bool:
        return self.session.busy

    def is_empty(self) -> bool:
        return self.session.is_empty()

    # -- searching ---------------------------------------------------------------------

    @property
    def location_search(self) -> LocationSearch | None:
        return self.session.locations

    def _search_locations(self, text: str) -> Found | None:
        found = self.session.search_locations(text)
        if found is None:
            return None  # still being built: the list says so, and never waits for it
        return Found([(f"{c.label}  [{c.island or tr('outside the area')}]", c) for c in found],
                     str(found.note) if found.note else "")  # why nothing was found

    def _search_classes(self, text: str) -> list[tuple[str, Any]]:
        return [(f"{m.cls.code}  {m.path}", m.cls) for m in self.session.search_classes(text)]

    # -- steps -------------------------------------------------------------------------

    def start_call(self) -> None:
        """F2: focus the caller number (a call already in progress stays)."""
        self.session.start()
        self.show()
        self.raise_()
        self.caller.setFocus()
        self.caller.selectAll()

    def take_call(self, number: str) -> None:
        """F2 on a ringing call: the phone system gives the caller's number (caller ID);
        it is filled in and looked up, and the name is next."""
        self.start_call()
        self.caller.setText(number)  # as if typed: the session follows the field
        self.lookup_caller()
        self.name.setFocus()

    def lookup_caller(self) -> None:
        self._drive(self.session.lookup_caller)

    def _location_chosen(self, candidate: LocationCandidate) -> None:
        self._drive(self.session.set_location, candidate, self.location_edit.text())

    def set_location(self, candidate: LocationCandidate) -> None:
        """Take this place as the location (a script, the bench, the map)."""
        self._drive(self.session.set_location, candidate)

    def locate_at(self, lat: float, lon: float) -> bool:
        """A click on the map: what is there becomes the location (not while creating)."""
        return bool(self._drive(self.session.locate_at, lat, lon))

    def _class_chosen(self, cls: Classification) -> None:
        self._drive(self.session.set_classification, cls, self.class_edit.text())
        self.proposal_table.setFocus()

    def set_classification(self, cls: Classification) -> None:
        """Take this class (a script, the bench)."""
        self._drive(self.session.set_classification, cls)

    def _priority_changed(self) -> None:
        self._drive(self.session.set_priority, self.priority.currentData())
        if self.reason.isVisible():
            self.reason.setFocus()

    def _focus_questions(self) -> None:
        fields = self.questions.fields()
        if fields:
            fields[0].setFocus()

    def dispatch_top(self) -> None:
        """F5: create the incident and dispatch its whole turnout; a gap is asked about once."""
        session = self.session
        if session.busy or (self.turnout_dialog is not None and self.turnout_dialog.isVisible()):
            return
        gaps = self._drive(session.turnout_gaps)
        if gaps is None:
            return  # not ready: the error line says what is missing
        if not gaps:
            self._drive(session.create, turnout=True)
            return
        self._ask_turnout()

    def _ask_turnout(self, changed: bool = False) -> None:
        """The one question about the turnout's gaps (again, when it ``changed`` since)."""
        ps = self.session.proposals
        assert ps is not None  # turnout_gaps checked it, or the core sent it back
        diverts = ps.suggested_diverts()
        dialog = TurnoutGapDialog(self, self.core.ref, ps, diverts, changed=changed)
        dialog.finished.connect(lambda code: self._turnout_answered(code, diverts, ps))
        self.turnout_dialog = dialog
        dialog.open()

    def _turnout_answered(self, code: int, diverts: dict[str, tuple[str, ...]],
                          shown: ProposalSet) -> None:
        """Carry out the answer about ``shown``: only if the turnout still is that one."""
        dialog, self.turnout_dialog = self.turnout_dialog, None
        if dialog is not None:
            dialog.deleteLater()
        if code == TurnoutChoice.DIVERT:
            self._drive(self.session.create, turnout=True, partial=True, divert=diverts,
                        confirmed=shown)
        elif code == TurnoutChoice.REST:
            self._drive(self.session.create, turnout=True, partial=True, confirmed=shown)
        else:
            self.message.emit(tr("Nothing dispatched: the call is still in the form"))

    def create_only(self) -> None:
        self._drive(self.session.create)

    def dispatch_other(self) -> None:
        ask_unit(self, self.core, self.ops,
                 lambda callsign, reason: self._drive(self.session.create, units=[callsign],
                                                      override_reason=reason),
                 self.session.report)

    def attach_to_duplicate(self) -> None:
        self._drive(self.session.attach_to)

    def continue_as_new(self) -> None:
        self.session.continue_as_new()

    def discard(self) -> None:
        if self.is_empty() or self.busy:
            return
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        answer = QMessageBox.question(self, tr("Discard call"),
                                      tr("Discard this call? It has not been saved."),
                                      buttons, QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self.clear_form()

    def clear_form(self) -> None:
        """Forget the call and its draft."""
        self._save_timer.stop()
        self.session.discard()

    # -- draft -------------------------------------------------------------------------

    def draft(self) -> dict[str, Any]:
        return self.session.draft()

    def save_draft(self) -> None:
        self._save_timer.stop()
        self.session.save_draft()

    def _save_if_dirty(self) -> None:
        if self.session.dirty:
            self.session.save_draft()

    def restore(self, draft: dict[str, Any]) -> None:
        """Put a saved draft back into the form (MeldkamerError when it is damaged)."""
        self.session.restore(draft)

    # -- showing the session -----------------------------------------------------------

    def _render(self, parts: frozenset[Part]) -> None:
        self._rendering = True
        try:
            if Part.FORM in parts:
                self._show_form()
            if Part.CALLER in parts:
                self._show_caller_problem()
            if Part.HISTORY in parts:
                self._show_history()
            if Part.NEARBY in parts:
                self._show_nearby()
            if Part.DUPLICATES in parts:
                self._show_duplicates()
            if Part.PROPOSALS in parts:
                self.proposal_table.show_proposals(self.session.proposals)
                self.gap_banner.show_gaps(self.session.proposals)
            if parts & {Part.ERROR, Part.PROPOSALS}:
                self._show_error()
        finally:
            self._rendering = False
        if Part.LOCATION in parts:
            self.class_edit.setFocus()
        if Part.SEARCH in parts:
            if self.location_edit.text().strip() and self.location_edit.value is None:
                self.location_edit.refresh()  # what was typed while the index was built
            self.locations_ready.emit()
        if Part.DRAFT in parts:
            self._save_timer.start()
        if Part.DONE in parts and self.session.outcome is not None:
            self._save_timer.stop()
            self._announce()
        if Part.TURNOUT in parts and self.session.proposals is not None:
            self._ask_turnout(changed=True)  # nothing was stored: the call is still here

    def _show_form(self) -> None:
        session, form = self.session, self.session.form
        for edit, text in ((self.caller, form.caller), (self.name, form.name),
                           (self.callback, form.callback), (self.reason, form.priority_reason)):
            if edit.text() != text:
                edit.setText(text)
        loc = form.location
        if loc is not None:
            if self.location_edit.value != loc or self.location_edit.text() != form.location_text:
                self.location_edit.set_value(form.location_text, loc)
            where = loc.island or tr("outside the area")
            self.island_label.setText(f"{loc.lat:.5f}, {loc.lon:.5f} · {where}")
        else:
            if self.location_edit.text() != form.location_text:
                if form.location_text:
                    self.location_edit.set_value(form.location_text, None)
                else:
                    self.location_edit.clear_value()
            self.island_label.clear()
        cls = session.classification
        if cls is not None:
            if self.class_edit.value != cls or self.class_edit.text() != form.class_text:
                self.class_edit.set_value(form.class_text, cls)
        elif self.class_edit.text() != form.class_text:
            if form.class_text:
                self.class_edit.set_value(form.class_text, None)
            else:
                self.class_edit.clear_value()
        # No class, no priority: the combo shows none, never the last call's.
        self.priority.setCurrentIndex(-1 if form.priority is None
                                      else self.priority.findData(form.priority))
        if self.reason.hasFocus() and not session.needs_reason:
            self.priority.setFocus()  # a field that hides never takes the focus with it
        self.reason.setVisible(session.needs_reason)
        if self.questions.questions != session.questions:
            self.questions.set_questions(session.questions)
            self._order_tabs()
        self.questions.set_answers(session.answers)

    def _show_caller_problem(self) -> None:
        problem = self.session.caller_problem
        self.caller_problem.setText("" if problem is None else str(problem))
        self.caller_problem.setVisible(problem is not None)

    def _show_history(self) -> None:
        session = self.session
        if session.history_error is not None:
            self.history.setText(str(session.history_error))
        elif session.history is None:
            self.history.clear()
        else:
            self.history.setText(self._history_text(session.history))

    @staticmethod
    def _history_text(history: CallerHistory) -> str:
        if history.number_state != "known":
            return tr("No number: earlier calls cannot be looked up")
        lines = []
        for flag in history.flags:
            colour = "#ff6b6b" if flag.kind == "risk" else "#ffd54f"
            lines.append(f"<span style='color:{colour}'><b>{names.flag_kind(flag.kind)}</b> "
                         f"{flag.note}</span>")
        if history.repeat_caller:
            repeat = tr("Repeat caller")
            lines.append(f"<b>{repeat}</b>: "
                         + tr("{count} calls in 30 days", count=history.calls_30_days))
        for inc in history.incidents[:5]:
            lines.append(f"{inc.number} {inc.created_at:%d-%m-%Y} {inc.classification or ''} "
                         f"({names.state(inc.state)})")
        return "<br>".join(lines) if lines else tr("No earlier calls")

    def _show_nearby(self) -> None:
        nearby = self.session.nearby
        if nearby is None:
            self.nearby.clear()
        elif not nearby:
            self.nearby.setText(tr("No incidents near this location"))
        else:
            items = [f"{n.incident.number} {n.distance_m:.0f} m "
                     f"{n.incident.classification or ''} ({names.state(n.incident.state)})"
                     for n in nearby[:5]]
            self.nearby.setText(tr("Near this location:") + " " + "; ".join(items))

    def _show_duplicates(self) -> None:
        found = self.session.duplicates
        if not found:
            self.duplicate_banner.hide()
            return
        top = found[0]
        self.duplicate_label.setText(
            tr("Possibly the same as {number} ({reason}). F9: attach this call to it · "
               "F10: continue as a new incident", number=top.number,
               reason=names.duplicate_reason(top)))
        self.duplicate_banner.show()

    def _show_error(self) -> None:
        session = self.session
        if session.error is not None:
            self.error.setText(str(session.error))
        else:  # unfilled turnout slots have their own banner (gap_banner)
            self.error.clear()

    def _announce(self) -> None:
        outcome = self.session.outcome
        assert outcome is not None
        self.incident_created.emit(outcome.number)
        if outcome.attached:
            self.message.emit(tr("Call attached to {number}", number=outcome.number))
        elif outcome.problem:
            self.message.emit(tr("{number} created; dispatch refused: {problem}",
                                 number=outcome.number, problem=outcome.problem))
        elif outcome.unfilled:
            self.message.emit(tr("{number} created; dispatched {units}; left unfilled: {needs}",
                                 number=outcome.number, units=", ".join(outcome.dispatched)
                                 or "-", needs=names.capabilities(self.core.ref,
                                                                  outcome.unfilled)))
        elif outcome.dispatched:
            self.message.emit(tr("{number} created; dispatched {units}", number=outcome.number,
                                 units=", ".join(outcome.dispatched)))
        else:
            self.message.emit(tr("{number} created", number=outcome.number))
