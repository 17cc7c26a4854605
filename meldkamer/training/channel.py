"""The training channel: a scenario's clock and calls to the trainee, and back.

The engine and the trainee's workstation may be one process (the trainer's window in the
workstation) or two on one training database (``meldkamer trainer`` at another screen).
Either way they talk through shared domain events: each is stored in the change feed by a
transaction with an audit event of its own, so the other process's ``ChangeWatcher``
delivers it, and it is published on the local bus after commit for the same process.

From the engine (``Engine`` with ``publish=True``, or attached to a runtime):

- ``training.clock``: the run's clock (on start, pause, resume, speed, jump and end).
  Any process computes the simulated time from it (``ClockState.at``); the trainee's
  core follows it, so its incidents carry the scenario's times.
- ``training.call``: a call rings: the caller's number, name, language, what they say,
  and how they answer the class questions (shown to the trainee only when asked).

From the trainee's workstation (``Trainee``):

- ``training.taken``: a trainee answered a ringing call (it stops ringing everywhere);
- ``training.progress``: what the intake holds so far (class, priority, questions
  answered, the turnout's unfillable capabilities);
- ``training.done``: the call became an incident or was attached to one.

Times in these events are simulated seconds after the scenario's start, as the sender's
clock reads them. Payloads are checked on arrival (``valid``): a damaged or foreign row
is logged and dropped, never trusted. Nothing of this runs on a live database.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from meldkamer.commands import catalogue as c
from meldkamer.commands.base import writes
from meldkamer.domain.source import Source
from meldkamer.errors import InvalidInput, Refused
from meldkamer.events import DomainEvent, UnknownEvent, from_record, register
from meldkamer.intake.session import Runner, run_now

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer
    from meldkamer.intake.session import IntakeSession, Part

log = logging.getLogger(__name__)

ENTITY = "training"
"""The audit entity of the channel's events (the key is the run id)."""
CATCH_UP = 5000
"""How many of the newest stored training events a workstation reads when it starts."""


@register("training.clock")
@dataclass(frozen=True)
class TrainingClock(DomainEvent):
    """A run's clock: ``now`` simulated seconds at ``wall`` (epoch seconds)."""

    run: str
    scenario: str
    start: str
    """The scenario's simulated start (ISO 8601 with its offset)."""
    now: float
    wall: float
    speed: float
    """Simulated seconds per wall second (0: headless, as fast as the machine goes)."""
    paused: bool
    ended: bool = False


@register("training.call")
@dataclass(frozen=True)
class TrainingCall(DomainEvent):
    """A scenario call rings (from the scenario or injected by the trainer)."""

    run: str
    call: str
    caller: str
    name: str
    language: str
    location: str
    """Where the caller says they are (as they say it)."""
    says: tuple[str, ...]
    answers: dict[str, str]
    """The caller's answers to the class questions, by question id."""
    rang_at: float


@register("training.taken")
@dataclass(frozen=True)
class TrainingTaken(DomainEvent):
    """A trainee answered the call."""

    run: str
    call: str
    by: str
    """The trainee (one workstation's ``Trainee.id``)."""
    user: str
    at: float


@register("training.progress")
@dataclass(frozen=True)
class TrainingProgress(DomainEvent):
    """What the trainee's intake holds for the call so far."""

    run: str
    call: str
    by: str
    at: float
    classified_at: float | None
    classification: str | None
    priority: int | None
    answered: tuple[str, ...]
    unfillable: tuple[str, ...]


@register("training.done")
@dataclass(frozen=True)
class TrainingDone(DomainEvent):
    """The call became an incident (or was attached to one)."""

    run: str
    call: str
    by: str
    at: float
    incident: str
    attached: bool
    dispatched: tuple[str, ...]
    problem: str


TYPES: tuple[type[DomainEvent], ...] = (TrainingClock, TrainingCall, TrainingTaken,
                                        TrainingProgress, TrainingDone)

