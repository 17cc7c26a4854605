"""Plays a scenario against a training database, on a clock that can be paused and sped up.

The engine keeps simulated time as seconds after the scenario's start. ``tick()`` moves
it to where the wall clock (injected: ``wall``) says it is at the chosen speed, firing
every inject that has come due on the way; ``run()`` (headless, no speed) fires them one
after another as fast as the machine goes. While it runs, the core's clock reads the
simulated time, so incidents, statuses and the log carry the scenario's times.

Unit events go through the real services, written as the scenario (source kind
"scenario"). A call rings: it is offered to the listeners (the trainee's workstation, or
the autopilot), and ``take(record, session)`` follows the intake session that takes it,
so that scoring sees when it was answered, classified and dispatched.

The training channel (``meldkamer.training.channel``): with ``publish=True``, or once
attached to a runtime, the engine publishes its clock and its ringing calls as shared
events, so that a trainee's workstation in another process on the same training database
rings; what that trainee does comes back as events, and the records follow it as they
follow ``take``. A headless run publishes nothing unless asked.

Disturbances: during a radio outage or a gateway drop the units' status changes and
radio messages do not arrive; they are held and come in when it ends. A hurricane's calls
are made by the scenario reader (seeded); the engine logs its start and end.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from meldkamer.domain.source import Source
from meldkamer.errors import InvalidInput, MeldkamerError, Refused
from meldkamer.training.scenario import Call, Disturbance, Scenario, UnitEvent

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer
    from meldkamer.events import DomainEvent
    from meldkamer.intake.session import IntakeSession, Part
    from meldkamer.runtime import Runtime
    from meldkamer.training.channel import EngineLink
    from meldkamer.training.radio import RadioPath

MIN_SPEED, MAX_SPEED = 1.0, 60.0
TICK_INTERVAL_S = 0.1
"""How often the runtime's scheduler moves a running scenario's clock (``attach``)."""
HOLDING = ("radio_outage", "gateway_drop")
log = logging.getLogger(__name__)


@dataclass
class CallRecord:
    """One scenario call as it was played: when it rang and what the trainee did."""

    call: Call
    rang_at: float
    answered_at: float | None = None
    classified_at: float | None = None
    dispatched_at: float | None = None
    done_at: float | None = None
    """When the call became an incident (or was attached to one)."""
    incident: str | None = None
    attached: bool = False
    """The call was attached to an existing incident (F9) rather than made a new one."""
    classification: str | None = None
    priority: int | None = None
    dispatched: tuple[str, ...] = ()
    capabilities: tuple[tuple[str, ...], ...] = ()
    """The capabilities of each unit dispatched, in order."""
    answered: frozenset[str] = frozenset()
    """The class questions the trainee answered."""
    unfillable: tuple[str, ...] = ()
    """Capabilities of the turnout the trainee was shown with no unit to fill them (every
    one busy, out of service, or none on the island), as last shown before the dispatch."""
    problem: str = ""


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    kind: str = field(compare=False)
    what: Any = field(compare=False)


class Engine:
    """One scenario run on one training core."""

    def __init__(self, core: Meldkamer, scenario: Scenario, *, speed: float | None = 1.0,
                 wall: Callable[[], float] = time.monotonic,
                 radio: RadioPath | None = None, publish: bool = False,
                 epoch: Callable[[], float] = time.time) -> None:
        """
        Args:
            speed: 1 to 60 simulated seconds per wall second for ``tick``; None for
                headless ``run`` at the machine's pace.
            wall: the wall clock in seconds (tests inject one).
            radio: send the units' status changes over this radio path (the simulator on
                a pty pair and a gateway) instead of writing them as the scenario.
            publish: send the clock and the calls over the training channel (and follow
                the trainees' answers) from the start; ``attach`` turns it on too.
            epoch: the wall clock in epoch seconds that the channel's clock carries
                (other processes compute the simulated time from it).
        """
        if core.store.kind() != "training":
            raise Refused("{where} is a live database: scenarios play only on a training "
                          "database (--training)", where=core.store.safe_url)
        self.core, self.scenario, self.wall, self.radio = core, scenario, wall, radio
        self.speed = self._check_speed(speed) if speed is not None else None
        self.source = Source.scenario(core.user, scenario.name)
        self.now = 0.0
        self.paused = True
        self._base_now, self._base_wall = 0.0, wall()
        self._due: list[_Due] = []
        self._seq = 0
        self.log: list[dict[str, Any]] = []
        self.records: list[CallRecord] = []
        self.ringing: list[CallRecord] = []
        self.listeners: list[Callable[[CallRecord], None]] = []
        self._held: list[UnitEvent] = []
        self._holding: dict[int, Disturbance] = {}
        # What each unit can do, as the roster in this database has it (for scoring).
        self._caps = {u.callsign: tuple(u.capabilities) for u in core.units.list_units()}
        self._clock_before = core.clock
        self.started = False
        self.lock = threading.RLock()
        """Held while the engine changes: the scheduler's tick, the trainer's buttons and
        the trainee's intake run on different threads."""
        self._runtime: Runtime | None = None
        self.run_id = uuid.uuid4().hex
        """This run on the training channel."""
        self.epoch = epoch
        self.observers: list[Callable[[], None]] = []
        """Told (no arguments) after any change of ``records`` or ``log``: the trainer's
        console. They run on the thread that changed the engine, with ``lock`` held:
        hand the work on (a Qt signal), never wait in one."""
        self.ended = False
        self._link: EngineLink | None = None
        self._takers: dict[str, str] = {}  # call id -> the trainee that answered it
        for call in scenario.calls:
            self._push(call.at, "call", call)
        for event in scenario.events:
            self._push(event.at, "unit", event)
        for n, dist in enumerate(scenario.disturbances):
            self._push(dist.at, "begin", (n, dist))
            self._push(dist.at + dist.duration, "end", (n, dist))
        if publish:
            self.open_channel()

    # -- time ------------------------------------------------------------------------

    @staticmethod
    def _check_speed(speed: float) -> float:
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise InvalidInput("speed must be from {low} to {high}, not {speed}",
                               low=int(MIN_SPEED), high=int(MAX_SPEED), speed=speed)
        return float(speed)

    def sim_time(self, at: float | None = None) -> datetime:
        return self.scenario.start + timedelta(seconds=self.now if at is None else at)

    @property
    def finished(self) -> bool:
        """Past the scenario's end with nothing left due before it (units still out
        report clear after the end; that is not played)."""
        end = self.scenario.duration
        return self.now >= end and (not self._due or self._due[0].at > end)

    def start(self) -> None:
        """Put the units where the scenario has them and let the clock run."""
        with self.lock:
            if not self.started:
                self.started = True
                self.core.clock = self.sim_time
                self._setup_units()
            if self.paused:
                self._base_wall, self.paused = self.wall(), False
            self._announce()

    def pause(self) -> None:
        with self.lock:
            if not self.paused:
                self._base_now, self.paused = self._target(), True
                self._announce()

    def resume(self) -> None:
        with self.lock:
            if self.paused:
                self._base_wall, self.paused = self.wall(), False
                self._announce()

    def set_speed(self, speed: float) -> None:
        checked = self._check_speed(speed)
        with self.lock:
            self._base_now, self._base_wall = self._target(), self.wall()
            self.speed = checked
            self._announce()

    def _target(self) -> float:
        if self.paused or self.speed is None:
            return self._base_now if self.paused else self.now
        return self._base_now + (self.wall() - self._base_wall) * self.speed

    def tick(self) -> int:
        """Move simulated time to where the wall clock puts it; returns injects fired."""
        with self.lock:
            return self._advance(self._target())

    def jump(self, to: float) -> int:
        """Go straight to ``to`` seconds (forward only), firing what comes due on the way."""
        with self.lock:
            if to < self.now:
                raise InvalidInput("a scenario jumps forward only ({to} s is before {now} s)",
                                   to=to, now=self.now)
            fired = self._advance(to)
            self._base_now, self._base_wall = self.now, self.wall()
            self._announce()
            return fired

    def run(self) -> int:
        """Headless: fire every inject in order, as fast as the machine goes."""
        self.start()
        fired = 0
        with self.lock:
            while self._due and self._due[0].at <= self.scenario.duration:
                fired += self._advance(self._due[0].at)
            self.now = max(self.now, self.scenario.duration)
            if self._link is not None and not self.ended:
                self._end()
        return fired

    # -- on the runtime's scheduler --------------------------------------------------

    def attach(self, runtime: Runtime, *, seconds: float = TICK_INTERVAL_S) -> None:
        """Let the runtime's APScheduler move the clock (job ``training``) while it runs."""
        if self.speed is None:
            raise InvalidInput("a headless engine (no speed) is not attached to a scheduler")
        self._runtime = runtime
        self.open_channel()
        from meldkamer.runtime import TRAINING_EXECUTOR

        # Always the same thread: a listener's intake session belongs to its thread.
        runtime.add_job(self.tick, "training", seconds=seconds, executor=TRAINING_EXECUTOR)

    def detach(self) -> None:
        """Take the engine's job off the runtime's scheduler (pausing the clock)."""
        runtime, self._runtime = self._runtime, None
        self.pause()
        if runtime is not None and runtime.scheduler is not None:
            with contextlib.suppress(LookupError):  # JobLookupError: already gone
                runtime.scheduler.remove_job("training")

    # -- what the trainer injects by hand ----------------------------------------------

    def inject_call(self, call: Call) -> CallRecord:
        """Ring ``call`` now (the trainer's console); its ``at`` is ignored."""
        from dataclasses import replace

        with self.lock:
            ids = {r.call.id for r in self.records} | {c.id for c in self.scenario.calls}
            if call.id in ids:
                raise InvalidInput("a call with id {id} is in the scenario already", id=call.id)
            self._note("inject", what="call", call=call.id)
            self._fire(_Due(self.now, 0, "call", replace(call, at=self.now)))
            return self.records[-1]

    def inject_status(self, callsign: str, status: str, radio: str = "") -> None:
        """A unit event now, as if it came from the unit (held during an outage)."""
        with self.lock:
            self.core.units.get(callsign)  # unknown unit: NotFound before anything is noted
            if status not in self.core.ref.statuses:
                raise InvalidInput("unknown status {status}", status=status)
            self._note("inject", what="status", unit=callsign, status=status)
            self._unit_event(UnitEvent(self.now, callsign, status=status, radio=radio))

    def inject_disturbance(self, kind: str, duration: float) -> None:
        """A gateway drop, a radio outage or hurricane mode, from now for ``duration`` s."""
        from meldkamer.training.scenario import DISTURBANCES

        if kind not in DISTURBANCES:
            raise InvalidInput("unknown disturbance {kind}", kind=kind)
        if not 0 < duration <= 86_400:
            raise InvalidInput("a disturbance lasts from 1 s to a day, not {duration} s",
                               duration=duration)
        with self.lock:
            n = len(self.scenario.disturbances) + sum(
                1 for e in self.log if e["kind"] == "inject" and e.get("what") == "disturbance")
            dist = Disturbance(self.now, kind, float(duration))
            self._note("inject", what="disturbance", disturbance=kind, duration=duration)
            self._fire(_Due(self.now, 0, "begin", (n, dist)))
            self._push(self.now + duration, "end", (n, dist))

    def _advance(self, target: float) -> int:
        fired = 0
        while self._due and self._due[0].at <= target:
            due = heapq.heappop(self._due)
            self.now = max(self.now, due.at)
            self._fire(due)
            fired += 1
        self.now = max(self.now, target)
        return fired

    def close(self) -> None:
        """Give the core its own clock back (a run still on the channel ends there)."""
        with self.lock:
            if self._link is not None:
                if self.started and not self.ended:
                    self._end()
                self._link.close()
                self._link = None
        self.core.clock = self._clock_before

    # -- the training channel ----------------------------------------------------------

    def open_channel(self) -> None:
        """Publish the clock and the calls, and follow the trainees' answers (from now)."""
        from meldkamer.training.channel import EngineLink

        with self.lock:
            if self._link is None:
                self._link = EngineLink(self.core, self.run_id, self.source, self._heard,
                                        self.epoch)
                self._link.open()
                if self.started:
                    self._announce()

    def _end(self) -> None:
        """The run is over (``close``, or a headless ``run``'s end): the trainees' calls
        stop ringing. Past the scenario's last inject it is not over by itself: the last
        calls still ring and are taken."""
        self.ended = True
        self._note("end")
        self._announce()

    def _announce(self) -> None:
        """The clock as it is now, on the channel."""
        if self._link is None:
            return
        from meldkamer.training.channel import TrainingClock

        self._send(TrainingClock(0, run=self.run_id, scenario=self.scenario.name,
                                 start=self.scenario.start.isoformat(),
                                 now=round(self._target(), 3), wall=self.epoch(),
                                 speed=self.speed or 0.0, paused=self.paused,
                                 ended=self.ended))

    def _send(self, event: DomainEvent) -> None:
        assert self._link is not None
        try:
            self._link.send(event)
        except Exception as exc:  # the run goes on; the trainer's log says what was lost
            log.warning("training channel: %s not sent", event.type_name, exc_info=True)
            self._note("refused", what="channel", event=event.type_name,
                       problem=str(exc))

    def _ring(self, record: CallRecord) -> None:
        from meldkamer.training.channel import TrainingCall

        call = record.call
        self._send(TrainingCall(0, run=self.run_id, call=call.id, caller=call.caller,
                                name=call.name, language=call.language,
                                location=call.location, says=tuple(call.says),
                                answers=dict(call.answers), rang_at=record.rang_at))

    def _heard(self, event: DomainEvent) -> None:
        """A trainee's event (from another process, or this one) for this run."""
        from meldkamer.training.channel import TrainingDone, TrainingProgress, TrainingTaken

        with self.lock:
            record = next((r for r in self.records if r.call.id == getattr(event, "call", "")),
                          None)
            if record is None:
                return
            if isinstance(event, TrainingTaken):
                if record.answered_at is not None:
                    return  # answered already (another trainee, the autopilot)
                if record in self.ringing:
                    self.ringing.remove(record)
                record.answered_at = self._when(event.at, record.rang_at)
                self._takers[record.call.id] = event.by
                self._note("answer", call=record.call.id, by=event.user)
                return
            if self._takers.get(record.call.id) != getattr(event, "by", None) \
                    or record.done_at is not None:
                return  # not the trainee that answered it, or done
            assert record.answered_at is not None
            if isinstance(event, TrainingProgress):
                if event.classified_at is not None and record.classified_at is None:
                    record.classified_at = self._when(event.classified_at, record.answered_at)
                record.classification, record.priority = event.classification, event.priority
                record.answered = frozenset(event.answered)
                record.unfillable = tuple(event.unfillable)
                self._changed()
            elif isinstance(event, TrainingDone):
                self._finished(record, event.incident, attached=event.attached,
                               dispatched=tuple(event.dispatched), problem=event.problem,
                               at=self._when(event.at, record.answered_at))

    def _when(self, at: float, floor: float) -> float:
        """A trainee's time, kept from ``floor`` to the engine's now (their clocks differ
        by a moment)."""
        return round(min(max(float(at), floor), max(self.now, self._target(), floor)), 3)

    def _changed(self) -> None:
        for observer in list(self.observers):
            try:
                observer()
            except Exception:
                log.exception("engine observer %r failed", observer)

    # -- injects ---------------------------------------------------------------------

    def _push(self, at: float, kind: str, what: Any) -> None:
        self._seq += 1
        heapq.heappush(self._due, _Due(at, self._seq, kind, what))

    def _note(self, kind: str, **data: Any) -> None:
        self.log.append({"at": round(self.now, 3), "kind": kind, **data})
        if self.observers:
            self._changed()

    def _fire(self, due: _Due) -> None:
        if due.kind == "call":
            record = CallRecord(due.what, rang_at=self.now)
            self.records.append(record)
            self.ringing.append(record)
            self._note("ring", call=due.what.id, caller=due.what.caller)
            if self._link is not None:
                self._ring(record)
            for listener in list(self.listeners):
                listener(record)
        elif due.kind == "unit":
            self._unit_event(due.what)
        elif due.kind == "begin":
            n, dist = due.what
            if dist.kind in HOLDING:
                self._holding[n] = dist
            self._note("disturbance", what=dist.kind, state="begins")
        elif due.kind == "end":
            n, dist = due.what
            self._holding.pop(n, None)
            self._note("disturbance", what=dist.kind, state="ends")
            if not self._holding:
                held, self._held = self._held, []
                for event in held:
                    self._unit_event(event)
        elif due.kind == "clear":
            self._status(due.what, "available_mobile", by_radio=True)

    def _unit_event(self, event: UnitEvent) -> None:
        if self._holding:
            self._held.append(event)
            self._note("held", unit=event.unit)
            return
        if event.lat is not None and event.lon is not None:
            try:
                with self.core.acting(self.source):
                    self.core.units.set_position(event.unit, event.lat, event.lon)
                self._note("position", unit=event.unit, lat=event.lat, lon=event.lon)
            except MeldkamerError as exc:
                self._note("refused", unit=event.unit, problem=exc.template)
        if event.status:
            self._status(event.unit, event.status, by_radio=True)
        if event.radio:
            self._note("radio", unit=event.unit, text=event.radio)

    def _status(self, callsign: str, status: str, *, by_radio: bool = False) -> None:
        if by_radio and self.radio is not None and self.radio.handles(callsign):
            handled = self.radio.send_status(callsign, status)
            if handled and self.core.units.get(callsign).status == status:
                self._note("status", unit=callsign, status=status, via="radio")
            else:
                self._note("refused", unit=callsign, status=status, via="radio")
            return
        try:
            with self.core.acting(self.source):
                self.core.units.set_status(callsign, status)
        except MeldkamerError as exc:
            self._note("refused", unit=callsign, status=status, problem=exc.template)
            return
        self._note("status", unit=callsign, status=status)

    def _setup_units(self) -> None:
        for setup in self.scenario.units:
            if setup.lat is not None and setup.lon is not None:
                with self.core.acting(self.source):
                    self.core.units.set_position(setup.callsign, setup.lat, setup.lon)
            if setup.status and self.core.units.get(setup.callsign).status != setup.status:
                self._status(setup.callsign, setup.status)

    # -- the trainee's side ------------------------------------------------------------

    def take(self, record: CallRecord, session: IntakeSession) -> None:
        """The call is answered in ``session``: follow it until it becomes an incident."""
        from meldkamer.intake.session import Part

        with self.lock:
            if record in self.ringing:
                self.ringing.remove(record)
            record.answered_at = self.now
            self._note("answer", call=record.call.id)
            if self._link is not None:  # it stops ringing at the trainees' workstations
                from meldkamer.training.channel import TrainingTaken

                self._send(TrainingTaken(0, run=self.run_id, call=record.call.id,
                                         by="engine", user=self.core.user, at=self.now))

        filled = [not session.is_empty()]

        def follow(parts: frozenset[Part]) -> None:
            with self.lock:
                _follow(parts)

        def _follow(parts: frozenset[Part]) -> None:
            if session.is_empty() and filled[0] and not session.busy \
                    and session.outcome is None:
                session.unsubscribe(follow)  # discarded: the next call is another record's
                return
            if not session.is_empty():
                filled[0] = True
                if Part.CLASSIFICATION in parts and record.classified_at is None:
                    record.classified_at = self.now
                record.classification = session.form.classification
                record.priority = session.form.priority
                record.answered = frozenset(session.answers)
                shown = session.proposals
                if Part.PROPOSALS in parts and shown is not None \
                        and not session.pending(Part.PROPOSALS):
                    record.unfillable = tuple(slot.capability for slot in shown.slots
                                              if slot.gap is not None)
            if Part.DONE in parts and session.outcome is not None:
                session.unsubscribe(follow)
                out = session.outcome
                self._finished(record, out.number, attached=out.attached,
                               dispatched=out.dispatched, problem=out.problem, at=self.now)

        session.subscribe(follow)

    def _finished(self, record: CallRecord, number: str, *, attached: bool,
                  dispatched: tuple[str, ...], problem: str, at: float) -> None:
        record.incident, record.problem = number, problem
        record.done_at = at
        record.attached = attached
        record.dispatched = dispatched
        record.capabilities = tuple(self._caps.get(cs, ()) for cs in dispatched)
        if dispatched:
            record.dispatched_at = at
        self._note("attached" if attached else "incident", call=record.call.id,
                   number=number, units=list(dispatched))
        for callsign in dispatched:
            self._push(at + record.call.clear_after, "clear", callsign)

