"""The call being taken: one Qt-free object that the intake dock, training and tests drive.

The steps of a call are intent methods (``set_caller``, ``set_location``,
``set_classification``, ``answer``, ``create``, ``attach_to``, ``continue_as_new``,
``discard``). What follows from them, caller history, nearby incidents, possible
duplicates and the unit proposal, comes from the core's services through a *runner*:
``run(fetch, on_done, on_error)``. The default runs at once (scripts, tests, training);
the workstation passes ``ui.ops.Operations.run``, so the database is read on the worker
thread and the result is handed back on the GUI thread. Each lookup carries a revision:
a result for a question asked before the newest one of its kind, or for a call that has
since been finished or discarded, is dropped.

Listeners are plain callables that receive the set of ``Part`` s that changed; the dock
re-renders those from the session's state. The session itself is not thread-safe: it
lives on one thread (the GUI thread in the workstation); only ``fetch`` runs elsewhere,
on values captured when the lookup was asked.

The session owns the draft journal: every change is written (at once, or when the
driver calls ``save_draft``, see ``autosave``), so a crash loses nothing; a created,
attached or discarded call removes it.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from meldkamer.domain import phone, validate
from meldkamer.domain.lookup import ClassMatch, LocationCandidate, LocationResults, LocationSearch
from meldkamer.domain.reference import Classification, Question
from meldkamer.domain.views import (
    CallerHistory,
    DuplicateCandidate,
    NearbyIncident,
    ProposalSet,
    TurnoutSlot,
)
from meldkamer.drafts import DraftJournal
from meldkamer.errors import InvalidInput, MeldkamerError
from meldkamer.i18n import tr
from meldkamer.intake.form import IntakeForm, data_answer, from_draft, to_draft
from meldkamer.services.dispatch import TurnoutChanged

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

log = logging.getLogger(__name__)

T = TypeVar("T")
Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]], None]
"""Runs ``fetch`` somewhere, then ``on_done(result)`` or ``on_error(exc)`` on the caller's
thread (``ui.ops.Operations.run`` has this shape)."""


def run_now(fetch: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[Exception], None]) -> None:
    """The synchronous runner: scripts, tests and the CLI."""
    try:
        result = fetch()
    except Exception as exc:  # same contract as ui.ops: the session shows what failed
        if not isinstance(exc, MeldkamerError):
            log.exception("intake operation failed")
        on_error(exc)
        return
    on_done(result)


class Part(enum.Enum):
    """What changed, so a view redraws only that."""

    FORM = "form"
    """Fields the session changed itself (restore, clear, a priority following a class)."""
    LOCATION = "location"
    """A location was picked (in the list, on the map, by a script)."""
    CLASSIFICATION = "classification"
    """A class was picked; priority and questions follow it."""
    CALLER = "caller"
    """The caller's number was checked: see ``caller_problem``."""
    HISTORY = "history"
    NEARBY = "nearby"
    DUPLICATES = "duplicates"
    PROPOSALS = "proposals"
    ERROR = "error"
    BUSY = "busy"
    """A create or attach started or ended."""
    DONE = "done"
    """The call became an incident or was attached to one: see ``outcome``."""
    DRAFT = "draft"
    """The draft changed and is not saved yet (only without ``autosave``)."""
    SEARCH = "search"
    """The location index is built: typing finds places at once."""
    TURNOUT = "turnout"
    """The turnout changed between the question and F5's dispatch: nothing was stored,
    ``proposals`` is the turnout as it is now, and the dock asks again."""


Listener = Callable[[frozenset[Part]], None]


@dataclass(frozen=True)
class Outcome:
    """How a call ended: the incident it created or was attached to, and any dispatch."""

    number: str
    attached: bool
    dispatched: tuple[str, ...] = ()
    problem: str = ""
    """Why the dispatch was refused (the incident exists all the same)."""
    diverted: tuple[str, ...] = ()
    """Units of ``dispatched`` taken from another incident."""
    unfilled: tuple[str, ...] = ()
    """Capabilities of the turnout sent without a unit (the log says why)."""