# -- checking what arrives ------------------------------------------------------------


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _strings(v: Any) -> bool:
    return isinstance(v, list | tuple) and all(isinstance(s, str) for s in v)


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "run": lambda v: isinstance(v, str) and 0 < len(v) <= 64,
    "call": lambda v: isinstance(v, str) and 0 < len(v) <= 200,
    "by": lambda v: isinstance(v, str) and 0 < len(v) <= 200,
    "start": lambda v: isinstance(v, str) and _iso(v) is not None,
    "now": lambda v: _number(v) and v >= 0,
    "at": lambda v: _number(v) and v >= 0,
    "rang_at": lambda v: _number(v) and v >= 0,
    "wall": _number,
    "speed": lambda v: _number(v) and 0 <= v <= 1000,
    "paused": lambda v: isinstance(v, bool),
    "ended": lambda v: isinstance(v, bool),
    "attached": lambda v: isinstance(v, bool),
    "says": _strings,
    "answered": _strings,
    "unfillable": _strings,
    "dispatched": _strings,
    "answers": lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and isinstance(a, str) for k, a in v.items()),
    "classified_at": lambda v: v is None or (_number(v) and v >= 0),
    "classification": lambda v: v is None or isinstance(v, str),
    "priority": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
}


def _iso(text: str) -> datetime | None:
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


def valid(event: DomainEvent) -> bool:
    """Whether a training event's fields have the types they should (a stored row may
    come from another version or be damaged: it is never trusted)."""
    for f in fields(event):
        if f.name == "seq":
            continue
        check = _CHECKS.get(f.name, lambda v: isinstance(v, str))
        if not check(getattr(event, f.name)):
            log.warning("training channel: dropped %s with a bad %s (%r)", event.type_name,
                        f.name, getattr(event, f.name))
            return False
    return True


# -- sending ----------------------------------------------------------------------------


def publish(core: Meldkamer, event: DomainEvent, source: Source | None = None) -> DomainEvent:
    """Store ``event`` in the change feed (with its audit event) and publish it after
    commit; returns it with its sequence. Refused on a live database."""
    seq = _publish(core, event.type_name, event.payload(), source=source)
    return type(event)(**{**event.payload(), "seq": seq})


@writes(c.PublishTrainingEvent)
def _publish(core: Meldkamer, event_type: str, payload: dict[str, Any],
             source: Source | None = None) -> int:
    """The training event stored and queued for publishing; returns its sequence."""
    if not core.training:
        raise Refused("{where} is a live database: training events are only sent on a "
                      "training database (--training)", where=core.store.safe_url)
    try:
        event = from_record(event_type, 0, payload)
    except UnknownEvent as exc:
        raise InvalidInput("not a training event: {type}", type=event_type) from exc
    if not event_type.startswith("training.") or not valid(event):
        raise InvalidInput("not a valid training event: {type}", type=event_type)
    data = event.payload()
    with core.transaction(source=source) as tx:
        seq = tx.audit(event.type_name, ENTITY, str(data.get("run", "")), **data)
        tx.publish(type(event)(**{**data, "seq": seq}))
        return seq


def recent(core: Meldkamer, limit: int = CATCH_UP) -> list[DomainEvent]:
    """The newest stored training events, oldest first (a workstation that starts while
    a run goes on catches up with them; they are checked as any that arrive)."""
    from meldkamer.events import UnknownEvent, from_record
    from meldkamer.store.models import ChangeEvent

    names = [t.type_name for t in TYPES]
    with core.store.read() as session:
        rows = session.execute(
            select(ChangeEvent.seq, ChangeEvent.type, ChangeEvent.payload)
            .where(ChangeEvent.type.in_(names))
            .order_by(ChangeEvent.seq.desc(), ChangeEvent.id.desc()).limit(limit)).all()
    out = []
    for seq, type_name, payload in reversed(rows):
        try:
            out.append(from_record(type_name, int(seq), dict(payload or {})))
        except (UnknownEvent, TypeError, ValueError) as exc:
            log.warning("training channel: skipped a stored %s: %s", type_name, exc)
    return out


# -- the clock as any process computes it -------------------------------------------------


@dataclass(frozen=True)
class ClockState:
    """A run's clock as last published."""

    run: str
    scenario: str
    start: datetime
    now: float
    wall: float
    speed: float
    paused: bool
    ended: bool
    seq: int

    @classmethod
    def of(cls, event: TrainingClock) -> ClockState:
        start = _iso(event.start)
        assert start is not None  # valid() checked it
        return cls(event.run, event.scenario, start, float(event.now), float(event.wall),
                   float(event.speed), event.paused, event.ended, event.seq)

    def at(self, wall: float) -> float:
        """Simulated seconds at wall time ``wall`` (epoch seconds)."""
        if self.paused or self.ended or self.speed <= 0:
            return self.now
        return self.now + max(0.0, wall - self.wall) * self.speed

    def time_at(self, wall: float) -> datetime:
        return self.start + timedelta(seconds=self.at(wall))


# -- the trainee's side -----------------------------------------------------------------


