"""Call intake: caller, location, classification, questions, duplicates, dispatch.

Keyboard-first. The tab order follows the call: number, name, location, class,
priority, questions, proposals, callback. F5 creates the incident and dispatches the
top proposal; Ctrl+S creates it without dispatching; F9 attaches the call to a proposed
duplicate, F10 continues as a new incident; Escape discards (after asking). Every
change is written to the draft journal, so a crash loses nothing.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from meldkamer.core import Meldkamer
from meldkamer.domain.lookup import ClassMatch, LocationCandidate
from meldkamer.domain.reference import Classification
from meldkamer.domain.views import CallerHistory, DuplicateCandidate, NearbyIncident, ProposalSet
from meldkamer.drafts import DraftJournal
from meldkamer.errors import MeldkamerError
from meldkamer.i18n import tr
from ui.dialogs.reason import ask_unit
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
from ui.widgets.proposals import ProposalTable
from ui.widgets.questions import QuestionPanel
from ui.widgets.typeahead import TypeAhead


def _shortcut(widget: QWidget, keys: str, slot: Any, tip: str) -> QShortcut:
    sc = QShortcut(QKeySequence(keys), widget)
    sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    sc.activated.connect(slot)
    sc.setWhatsThis(f"{tip} ({keys})")
    return sc


class IntakeDock(QDockWidget):
    """The call intake form and its logic."""

    incident_created = Signal(str)
    """A call became an incident (or was attached to one): its number."""
    message = Signal(str)
    """Something the operator should read in the status bar."""

    def __init__(self, core: Meldkamer, ops: Operations, journal: DraftJournal,
                 parent: QWidget | None = None) -> None:
        super().__init__(tr("Call intake"), parent)
        self.setObjectName("dock_intake")
        self.core, self.ops, self.journal = core, ops, journal
        self.location: LocationCandidate | None = None
        self.cls: Classification | None = None
        self.duplicates: list[DuplicateCandidate] = []
        self.proposals: ProposalSet | None = None
        self.busy = False
        self._asked: dict[str, int] = {}
        self._build()
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(150)
        self._save_timer.timeout.connect(self.save_draft)

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        body = QWidget(self)
        outer = QVBoxLayout(body)
        form = QFormLayout()
        self.caller = QLineEdit(objectName="caller_number")
        self.caller.setPlaceholderText(tr("caller's number"))
        self.caller.editingFinished.connect(self.lookup_caller)
        self.name = QLineEdit(objectName="caller_name")
        self.location_edit = TypeAhead(self._search_locations, body)
        self.location_edit.setObjectName("location")
        self.location_edit.setPlaceholderText(tr("place, station or 12.15, -68.27"))
        self.location_edit.chosen.connect(self.set_location)
        self.class_edit = TypeAhead(self._search_classes, body)
        self.class_edit.setObjectName("classification")
        self.class_edit.setPlaceholderText(tr("e.g. burglary dwelling, inbraak woning"))
        self.class_edit.chosen.connect(self.set_classification)
        self.priority = QComboBox(objectName="priority")
        for level, prio in self.core.ref.priorities.items():
            self.priority.addItem(prio.name(), level)
        self.priority.activated.connect(self._priority_changed)
        self.reason = QLineEdit(objectName="priority_reason")
        self.reason.setPlaceholderText(tr("reason for a different priority"))
        self.reason.hide()
        self.callback = QLineEdit(objectName="callback_number")
        self.island_label = QLabel("")
        form.addRow(tr("Caller number"), self.caller)
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("Location"), self.location_edit)
        form.addRow("", self.location_edit.results)
        form.addRow("", self.island_label)
        form.addRow(tr("Classification"), self.class_edit)
        form.addRow("", self.class_edit.results)
        prio_row = QHBoxLayout()
        prio_row.addWidget(self.priority)
        prio_row.addWidget(self.reason, 1)
        form.addRow(tr("Priority"), prio_row)
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
        self.questions = QuestionPanel(body)
        self.questions.changed.connect(self.schedule_save)
        self.proposal_table = ProposalTable()
        self.proposal_table.dispatch_requested.connect(self.create_and_dispatch)
        self.error = QLabel(objectName="intake_error")
        self.error.setStyleSheet("color: #ff6b6b; font-weight: bold;")
        self.error.setWordWrap(True)
        outer.addWidget(self.history)
        outer.addWidget(self.nearby)
        outer.addWidget(self.duplicate_banner)
        outer.addWidget(QLabel(f"<b>{tr('Questions')}</b>"))
        outer.addWidget(self.questions)
        outer.addWidget(QLabel(f"<b>{tr('Proposed units')}</b>"))
        outer.addWidget(self.proposal_table, 1)
        callback_row = QFormLayout()
        callback_row.addRow(tr("Callback number"), self.callback)
        outer.addLayout(callback_row)
        outer.addWidget(self.error)
        hint = QLabel(tr("F5 create and dispatch · Ctrl+S create · F9 attach · F10 new · "
                         "Ctrl+D other unit · Alt+Q questions · Esc discard · F1 all keys"))
        hint.setObjectName("intake_keys")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #8a9099;")
        outer.addWidget(hint)
        self.setWidget(body)
        for edit in (self.caller, self.name, self.callback, self.reason):
            edit.textChanged.connect(self.schedule_save)
        self.location_edit.textEdited.connect(self._location_typed)
        self.class_edit.textEdited.connect(self._class_typed)
        self._order_tabs()
        self.shortcuts = [
            _shortcut(body, "F5", self.dispatch_top, tr("Create and dispatch the top unit")),
            _shortcut(body, "Ctrl+S", self.create_only, tr("Create without dispatching")),
            _shortcut(body, "F9", self.attach_to_duplicate, tr("Attach to the duplicate")),
            _shortcut(body, "F10", self.continue_as_new, tr("Continue as a new incident")),
            _shortcut(body, "Ctrl+D", self.dispatch_other, tr("Dispatch another unit")),
            _shortcut(body, "Escape", self.discard, tr("Discard this call")),
            _shortcut(body, "Alt+Q", self._focus_questions, tr("Questions")),
        ]
        self.caller.setToolTip(tr("Caller number; Tab shows earlier calls"))
        self.proposal_table.setToolTip(self.proposal_table.toolTip() + " · F5 · Ctrl+D")

    def _order_tabs(self) -> None:
        chain: list[QWidget] = [self.caller, self.name, self.location_edit, self.class_edit,
                                self.priority, self.reason, *self.questions.fields(),
                                self.proposal_table, self.callback]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _latest(self, kind: str, show: Any) -> Any:
        """A result handler that drops answers to questions asked before the newest one."""
        ticket = self._asked[kind] = self._asked.get(kind, 0) + 1

        def deliver(result: Any) -> None:
            if self._asked.get(kind) == ticket:
                show(result)

        return deliver

    # -- searching ---------------------------------------------------------------------

    def _search_locations(self, text: str) -> list[tuple[str, Any]]:
        found = self.core.intake.locations().search(text, limit=8)
        return [(f"{c.label}  [{c.island or tr('outside the area')}]", c) for c in found]

    def _search_classes(self, text: str) -> list[tuple[str, Any]]:
        found: list[ClassMatch] = self.core.intake.classes.search(text, limit=8)
        return [(f"{m.cls.code}  {m.path}", m.cls) for m in found]

    def _location_typed(self) -> None:
        self.location = None
        self.schedule_save()

    def _class_typed(self) -> None:
        self.cls = None
        self.schedule_save()

    # -- steps -------------------------------------------------------------------------

    def start_call(self) -> None:
        """F2: focus the caller number (a call already in progress stays)."""
        self.show()
        self.raise_()
        self.caller.setFocus()
        self.caller.selectAll()

    def lookup_caller(self) -> None:
        number = self.caller.text().strip()
        if not number:
            self.history.clear()
            return

        def fetch() -> CallerHistory:
            return self.core.intake.caller_history(number)

        self.ops.run(fetch, self._latest("history", self._show_history),
                     lambda e: self.history.setText(str(e)))
        self.check_duplicates()

    def _show_history(self, history: CallerHistory) -> None:
        lines = []
        for flag in history.flags:
            colour = "#ff6b6b" if flag.kind == "risk" else "#ffd54f"
            lines.append(f"<span style='color:{colour}'><b>{tr(flag.kind.upper())}</b> "
                         f"{flag.note}</span>")
        if history.repeat_caller:
            lines.append(f"<b>{tr('Repeat caller')}</b>: "
                         + tr("{count} calls in 30 days", count=history.calls_30_days))
        for inc in history.incidents[:5]:
            lines.append(f"{inc.number} {inc.created_at:%d-%m-%Y} {inc.classification or ''} "
                         f"({inc.state})")
        self.history.setText("<br>".join(lines) if lines else tr("No earlier calls"))

    def set_location(self, candidate: LocationCandidate) -> None:
        self.location = candidate
        if self.location_edit.value is not candidate:  # chosen on the map, not in the list
            self.location_edit.set_value(candidate.label, candidate)
        where = candidate.island or tr("outside the area")
        self.island_label.setText(f"{candidate.lat:.5f}, {candidate.lon:.5f} · {where}")
        self.class_edit.setFocus()
        lat, lon = candidate.lat, candidate.lon
        self.ops.run(lambda: self.core.intake.nearby(lat, lon),
                     self._latest("nearby", self._show_nearby))
        self.refresh_proposals()
        self.check_duplicates()
        self.schedule_save()

    def _show_nearby(self, nearby: list[NearbyIncident]) -> None:
        if not nearby:
            self.nearby.setText(tr("No incidents near this location"))
            return
        items = [f"{n.incident.number} {n.distance_m:.0f} m {n.incident.classification or ''}"
                 f" ({n.incident.state})" for n in nearby[:5]]
        self.nearby.setText(tr("Near this location:") + " " + "; ".join(items))

    def set_classification(self, cls: Classification) -> None:
        self.cls = cls
        default = self.core.ref.urgencies[cls.urgency].priority if cls.urgency else cls.priority
        self.priority.setCurrentIndex(self.priority.findData(default))
        self.reason.hide()
        self.questions.set_questions(cls.questions)
        self._order_tabs()
        self.refresh_proposals()
        self.check_duplicates()
        self.proposal_table.setFocus()
        self.schedule_save()

    def _priority_changed(self) -> None:
        self.reason.setVisible(self.priority.currentData() != self._default_priority())
        if self.reason.isVisible():
            self.reason.setFocus()
        self.schedule_save()

    def _default_priority(self) -> int | None:
        if self.cls is None:
            return None
        ref = self.core.ref
        return ref.urgencies[self.cls.urgency].priority if self.cls.urgency else self.cls.priority

    def _focus_questions(self) -> None:
        fields = self.questions.fields()
        if fields:
            fields[0].setFocus()

    def _island(self) -> str:
        if self.location and self.location.island:
            return self.location.island
        return self.core.ref.home_island

    def refresh_proposals(self) -> None:
        if self.cls is None:
            self._asked["proposals"] = self._asked.get("proposals", 0) + 1
            self.proposal_table.show_proposals(None)
            return
        island, code = self._island(), self.cls.code
        lat = self.location.lat if self.location else None
        lon = self.location.lon if self.location else None

        def fetch() -> ProposalSet:
            return self.core.dispatch.propose_at(island=island, lat=lat, lon=lon,
                                                 classification=code)

        self.ops.run(fetch, self._latest("proposals", self._show_proposals))

    def _show_proposals(self, proposals: ProposalSet) -> None:
        self.proposals = proposals
        self.proposal_table.show_proposals(proposals)
        if proposals.unmet:
            self.error.setText(tr("No available unit for: {needs}",
                                  needs=", ".join(proposals.unmet)))

    def check_duplicates(self) -> None:
        caller = self.caller.text().strip() or None
        lat = self.location.lat if self.location else None
        lon = self.location.lon if self.location else None
        code = self.cls.code if self.cls else None
        self.ops.run(lambda: self.core.intake.duplicates(caller_number=caller, lat=lat, lon=lon,
                                                         classification=code),
                     self._latest("duplicates", self._show_duplicates))

    def _show_duplicates(self, found: list[DuplicateCandidate]) -> None:
        self.duplicates = found
        if not found:
            self.duplicate_banner.hide()
            return
        top = found[0]
        self.duplicate_label.setText(
            tr("Possibly the same as {number} ({reason}). F9: attach this call to it · "
               "F10: continue as a new incident", number=top.number, reason=top.reason))
        self.duplicate_banner.show()

    # -- actions -----------------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        priority = self.priority.currentData() if self.cls else None
        return {
            "caller_number": self.caller.text(),
            "caller_name": self.name.text(),
            "callback_number": self.callback.text(),
            "lat": self.location.lat if self.location else None,
            "lon": self.location.lon if self.location else None,
            "address": self.location.label if self.location else self.location_edit.text(),
            "island": self._island(),
            "classification": self.cls.code if self.cls else None,
            "priority": priority,
            "priority_reason": self.reason.text() if self.reason.isVisible() else "",
        }

    def dispatch_top(self) -> None:
        names = self.proposal_table.callsigns()
        if not names:
            self.error.setText(tr("No proposal to dispatch yet: give a location and a class"))
            return
        self.create_and_dispatch(names[:1])

    def create_only(self) -> None:
        self.create_and_dispatch([])

    def dispatch_other(self) -> None:
        try:
            chosen = ask_unit(self, self.core)
        except MeldkamerError as exc:
            self.error.setText(str(exc))
            return
        if chosen is not None:
            self.create_and_dispatch([chosen[0]], override=chosen[1])

    def create_and_dispatch(self, callsigns: list[str], override: str = "") -> None:
        """Create the incident from the form (one operation), then dispatch the units."""
        if self.busy:
            return
        fields = self._fields()
        note = self.questions.summary()
        self.busy = True
        self.error.clear()

        def work() -> tuple[str, str]:
            # One transaction for the incident and its answers: a failure leaves nothing.
            inc = self.core.incidents.create(**fields, note=f"Vragen: {note}" if note else "")
            problem = ""
            if callsigns:
                try:
                    self.core.dispatch.dispatch(inc.number, callsigns, override_reason=override)
                except MeldkamerError as exc:
                    problem = str(exc)
            return inc.number, problem

        self.ops.run(work, self._created, self._failed)

    def _created(self, result: tuple[str, str]) -> None:
        number, problem = result
        self.busy = False
        self.clear_form()
        self.incident_created.emit(number)
        if problem:
            self.message.emit(tr("{number} created; dispatch refused: {problem}",
                                 number=number, problem=problem))
        else:
            self.message.emit(tr("{number} created", number=number))

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.error.setText(str(error))

    def attach_to_duplicate(self) -> None:
        if not self.duplicates or self.busy:
            return
        number = self.duplicates[0].number
        fields = self._fields()
        note = self.questions.summary()
        self.busy = True

        def work() -> tuple[str, str]:
            extra = [f"Locatie volgens melder: {fields['address']}"] if fields["address"] else []
            if note:
                extra.append(f"Vragen: {note}")
            self.core.incidents.attach_call(number, caller_number=fields["caller_number"],
                                            caller_name=fields["caller_name"],
                                            callback_number=fields["callback_number"],
                                            note=". ".join(extra))
            return number, ""

        self.ops.run(work, self._created, self._failed)

    def continue_as_new(self) -> None:
        self.duplicates = []
        self.duplicate_banner.hide()

    def discard(self) -> None:
        if self.is_empty():
            return
        answer = QMessageBox.question(self, tr("Discard call"),
                                      tr("Discard this call? It has not been saved."))
        if answer == QMessageBox.StandardButton.Yes:
            self.clear_form()

    # -- draft -------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return self.location is None and not any((
            self.caller.text(), self.name.text(), self.location_edit.text(),
            self.class_edit.text(), self.callback.text()))

    def draft(self) -> dict[str, Any]:
        loc = self.location
        return {
            "caller": self.caller.text(), "name": self.name.text(),
            "callback": self.callback.text(), "location_text": self.location_edit.text(),
            "location": None if loc is None else {
                "label": loc.label, "kind": loc.kind, "lat": loc.lat, "lon": loc.lon,
                "island": loc.island, "source": loc.source},
            "classification": self.cls.code if self.cls else None,
            "class_text": self.class_edit.text(),
            "priority": self.priority.currentData() if self.cls else None,
            "reason": self.reason.text(), "answers": self.questions.answers(),
        }

    def schedule_save(self) -> None:
        self._save_timer.start()

    def save_draft(self) -> None:
        self.journal.save(self.draft() if not self.is_empty() else {})

    def restore(self, draft: dict[str, Any]) -> None:
        """Put a saved draft back into the form."""
        self.caller.setText(str(draft.get("caller", "")))
        self.name.setText(str(draft.get("name", "")))
        self.callback.setText(str(draft.get("callback", "")))
        loc = draft.get("location")
        if isinstance(loc, dict):
            cand = LocationCandidate(loc["label"], loc.get("kind", ""), float(loc["lat"]),
                                     float(loc["lon"]), loc.get("island"), 100.0,
                                     loc.get("source", "draft"))
            self.location_edit.set_value(str(draft.get("location_text") or cand.label), cand)
            self.location = cand
            self.island_label.setText(f"{cand.lat:.5f}, {cand.lon:.5f} · "
                                      f"{cand.island or tr('outside the area')}")
        else:
            self.location_edit.setText(str(draft.get("location_text", "")))
        code = draft.get("classification")
        if code and code in self.core.ref.classifications:
            cls = self.core.ref.classifications[code]
            self.class_edit.set_value(str(draft.get("class_text") or code), cls)
            self.set_classification(cls)
            if draft.get("priority") is not None:
                self.priority.setCurrentIndex(self.priority.findData(draft["priority"]))
                self.reason.setVisible(self.priority.currentData() != self._default_priority())
            self.reason.setText(str(draft.get("reason", "")))
            self.questions.set_answers(dict(draft.get("answers") or {}))
        else:
            self.class_edit.setText(str(draft.get("class_text", "")))
        if self.caller.text():
            self.lookup_caller()

    def clear_form(self) -> None:
        for kind in list(self._asked):  # answers still on their way belong to the old call
            self._asked[kind] += 1
        for edit in (self.caller, self.name, self.callback, self.reason):
            edit.clear()
        self.location_edit.clear_value()
        self.class_edit.clear_value()
        self.location, self.cls, self.proposals = None, None, None
        self.duplicates = []
        self.duplicate_banner.hide()
        self.history.clear()
        self.nearby.clear()
        self.island_label.clear()
        self.error.clear()
        self.reason.hide()
        self.questions.set_questions(())
        self.proposal_table.show_proposals(None)
        self._save_timer.stop()
        self.journal.clear()