class IntakeSession:
    """One call being taken at one workstation."""

    def __init__(self, core: Meldkamer, journal: DraftJournal | None = None, *,
                 run: Runner = run_now, autosave: bool = True) -> None:
        """
        Args:
            journal: where the draft is kept; None keeps nothing (a script's call).
            run: how lookups and the create run (see the module docstring).
            autosave: write the journal on every change; the workstation passes False
                and calls ``save_draft`` a moment after typing stops.
        """
        self.core, self.journal, self._run, self.autosave = core, journal, run, autosave
        self.form = IntakeForm()
        self.history: CallerHistory | None = None
        self.history_error: Exception | None = None
        self.nearby: tuple[NearbyIncident, ...] | None = None
        self.duplicates: tuple[DuplicateCandidate, ...] = ()
        self.proposals: ProposalSet | None = None
        self.error: Exception | None = None
        """Why the last step was refused; cleared by the next change of the call."""
        self.caller_problem: InvalidInput | None = None
        """Why the caller's number as typed is not a number; cleared once it is."""
        self.busy = False
        self.outcome: Outcome | None = None
        self.dirty = False
        self.locations: LocationSearch | None = None
        """The location index, once ``prepare`` has built it."""
        self._preparing = False
        self._dismissed: set[str] = set()
        self._listeners: list[Listener] = []
        self._owner = threading.get_ident()
        self._revision = 0
        self._asked: dict[Part, int] = {}
        self._answered: dict[Part, int] = {}

    # -- listening ---------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with the changed parts after every change."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener`` (a listener may do this while it is being called)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, *parts: Part) -> None:
        if threading.get_ident() != self._owner:  # listeners may be widgets: never elsewhere
            raise RuntimeError("an IntakeSession is driven only from the thread that made it; "
                               "hand the step to that thread (the GUI thread in the workstation)")
        changed = frozenset(parts)
        for listener in list(self._listeners):
            listener(changed)

    def _changed(self, *parts: Part) -> None:
        """The form changed: journal it (now or soon), then tell the listeners.

        An error about the call as it was no longer applies (the next step says again
        what is still wrong)."""
        self.dirty = True
        if self.error is not None and not self.busy:
            self.error = None
            parts = (*parts, Part.ERROR)
        if self.autosave:
            self.save_draft()
            self._notify(*parts)
        else:
            self._notify(*parts, Part.DRAFT)

    # -- derived state -----------------------------------------------------------------

    @property
    def classification(self) -> Classification | None:
        code = self.form.classification
        return self.core.ref.classifications.get(code) if code else None

    @property
    def questions(self) -> tuple[Question, ...]:
        """The structured questions of the chosen class."""
        cls = self.classification
        return cls.questions if cls else ()

    @property
    def answers(self) -> dict[str, str]:
        """Answers to the current class's questions, by question id."""
        return {q.id: self.form.answers[q.id] for q in self.questions
                if self.form.answers.get(q.id)}

    @property
    def default_priority(self) -> int | None:
        """The priority the chosen class implies (through its urgency, if any)."""
        cls = self.classification
        if cls is None:
            return None
        ref = self.core.ref
        return ref.urgencies[cls.urgency].priority if cls.urgency else cls.priority

    @property
    def needs_reason(self) -> bool:
        """The operator chose another priority than the class implies: a reason is due."""
        default = self.default_priority
        return default is not None and self.form.priority != default

    @property
    def island(self) -> str:
        """The island of the location, else the control room's home island."""
        loc = self.form.location
        return loc.island if loc and loc.island else self.core.ref.home_island

    @property
    def top_unit(self) -> str | None:
        """The unit F5 would dispatch, when the proposal is current."""
        if self.proposals is None or self.pending(Part.PROPOSALS):
            return None
        return self.proposals.proposals[0].callsign if self.proposals.proposals else None

    def turnout_gaps(self) -> tuple[TurnoutSlot, ...]:
        """The unfilled slots of the turnout F5 would send (empty: it is complete).

        Raises InvalidInput naming what is missing when there is no turnout to send yet.
        While the database is away there is none to check: F5 keeps the call in the
        outage journal (``create``) and the units are dispatched by radio.
        """
        outage = self.core.outage
        if outage is not None and outage.down:
            return ()
        return self._turnout().gaps

    def suggested_diverts(self) -> dict[str, tuple[str, ...]]:
        """The committed units "divert" would take for the gaps: nearest, each once."""
        return self._turnout().suggested_diverts()

    def _turnout(self) -> ProposalSet:
        cls = self.classification
        if cls is None:
            raise InvalidInput("No class yet: F5 sends the turnout of the class, so pick a "
                               "classification first")
        if self.proposals is None or self.pending(Part.PROPOSALS):
            raise InvalidInput("The unit proposal is still being worked out; press F5 again "
                               "in a moment")
        if not self.proposals.slots:
            raise InvalidInput("{classification} sends no units by itself: dispatch a unit "
                               "by its number in the list, or Ctrl+D", classification=cls)
        return self.proposals

    def is_empty(self) -> bool:
        return self.form.is_empty()

    def pending(self, kind: Part) -> bool:
        """A lookup of this kind has been asked and its answer has not arrived."""
        asked = self._asked.get(kind)
        return asked is not None and self._answered.get(kind) != asked

    def revision(self, kind: Part) -> int | None:
        """The revision the next accepted result of this kind must carry."""
        return self._asked.get(kind)

    def summary(self) -> str:
        """The answers as one log line, with the questions in Dutch (the log's language)."""
        given = self.answers
        return "; ".join(f"{q.texts['nl']} {given[q.id]}" for q in self.questions
                         if q.id in given)

    # -- type-ahead (in memory, once built) --------------------------------------------

    def prepare(self) -> None:
        """Build the type-ahead indexes (addresses, places, stations, classes) through the
        runner, so that no keystroke waits for map data or the store."""
        if self.locations is not None or self._preparing:
            return
        self._preparing = True
        core = self.core

        def build() -> LocationSearch:
            search = core.intake.locations()  # reads the stations from the store
            _ = core.geo.gazetteer, core.intake.classes
            phone.prepare()  # the number parser, before the first number is typed
            return search

        def built(search: LocationSearch) -> None:
            self._preparing, self.locations = False, search
            self._notify(Part.SEARCH)

        def failed(exc: Exception) -> None:
            self._preparing = False
            self._fail(exc)

        self._run(build, built, failed)

    def search_locations(self, text: str, limit: int = 8) -> LocationResults | None:
        """Places, stations, addresses and typed coordinates matching ``text``, with why
        there are none (``LocationResults.note``); None while the index is still being
        built (``Part.SEARCH`` says when it is ready)."""
        if self.locations is None:
            self.prepare()
            if self.locations is None:
                return None
        return self.locations.search(text, limit=limit)

    def search_classes(self, text: str, limit: int = 8) -> list[ClassMatch]:
        """Classes matching ``text`` in Dutch or English, by code or term."""
        return self.core.intake.classes.search(text, limit=limit)

    # -- the steps of a call -----------------------------------------------------------

    def start(self) -> bool:
        """F2: take a call. A call already in progress stays; returns whether one was."""
        in_progress = not self.is_empty()
        if not in_progress and (self.outcome is not None or self.error is not None):
            self.outcome, self.error = None, None
            self._notify(Part.ERROR)
        return in_progress

    def set_caller(self, number: str, *, lookup: bool = True) -> None:
        """The caller's number as typed; ``lookup`` checks it, shows it normalised and asks
        for its history and duplicates."""
        if number != self.form.caller:
            self.form = replace(self.form, caller=number)
            self._changed()
            if self.caller_problem is not None and not lookup:
                try:
                    validate.caller(number)
                except InvalidInput:
                    pass  # still wrong: the line stays until the operator leaves the field
                else:
                    self.caller_problem = None
                    self._notify(Part.CALLER)
        if lookup:
            self.lookup_caller()

    def lookup_caller(self) -> None:
        """Check the caller's number, show it normalised ("717 1234" becomes
        "+599 717 1234"), then look up its earlier calls, flags and possible duplicates."""
        typed = self.form.caller.strip()
        try:
            caller = validate.caller(typed)
        except InvalidInput as exc:
            self._forget(Part.HISTORY)
            self.caller_problem, self.history, self.history_error = exc, None, None
            self._notify(Part.CALLER, Part.HISTORY)
            self._check_duplicates()
            return
        had_problem, self.caller_problem = self.caller_problem is not None, None
        if had_problem:
            self._notify(Part.CALLER)
        if not typed:
            self._forget(Part.HISTORY)
            self.history, self.history_error = None, None
            self._notify(Part.HISTORY)
            return
        shown = caller.shown()
        if shown != self.form.caller:
            self.form = replace(self.form, caller=shown)
            self._changed(Part.FORM)
        core = self.core
        self._lookup(Part.HISTORY, lambda: core.intake.caller_history(shown),
                     self.apply_history)
        self._check_duplicates()

    def report(self, error: Exception) -> None:
        """A step the driver took was refused: show why, until the call changes."""
        self._fail(error)

    def set_name(self, name: str) -> None:
        self._edit(name=name)

    def set_callback(self, number: str) -> None:
        self._edit(callback=number)

    def set_note(self, text: str) -> None:
        """Free text for the incident log."""
        self._edit(note=text)

    def set_priority_reason(self, text: str) -> None:
        self._edit(priority_reason=text)

    def _edit(self, **fields: Any) -> None:
        if any(getattr(self.form, k) != v for k, v in fields.items()):
            self.form = replace(self.form, **fields)
            self._changed()

    def type_location(self, text: str) -> None:
        """Location text typed without picking a place: a picked one no longer holds."""
        had = self.form.location is not None
        self._forget(Part.LOCATION)  # what the operator types wins over a map click
        self.form = replace(self.form, location_text=text, location=None)
        self._changed()
        if had:
            self._forget(Part.NEARBY)
            self.nearby = None
            self._notify(Part.NEARBY)
            self._refresh_proposals()
            self._check_duplicates()

    def set_location(self, candidate: LocationCandidate, label: str | None = None) -> None:
        """A place picked as the incident location (``label``: how the field shows it)."""
        lat, lon = validate.coordinate(candidate.lat, candidate.lon)
        self._forget(Part.LOCATION)  # a map click still on its way is overruled
        self.form = replace(self.form, location=candidate,
                            location_text=candidate.label if label is None else label)
        self._changed(Part.FORM, Part.LOCATION)
        core = self.core
        self._lookup(Part.NEARBY, lambda: tuple(core.intake.nearby(lat, lon)), self.apply_nearby)
        self._refresh_proposals()
        self._check_duplicates()

    def locate_at(self, lat: float, lon: float) -> bool:
        """A point on the map: what is there becomes the location. False while creating."""
        if self.busy:
            return False
        la, lo = validate.coordinate(lat, lon)
        core = self.core
        self._lookup(Part.LOCATION, lambda: core.geo.reverse(la, lo), self.apply_location)
        return True

    def type_classification(self, text: str) -> None:
        """Class text typed without picking a class: a picked one no longer holds."""
        had = self.form.classification is not None
        self.form = replace(self.form, class_text=text, classification=None, priority=None)
        self._changed()
        if had:
            self._notify(Part.FORM)
            self._refresh_proposals()
            self._check_duplicates()

    def set_classification(self, cls: Classification | str, label: str | None = None) -> None:
        """A class picked (or its code); priority and questions follow from it.

        Answers already given to questions the new class also asks are kept.
        """
        ref = self.core.ref
        chosen = ref.classification(cls) if isinstance(cls, str) else cls
        text = label if label is not None else f"{chosen.code}  {chosen.path(ref)}"
        self.form = replace(self.form, classification=chosen.code, class_text=text,
                            priority=None, priority_reason="")
        self.form = replace(self.form, priority=self.default_priority)
        self._changed(Part.FORM, Part.CLASSIFICATION)
        self._refresh_proposals()
        self._check_duplicates()

    def set_priority(self, level: int, reason: str | None = None) -> None:
        """Another priority than the class implies (then a reason is due, see needs_reason)."""
        if level not in self.core.ref.priorities:
            raise InvalidInput("priority must be one of {levels}, not {priority}",
                               levels=", ".join(map(str, sorted(self.core.ref.priorities))),
                               priority=level)
        fields: dict[str, Any] = {"priority": level}
        if reason is not None:
            fields["priority_reason"] = reason
        self.form = replace(self.form, **fields)
        self._changed(Part.FORM)

    def answer(self, question: str, answer: str) -> None:
        """Answer one of the class's questions; an empty answer takes it back."""
        by_id = {q.id: q for q in self.questions}
        if question not in by_id:
            cls = self.classification
            raise InvalidInput("{question} is not a question for {code}", question=question,
                               code=cls.code if cls else "-")
        q = by_id[question]
        value = data_answer(q, validate.clean_text(answer, "answer", limit=validate.MAX_SHORT),
                            self.core.ref)
        answers = {k: v for k, v in self.form.answers.items() if k != question}
        if value:
            answers[question] = value
        if answers != dict(self.form.answers):
            self.form = replace(self.form, answers=answers)
            self._changed()

    def continue_as_new(self) -> None:
        """F10: the possible duplicates are not this call; they are not offered again."""
        self._dismissed.update(d.number for d in self.duplicates)
        self.duplicates = ()
        self._notify(Part.DUPLICATES)

    def discard(self) -> bool:
        """Esc (after the dock has asked): forget the call and its draft."""
        if self.busy:
            return False
        had = not self.is_empty()
        self._reset()
        self._notify(*_EVERYTHING)
        return had

    # -- finishing a call --------------------------------------------------------------

    def create(self, dispatch_top: bool = False, *, units: Sequence[str] = (),
               override_reason: str = "", turnout: bool = False, partial: bool = False,
               divert: Mapping[str, Sequence[str]] | None = None,
               confirmed: ProposalSet | None = None) -> Outcome | None:
        """F5 / Ctrl+S / Enter in the proposals: make the call an incident, then dispatch.

        Args:
            dispatch_top: dispatch the top proposal alone.
            units: dispatch these callsigns (a number key or Enter in the proposals).
            turnout: F5: dispatch the class's whole turnout. With an unfilled slot that is
                refused unless ``partial`` (send the rest, the gap is logged) or ``divert``
                ({capability: callsigns} taken from other incidents) fills it; the dock
                asks the operator first (``turnout_gaps``).
            confirmed: the proposal the operator answered that question about. When the
                turnout would now be another one, nothing is stored (not the incident
                either), the form stays, ``proposals`` becomes the turnout as it is now
                and ``Part.TURNOUT`` tells the dock to ask again.

        The incident and its answers are one transaction; a refused dispatch leaves the
        incident created (``Outcome.problem`` says why). Returns the outcome when the
        runner finished at once; otherwise it arrives as ``Part.DONE``. On failure the
        form is kept as it was and ``error`` says why.
        """
        if self.busy:
            return None
        chosen = list(units)
        outage = self.core.outage
        away = outage is not None and outage.down
        if away:  # no proposals to check: the call is kept in the outage journal
            turnout = dispatch_top = False
        if turnout:
            try:
                self._turnout()
            except InvalidInput as exc:
                self._fail(exc)
                return None
        elif dispatch_top:
            top = self.top_unit
            if top is None:
                try:
                    self._turnout()
                    error = InvalidInput("No available unit for this class on {island}: "
                                         "Ctrl+D dispatches a unit by callsign",
                                         island=self.core.ref.islands[self.island].name)
                except InvalidInput as exc:
                    error = exc
                self._fail(error)
                return None
            chosen = [top]
        fields = self._incident_fields()
        note, answers = self.form.note.strip(), dict(self.answers)
        diverts = {cap: tuple(cs) for cap, cs in (divert or {}).items()}
        core = self.core

        def work() -> Outcome:
            if turnout:
                # One batch: a turnout that changed since the question stores no incident.
                with core.batch():
                    inc = core.incidents.create(**fields, note=note, answers=answers)
                    return self._send_turnout(inc.number, partial, diverts, confirmed)
            # The answers become one log line that each reader sees in their language.
            inc = core.incidents.create(**fields, note=note, answers=answers)
            if away and not chosen:
                return Outcome(inc.number, attached=False, problem=tr(
                    "No connection to the database: the call is kept locally as {number}; "
                    "dispatch by radio, the units are confirmed once it is back",
                    number=inc.number))
            if not chosen:
                return Outcome(inc.number, attached=False)
            try:
                core.dispatch.dispatch(inc.number, chosen, override_reason=override_reason)
            except MeldkamerError as exc:
                return Outcome(inc.number, attached=False, problem=str(exc))
            return Outcome(inc.number, attached=False, dispatched=tuple(chosen))

        return self._finish(work)

    def _send_turnout(self, number: str, partial: bool, divert: Mapping[str, Sequence[str]],
                      confirmed: ProposalSet | None) -> Outcome:
        """On the runner: dispatch the new incident's turnout (refusals become ``problem``;
        TurnoutChanged goes on up, so that the incident is not stored either)."""
        try:
            done = self.core.dispatch.dispatch_turnout(number, partial=partial, divert=divert,
                                                       confirmed=confirmed)
        except TurnoutChanged:
            raise
        except MeldkamerError as exc:
            return Outcome(number, attached=False, problem=str(exc))
        return Outcome(number, attached=False, dispatched=done.dispatched,
                       diverted=done.diverted,
                       unfilled=tuple(s.capability for s in done.unfilled))

    def attach_to(self, number: str | None = None) -> Outcome | None:
        """F9: this call is about an existing incident (by default the top duplicate)."""
        if self.busy:
            return None
        if number is None:
            if not self.duplicates:
                self._fail(InvalidInput("No possible duplicate to attach this call to"))
                return None
            number = self.duplicates[0].number
        f = self.form
        address = f.location.label if f.location else f.location_text
        answers, classification = dict(self.answers), f.classification
        core, target = self.core, number

        def work() -> Outcome:
            core.incidents.attach_call(target, caller_number=f.caller, caller_name=f.name,
                                       callback_number=f.callback, note=f.note.strip(),
                                       reported_address=address,
                                       classification=classification, answers=answers)
            return Outcome(target, attached=True)

        return self._finish(work)

    def _incident_fields(self) -> dict[str, Any]:
        f = self.form
        loc = f.location
        return {
            "caller_number": f.caller, "caller_name": f.name, "callback_number": f.callback,
            "lat": loc.lat if loc else None, "lon": loc.lon if loc else None,
            "address": loc.label if loc else f.location_text, "island": self.island,
            "classification": f.classification,
            "priority": f.priority if f.classification else None,
            "priority_reason": f.priority_reason if self.needs_reason else "",
        }

    def _finish(self, work: Callable[[], Outcome]) -> Outcome | None:
        self.busy, self.error = True, None
        self._notify(Part.BUSY, Part.ERROR)
        result: list[Outcome] = []

        def done(outcome: Outcome) -> None:
            self._reset()
            self.outcome = outcome
            result.append(outcome)
            self._notify(*_EVERYTHING, Part.DONE)

        def failed(exc: Exception) -> None:
            self.busy, self.error = False, exc
            if isinstance(exc, TurnoutChanged):
                # The call is not stored: the turnout it would get is the one to ask about.
                self.proposals = replace(exc.proposals, number="")
                self._notify(Part.BUSY, Part.ERROR, Part.PROPOSALS, Part.TURNOUT)
                return
            self._notify(Part.BUSY, Part.ERROR)

        self._run(work, done, failed)
        return result[0] if result else None

    def _fail(self, error: Exception) -> None:
        self.error = error
        self._notify(Part.ERROR)

    def _reset(self) -> None:
        """A fresh form; answers still on their way belong to the old call."""
        self._asked.clear()
        self._answered.clear()
        self.form = IntakeForm()
        self.history, self.history_error, self.nearby = None, None, None
        self.duplicates, self.proposals, self.error = (), None, None
        self.caller_problem = None
        self.busy, self.outcome, self.dirty = False, None, False
        self._dismissed.clear()
        if self.journal is not None:
            self.journal.clear()

    # -- lookups -----------------------------------------------------------------------

    def _lookup(self, kind: Part, fetch: Callable[[], T],
                apply: Callable[[T, int], bool]) -> int:
        self._revision += 1
        revision = self._asked[kind] = self._revision

        def done(result: T) -> None:
            apply(result, revision)

        def failed(exc: Exception) -> None:
            self.apply_failure(kind, exc, revision)

        self._run(fetch, done, failed)
        return revision

    def _forget(self, kind: Part) -> None:
        """Results of this kind still on their way no longer count."""
        self._asked.pop(kind, None)
        self._answered.pop(kind, None)

    def _take(self, kind: Part, revision: int) -> bool:
        if self._asked.get(kind) != revision:
            return False
        self._answered[kind] = revision
        return True

    def _refresh_proposals(self) -> None:
        code = self.form.classification
        if code is None:
            self._forget(Part.PROPOSALS)
            self.proposals = None
            self._notify(Part.PROPOSALS)
            return
        loc = self.form.location
        island, lat, lon = self.island, loc.lat if loc else None, loc.lon if loc else None
        core = self.core
        self._lookup(Part.PROPOSALS, lambda: core.dispatch.propose_at(
            island=island, lat=lat, lon=lon, classification=code), self.apply_proposals)

    def _check_duplicates(self) -> None:
        f = self.form
        caller = f.caller.strip() or None
        lat = f.location.lat if f.location else None
        lon = f.location.lon if f.location else None
        core = self.core
        self._lookup(Part.DUPLICATES, lambda: tuple(core.intake.duplicates(
            caller_number=caller, lat=lat, lon=lon, classification=f.classification)),
            self.apply_duplicates)

    def apply_history(self, history: CallerHistory, for_revision: int) -> bool:
        """A caller history arrived; False (and ignored) when a newer one was asked."""
        if not self._take(Part.HISTORY, for_revision):
            return False
        self.history, self.history_error = history, None
        self._notify(Part.HISTORY)
        return True

    def apply_nearby(self, nearby: Sequence[NearbyIncident], for_revision: int) -> bool:
        if not self._take(Part.NEARBY, for_revision):
            return False
        self.nearby = tuple(nearby)
        self._notify(Part.NEARBY)
        return True

    def apply_duplicates(self, found: Sequence[DuplicateCandidate], for_revision: int) -> bool:
        if not self._take(Part.DUPLICATES, for_revision):
            return False
        self.duplicates = tuple(d for d in found if d.number not in self._dismissed)
        self._notify(Part.DUPLICATES)
        return True

    def apply_proposals(self, proposals: ProposalSet, for_revision: int) -> bool:
        if not self._take(Part.PROPOSALS, for_revision):
            return False
        self.proposals = proposals
        self._notify(Part.PROPOSALS)
        return True

    def apply_location(self, candidate: LocationCandidate, for_revision: int) -> bool:
        """What a map click found; dropped after a newer click or while creating."""
        if not self._take(Part.LOCATION, for_revision) or self.busy:
            return False
        self.set_location(candidate)
        return True

    def apply_failure(self, kind: Part, error: Exception, for_revision: int) -> bool:
        """A lookup failed: the history says so in its place, the others as the error."""
        if not self._take(kind, for_revision):
            return False
        if kind is Part.HISTORY:
            self.history, self.history_error = None, error
            self._notify(Part.HISTORY)
        else:
            self._fail(error)
        return True

    # -- the draft ---------------------------------------------------------------------

    def draft(self) -> dict[str, Any]:
        """The call so far, as the draft journal keeps it."""
        return to_draft(self.form)

    def save_draft(self) -> None:
        """Write the draft now (an empty call removes it); a full disk is logged, not fatal."""
        if self.journal is None:
            self.dirty = False
            return
        try:
            self.journal.save(self.draft() if not self.is_empty() else {})
        except OSError:
            log.warning("the call in progress could not be journaled", exc_info=True)
            return
        self.dirty = False

    def restore(self, draft: Mapping[str, Any]) -> None:
        """Put a saved draft back and ask again what follows from it.

        Raises InvalidInput, leaving the session as it was, when the draft is damaged.
        """
        form = from_draft(draft, self.core.ref)
        self._asked.clear()
        self._answered.clear()
        self.history, self.history_error, self.nearby = None, None, None
        self.duplicates, self.proposals, self.error, self.outcome = (), None, None, None
        self.caller_problem = None
        self._dismissed.clear()
        self.form = form
        self._changed(*_EVERYTHING)
        core = self.core
        if form.caller.strip():  # kept as it was typed; only checked
            number = form.caller.strip()
            try:
                validate.caller(number)
            except InvalidInput as exc:
                self.caller_problem = exc
                self._notify(Part.CALLER)
            else:
                self._lookup(Part.HISTORY, lambda: core.intake.caller_history(number),
                             self.apply_history)
        if form.location is not None:
            lat, lon = form.location.lat, form.location.lon
            self._lookup(Part.NEARBY, lambda: tuple(core.intake.nearby(lat, lon)),
                         self.apply_nearby)
        self._refresh_proposals()
        self._check_duplicates()

    def recover(self) -> bool | None:
        """At start: restore the journaled call. None: there was none; False: it could not
        be read or restored and was moved aside (``journal.rejected`` says where); never
        raises, so no draft stops a start."""
        if self.journal is None:
            return None
        saved = self.journal.load()
        if self.journal.rejected is not None:
            log.warning("a saved call could not be read; moved to %s", self.journal.rejected)
            return False
        if not saved:
            return None
        try:
            self.restore(saved)
        except (InvalidInput, TypeError, ValueError, KeyError, AttributeError, RecursionError):
            log.warning("a saved call could not be restored", exc_info=True)
            self.journal.set_aside()
            return False
        return True


_EVERYTHING = (Part.FORM, Part.CALLER, Part.HISTORY, Part.NEARBY, Part.DUPLICATES,
               Part.PROPOSALS, Part.ERROR, Part.BUSY)