@dataclass(frozen=True)
class RingingCall:
    """A call waiting to be answered, as the trainee's phone has it."""

    id: str
    caller: str
    name: str
    language: str
    location: str
    says: tuple[str, ...]
    answers: dict[str, str]
    rang_at: float

    @classmethod
    def of(cls, event: TrainingCall) -> RingingCall:
        return cls(event.call, event.caller, event.name, event.language, event.location,
                   tuple(event.says), dict(event.answers), float(event.rang_at))


@dataclass
class _Following:
    run: str
    call: RingingCall
    session: IntakeSession
    listener: Callable[[frozenset[Part]], None]
    sent: tuple[Any, ...] | None = None
    classified_at: float | None = None
    filled: bool = False


class Trainee:
    """The trainee's phone in one workstation: follows the run's clock, keeps the calls
    ringing, and reports what the trainee does with the call answered.

    Events arrive on any thread (the change watcher's, the engine's); the state is kept
    under a lock and ``observers`` (plain callables, no arguments) are told after each
    change: the workstation hands that on to its GUI thread. ``answer`` and the session
    it follows run on the session's thread; what is sent goes through ``run`` (the
    workstation passes ``ui.ops.Operations.run``: the database is written off the GUI
    thread).
    """

    def __init__(self, core: Meldkamer, *, run: Runner = run_now,
                 wall: Callable[[], float] = time.time) -> None:
        if not core.training:
            raise Refused("{where} is a live database: training calls ring only on a "
                          "training database (--training)", where=core.store.safe_url)
        self.core, self._run, self.wall = core, run, wall
        self.id = f"{core.user}@{uuid.uuid4().hex[:12]}"
        self.source = Source.operator(core.user)
        self.clock: ClockState | None = None
        self.ringing: list[RingingCall] = []
        """Oldest first."""
        self.observers: list[Callable[[], None]] = []
        self.problem: Exception | None = None
        """Why the last report to the engine could not be stored (None: all went)."""
        self._gone: set[str] = set()  # calls of this run answered (here or elsewhere)
        self._lock = threading.RLock()
        self._following: _Following | None = None
        self._core_clock = core.clock
        core.clock = self.sim_time
        self._unsubscribe = core.bus.subscribe(self._on_event)

    def close(self) -> None:
        """Stop listening and give the core its own clock back."""
        self._unsubscribe()
        if self._following is not None:
            self._following.session.unsubscribe(self._following.listener)
            self._following = None
        if self.core.clock == self.sim_time:
            self.core.clock = self._core_clock

    # -- the clock ------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """A run is on (started and not ended)."""
        clock = self.clock
        return clock is not None and not clock.ended

    def now(self) -> float | None:
        """The run's simulated seconds now (None: no run is on)."""
        clock = self.clock
        return clock.at(self.wall()) if clock is not None and not clock.ended else None

    def sim_time(self) -> datetime:
        """The core's clock while a run is on: the scenario's time; else the real one."""
        clock = self.clock
        if clock is None or clock.ended:
            return self._core_clock()
        return clock.time_at(self.wall())

    def waited(self, call: RingingCall) -> float:
        """How long ``call`` has rung, in simulated seconds."""
        now = self.now()
        return max(0.0, (now if now is not None else call.rang_at) - call.rang_at)

    # -- what arrives ---------------------------------------------------------------

    def catch_up(self, events: Sequence[DomainEvent]) -> None:
        """Take in stored events read at start (``recent``), as if they arrived now."""
        for event in events:
            self._on_event(event)

    def _on_event(self, event: DomainEvent) -> None:
        if not isinstance(event, TYPES) or not valid(event):
            return
        with self._lock:
            changed = self._apply(event)
        if changed:
            self._tell()

    def _apply(self, event: DomainEvent) -> bool:
        if isinstance(event, TrainingClock):
            if self.clock is not None and event.seq and event.seq < self.clock.seq:
                return False  # an older clock (caught up after a newer one arrived)
            if self.clock is None or event.run != self.clock.run:
                self.ringing, self._gone = [], set()
            self.clock = ClockState.of(event)
            if event.ended:
                self.ringing = []
            return True
        if self.clock is None or getattr(event, "run", None) != self.clock.run \
                or self.clock.ended:
            return False  # another run's, or before its clock
        if isinstance(event, TrainingCall):
            if event.call in self._gone or any(c.id == event.call for c in self.ringing):
                return False
            # A new list, never one sorted in place: readers on other threads copy it.
            self.ringing = sorted([*self.ringing, RingingCall.of(event)],
                                  key=lambda c: c.rang_at)
            return True
        if isinstance(event, TrainingTaken):
            self._gone.add(event.call)
            before = len(self.ringing)
            self.ringing = [c for c in self.ringing if c.id != event.call]
            return len(self.ringing) != before
        return False

    def _tell(self) -> None:
        for observer in list(self.observers):
            try:
                observer()
            except Exception:
                log.exception("training observer %r failed", observer)

    # -- answering ------------------------------------------------------------------

    def oldest(self) -> RingingCall | None:
        with self._lock:
            return self.ringing[0] if self.ringing else None

    def answer(self, call_id: str, session: IntakeSession) -> RingingCall | None:
        """The trainee answers ``call_id`` in ``session``: it stops ringing, the engine
        hears it was taken, and what the trainee does in the session is reported until
        the call becomes an incident (or is discarded). None: it no longer rings."""
        with self._lock:
            call = next((c for c in self.ringing if c.id == call_id), None)
            clock = self.clock
            if call is None or clock is None or clock.ended:
                return None
            self.ringing = [c for c in self.ringing if c is not call]
            self._gone.add(call.id)
        self._tell()
        if self._following is not None:
            self._following.session.unsubscribe(self._following.listener)
        run, now = clock.run, self.now() or call.rang_at
        self._send(TrainingTaken(0, run=run, call=call.id, by=self.id, user=self.core.user,
                                 at=round(max(now, call.rang_at), 3)))

        def listener(parts: frozenset[Part]) -> None:
            self._follow(following, parts)

        following = _Following(run, call, session, listener)
        following.filled = not session.is_empty()
        self._following = following
        session.subscribe(listener)
        return call

    @property
    def answering(self) -> RingingCall | None:
        """The call this workstation's intake is taking, if any."""
        following = self._following
        return following.call if following is not None else None

    def _follow(self, following: _Following, parts: frozenset[Part]) -> None:
        from meldkamer.intake.session import Part

        session, run = following.session, following.run
        at = round(self.now() or following.call.rang_at, 3)
        if Part.DONE in parts and session.outcome is not None:
            self._stop(following)
            out = session.outcome
            self._send(TrainingDone(0, run=run, call=following.call.id, by=self.id,
                                    at=at, incident=out.number, attached=out.attached,
                                    dispatched=tuple(out.dispatched), problem=out.problem))
            return
        if session.is_empty():
            if following.filled and not session.busy:
                self._stop(following)  # discarded: the call ends without an incident
            return
        following.filled = True
        if Part.CLASSIFICATION in parts and following.classified_at is None:
            following.classified_at = at
        unfillable: tuple[str, ...] = ()
        shown = session.proposals
        if shown is not None and not session.pending(Part.PROPOSALS):
            unfillable = tuple(slot.capability for slot in shown.slots if slot.gap is not None)
        state = (following.classified_at, session.form.classification,
                 session.form.priority, tuple(sorted(session.answers)), unfillable)
        if state == following.sent:
            return
        following.sent = state
        self._send(TrainingProgress(0, run=run, call=following.call.id, by=self.id,
                                    at=at, classified_at=state[0], classification=state[1],
                                    priority=state[2], answered=state[3],
                                    unfillable=state[4]))

    def _stop(self, following: _Following) -> None:
        following.session.unsubscribe(following.listener)
        if self._following is following:
            self._following = None
        self._tell()

    def _send(self, event: DomainEvent) -> None:
        core, source = self.core, self.source

        def sent(_: Any) -> None:
            self.problem = None

        def failed(exc: Exception) -> None:
            self.problem = exc
            log.warning("training channel: %s not stored: %s", event.type_name, exc)
            self._tell()

        self._run(lambda: publish(core, event, source), sent, failed)


@dataclass
class EngineLink:
    """The engine's end of the channel (built by ``Engine`` when it publishes)."""

    core: Meldkamer
    run: str
    source: Source
    on_event: Callable[[DomainEvent], None]
    epoch: Callable[[], float] = time.time
    unsubscribe: Callable[[], None] = field(default=lambda: None)

    def open(self) -> None:
        self.unsubscribe = self.core.bus.subscribe(self._received)

    def _received(self, event: DomainEvent) -> None:
        if isinstance(event, (TrainingTaken, TrainingProgress, TrainingDone)) \
                and event.run == self.run and valid(event):
            self.on_event(event)

    def send(self, event: DomainEvent) -> None:
        publish(self.core, event, self.source)

    def close(self) -> None:
        self.unsubscribe()
        self.unsubscribe = lambda: None
