"""The radio integration: gateways in settings, hardware events in, dispatch texts out.

Hardware events arrive on gateway threads and are applied through the normal services, so
a received status follows the same rules as an operator's (an illegal transition is
logged, not applied). Three workers share the work:

- ``radio-in`` drains the inbound queue in batches: whatever is waiting is applied in one
  transaction (``Meldkamer.batch``), each message in a savepoint of its own with its own
  status row, log line and audit event; events, counters and ``on_applied`` follow the
  commit. One commit per batch instead of per message keeps up when commits slow down. A
  batch ends when the queue is empty (so a lone message is committed at once), after
  ``batch_max`` messages or ``batch_seconds``, or as soon as an emergency waits.
- ``radio-alarm`` stores emergencies on a path of their own and retries them, on a clock,
  while the database is busy. The inbound worker gives way to it (it commits its batch and
  waits) because SQLite's write lock goes to whoever asks again first: a busy inbound
  worker would otherwise starve it.
- ``radio-out`` sends dispatch texts, so a slow SDS send blocks only itself.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from functools import partial
from typing import Any

from hardware.events import (
    DeliveryReport,
    EmergencyReceived,
    FixReceived,
    HardwareEvent,
    PositionReceived,
    StatusReceived,
    TextReceived,
)
from hardware.gateway import PeiGateway
from hardware.nmea import NmeaGateway
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import RadioPlan
from meldkamer.domain.source import Source
from meldkamer.domain.status_machine import AlreadyInStatus
from meldkamer.errors import InvalidInput, MeldkamerError, Refused, StoreError
from meldkamer.events import DomainEvent, RosterChanged, UnitDispatched
from meldkamer.i18n import tr

log = logging.getLogger(__name__)
PROTOCOLS = ("pei", "nmea")
# A standard SDS carries at most 2047 bits; with the SDS-TL header that leaves about 250
# ISO 8859-1 characters.
MAX_SDS_TEXT = 240
# A batch stays short: it holds the write lock, and a message that arrives while it runs
# waits for its commit.
BATCH_MAX = 250
BATCH_SECONDS = 0.010
# Pauses before the second, third... attempt to store an emergency the database refused.
ALARM_RETRIES = (0.5, 1.0, 1.5, 2.0)


@dataclass(frozen=True)
class GatewayConfig:
    """One configured gateway (settings.toml ``[[gateway]]``)."""

    name: str
    url: str
    protocol: str = "pei"
    baud: int = 115200
    unit: str = ""  # for an NMEA receiver: the callsign of the unit it sits in
    # The other end is the simulator (``meldkamer gateway simulate``), not real radios:
    # what it sends is logged as the simulator's, never as a radio's or the operator's.
    simulator: bool = False

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> GatewayConfig:
        """Validate one settings entry; a bad one is refused with the reason."""
        try:
            cfg = cls(name=str(raw.get("name") or raw["url"]), url=str(raw["url"]),
                      protocol=str(raw.get("protocol", "pei")).lower(),
                      baud=int(raw.get("baud", 115200)), unit=str(raw.get("unit", "")),
                      simulator=raw.get("simulator", False))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput("gateway settings {raw!r} are incomplete: {error}", raw=raw,
                               error=exc) from exc
        if not isinstance(cfg.simulator, bool):
            raise InvalidInput("gateway {name}: simulator must be true or false",
                               name=cfg.name)
        if cfg.protocol not in PROTOCOLS:
            raise InvalidInput("gateway {name}: protocol must be pei or nmea", name=cfg.name)
        if cfg.protocol == "nmea" and not cfg.unit:
            raise InvalidInput("gateway {name}: an NMEA receiver needs the unit it sits in",
                               name=cfg.name)
        return cfg


@dataclass(frozen=True)
class RadioNote:
    """Something the technician panel shows: an event, decoded, with its time."""

    at: float
    gateway: str
    text: str


Gateway = PeiGateway | NmeaGateway
# A message on the inbound queue: a hardware event from a gateway, or a delivery report
# (with the radio it is about as its source, the incident number and the callsign).
Inbound = tuple[GatewayConfig, HardwareEvent] | tuple[Source, str, str, DeliveryReport]


class _Outcome:
    """What one inbound message came to: counters, notes and the hook, told after commit."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps: list[tuple[Callable[..., object], tuple[object, ...]]] = []

    def later(self, step: Callable[..., object], *args: object) -> None:
        self.steps.append((step, args))

    def report(self) -> None:
        for step, args in self.steps:
            try:
                step(*args)
            except Exception:  # a failing hook must not stop the worker
                log.exception("radio: reporting %r failed", step)


@dataclass(order=True)
class _Emergency:
    due: float
    order: int
    cfg: GatewayConfig = field(compare=False)
    event: EmergencyReceived = field(compare=False)
    attempt: int = field(default=0, compare=False)


class _EmergencyLane:
    """Emergencies on a thread of their own; a retry waits on a clock, never on a worker.

    A failed attempt goes back with a due time, so another emergency is stored while the
    first waits, and other writers give way only while an emergency is ready or being
    stored, not during the pause. A threading.Condition rather than the scheduler: the
    pauses are a second or two, and the lane must work in a link started on its own.
    """

    def __init__(self, attempt: Callable[[GatewayConfig, EmergencyReceived, int], None],
                 gave_up: Callable[[GatewayConfig, EmergencyReceived], None],
                 retries: tuple[float, ...]) -> None:
        self._attempt = attempt
        self._gave_up = gave_up
        self._retries = retries
        self._cond = threading.Condition()
        self._ready: deque[_Emergency] = deque()
        self._later: list[_Emergency] = []  # a heap by due time
        self._busy = False
        self._stopping = False
        self._order = itertools.count()
        self.thread = threading.Thread(target=self._run, name="radio-alarm", daemon=True)

    def put(self, cfg: GatewayConfig, event: EmergencyReceived) -> None:
        with self._cond:
            self._ready.append(_Emergency(0.0, next(self._order), cfg, event))
            self._cond.notify_all()

    @property
    def waiting(self) -> bool:
        """An emergency is ready to be stored or being stored: other writes give way."""
        return self._busy or bool(self._ready)

    @property
    def pending(self) -> int:
        """Emergencies received and neither stored nor given up on."""
        with self._cond:
            return len(self._ready) + len(self._later) + self._busy

    def give_way(self) -> None:
        """Block while an emergency is ready or being stored (not during a retry's pause)."""
        with self._cond:
            while self.waiting and self.thread.is_alive():
                self._cond.wait(0.5)

    def idle(self, timeout: float) -> bool:
        """Block until every emergency is stored or given up on."""
        with self._cond:
            return self._cond.wait_for(lambda: not self.pending or not self.thread.is_alive(),
                                       timeout)

    def stop(self) -> None:
        """Try what is left once more, at once, then end the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def _next(self) -> _Emergency | None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._later and (self._stopping or self._later[0].due <= now):
                    self._ready.append(heapq.heappop(self._later))
                if self._ready:
                    self._busy = True  # in the same breath as the pop: never seen idle
                    return self._ready.popleft()
                if self._stopping:
                    return None
                self._cond.wait(self._later[0].due - now if self._later else None)

    def _run(self) -> None:
        while (item := self._next()) is not None:
            retry: float | None = None
            try:
                self._attempt(item.cfg, item.event, item.attempt)
            except StoreError as exc:
                if item.attempt < len(self._retries) and not self._stopping:
                    retry = self._retries[item.attempt]
                    log.error("radio: emergency from ISSI %s not stored yet (%s), retrying",
                              item.event.issi, exc)
                else:
                    log.error("radio: emergency from ISSI %s not stored: %s", item.event.issi,
                              exc)
                    self._gave_up(item.cfg, item.event)
            except Exception:  # the lane must outlive any surprise
                log.exception("radio: failed on %r", item.event)
            with self._cond:
                if retry is not None:
                    item.due, item.attempt = time.monotonic() + retry, item.attempt + 1
                    heapq.heappush(self._later, item)
                self._busy = False
                self._cond.notify_all()


class RadioLink:
    """All gateways of this workstation and the workers that apply what they hear.

    Args:
        batch_max: at most this many inbound messages in one transaction.
        batch_seconds: a batch takes no more messages once it has run this long.
        alarm_retries: the pauses before each further attempt to store an emergency.
    """

    def __init__(self, core: Meldkamer, configs: list[GatewayConfig], *,
                 batch_max: int = BATCH_MAX, batch_seconds: float = BATCH_SECONDS,
                 alarm_retries: tuple[float, ...] = ALARM_RETRIES) -> None:
        self.core = core
        self.configs = configs
        self.batch_max = max(1, batch_max)
        self.batch_seconds = batch_seconds
        self.gateways: dict[str, Gateway] = {}
        self.notes: deque[RadioNote] = deque(maxlen=200)
        self.counts: dict[str, int] = {"applied": 0, "refused": 0, "repeated": 0,
                                       "unknown_unit": 0, "sent": 0, "send_failed": 0,
                                       "batches": 0}
        self._count_lock = threading.Lock()
        # Called on a radio worker once what a hardware event changed has been committed.
        self.on_applied: Callable[[HardwareEvent, float], None] | None = None
        # What the radios say (statuses, positions, emergencies) never waits behind what we
        # send them: a slow SDS send blocks only the outbound worker.
        self._queue: queue.Queue[Inbound | threading.Event | None] = queue.Queue()
        self._outbox: queue.Queue[UnitDispatched | threading.Event | None] = queue.Queue()
        self._worker = threading.Thread(target=self._inbound, name="radio-in", daemon=True)
        self._sender = threading.Thread(target=self._outbound, name="radio-out", daemon=True)
        self._lane = _EmergencyLane(self._raise_alarm, self._alarm_lost, alarm_retries)
        self._unsubscribe: Callable[[], None] | None = None
        self._issi: dict[int, str] = {}

    def start(self) -> RadioLink:
        """Open every gateway (in the background) and start applying events."""
        plan = self.core.ref.radio
        emergency = tuple(plan.value_of(r) for r in plan.emergency_radio)
        for cfg in self.configs:
            gw: Gateway
            if cfg.protocol == "pei":
                gw = PeiGateway(cfg.url, name=cfg.name, baudrate=cfg.baud,
                                emergency_statuses=emergency)
            else:
                gw = NmeaGateway(cfg.url, name=cfg.name, baudrate=cfg.baud)
            gw.subscribe(partial(self._enqueue, cfg))
            self.gateways[cfg.name] = gw
            gw.start()
        self._unsubscribe = self.core.bus.subscribe(self._on_domain)
        self._lane.thread.start()
        self._worker.start()
        self._sender.start()
        return self

    def stop(self, grace: float = 3.0) -> bool:
        """Finish queued work while the radios are still connected, then close everything.

        Returns False when a worker did not finish in time (the caller then keeps the
        store open rather than pulling it from under a write).
        """
        if self._unsubscribe:
            self._unsubscribe()
        if self._worker.is_alive():
            self.wait_idle(grace)
        for gw in self.gateways.values():
            gw.stop()
        self._queue.put(None)
        self._outbox.put(None)
        self._lane.stop()
        threads = (self._worker, self._sender, self._lane.thread)
        for thread in threads:
            if thread.is_alive():
                thread.join(5)
        stuck = [t.name for t in threads if t.is_alive()]
        if stuck:
            log.error("radio: %s still busy at shutdown", ", ".join(stuck))
        return not stuck

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until everything queued so far has been handled (tests, shutdown)."""
        if not self._worker.is_alive():
            return True
        marks = [threading.Event(), threading.Event()]
        self._outbox.put(marks[0])
        self._queue.put(marks[1])
        done = all(mark.wait(timeout) for mark in marks)
        return self._lane.idle(timeout) and done

    @property
    def backlog(self) -> int:
        """Messages from the radios waiting for the inbound worker (emergencies apart)."""
        return self._queue.qsize()

    @property
    def emergencies_pending(self) -> int:
        """Emergencies received and not yet stored (nor given up on)."""
        return self._lane.pending

    def _enqueue(self, cfg: GatewayConfig, event: HardwareEvent) -> None:
        # Never block a gateway thread.
        if isinstance(event, EmergencyReceived):
            self._lane.put(cfg, event)
        else:
            self._queue.put((cfg, event))

    def _on_domain(self, event: DomainEvent) -> None:
        if isinstance(event, UnitDispatched):
            self._outbox.put(event)
        elif isinstance(event, RosterChanged):
            self._issi.clear()  # radios may have moved to other units

    def _note(self, gateway: str, text: str) -> None:
        self.notes.append(RadioNote(time.time(), gateway, text))

    def _count(self, key: str) -> None:
        with self._count_lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    # -- the workers -------------------------------------------------------------------

    def _outbound(self) -> None:
        while True:
            item = self._outbox.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                self._send_dispatch(item)
            except MeldkamerError as exc:
                log.warning("radio: %s", exc)
                self._note("-", str(exc))
            except Exception:
                log.exception("radio: failed on %r", item)

    def _inbound(self) -> None:
        while True:
            item = self._queue.get()
            while item is not None and not isinstance(item, threading.Event):
                self._lane.give_way()
                item = self._apply_batch(item)
            if item is None:
                return
            if item is not _NOTHING:
                item.set()

    def _apply_batch(self, first: Inbound) -> Inbound | threading.Event | None:
        """Apply ``first`` and what waits behind it in one transaction.

        Returns what ended the batch when that is not a message (a wait_idle mark, the
        stop sentinel), else _NOTHING. Should the batch itself fail (its commit), each of
        its messages is applied again in a transaction of its own, as before batches.
        """
        items = [first]
        outcomes: list[_Outcome] = []
        end: Inbound | threading.Event | None = _NOTHING
        started = time.monotonic()
        try:
            with self.core.batch():
                while True:
                    outcomes.append(self._handle(items[-1]))
                    if (len(items) >= self.batch_max or self._lane.waiting
                            or time.monotonic() - started >= self.batch_seconds):
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None or isinstance(item, threading.Event):
                        end = item
                        break
                    items.append(item)
        except Exception as exc:
            log.error("radio: a batch of %d messages failed (%s); applying them one by one",
                      len(items), exc)
            for item in items:
                self._handle(item).report()
            return end
        self._count("batches")
        for outcome in outcomes:
            outcome.report()
        return end

    def _handle(self, item: Inbound) -> _Outcome:
        """One inbound message; whatever it raises is rolled back and reported alone."""
        out = _Outcome()
        try:
            if isinstance(item[0], GatewayConfig):
                cfg, event = item
                assert isinstance(event, HardwareEvent)
                self._apply(cfg, event, out)
            else:
                source, number, callsign, report = item
                assert isinstance(report, DeliveryReport) and isinstance(source, Source)
                with self.core.acting(source):
                    self._log_report(str(number), str(callsign), report)
        except MeldkamerError as exc:
            out.later(log.warning, "radio: %s", exc)
            out.later(self._note, "-", str(exc))
        except Exception:
            out.later(log.exception, "radio: failed on %r", item)
        return out

    def source(self, cfg: GatewayConfig, callsign: str | None, issi: int | None,
               what: str = "") -> Source:
        """Who speaks through a gateway: the radio of a unit, or the simulator."""
        return Source.radio(self.core.user, callsign, issi, simulated=cfg.simulator,
                            what=what)

    def _apply(self, cfg: GatewayConfig, event: HardwareEvent, out: _Outcome) -> None:
        out.later(self._note, cfg.name, _describe(event))
        if isinstance(event, FixReceived):
            if event.fix.valid and event.fix.lat is not None and event.fix.lon is not None:
                with self.core.acting(self.source(cfg, cfg.unit.upper(), None, "GPS")):
                    self.core.units.set_position(cfg.unit, event.fix.lat, event.fix.lon)
                out.later(self._applied, event)
            return
        issi = getattr(event, "issi", None)
        if issi is None:
            return
        callsign = self._callsign(issi)
        if callsign is None:
            out.later(self._count, "unknown_unit")
            out.later(self._note, cfg.name, f"ISSI {issi} belongs to no unit")
            return
        with self.core.acting(self.source(cfg, callsign, issi)):
            self._apply_unit(cfg, event, callsign, out)

    def _apply_unit(self, cfg: GatewayConfig, event: HardwareEvent, callsign: str,
                    out: _Outcome) -> None:
        """What a unit's radio sent, written as that radio (``Meldkamer.acting``)."""
        plan = self.core.ref.radio
        if isinstance(event, StatusReceived):
            if plan.is_emergency(event.value):
                return  # the gateway also publishes EmergencyReceived for it
            status = self.core.ref.status_of_radio(plan.radio_of(event.value))
            if status is None:
                out.later(self._count, "refused")
                out.later(self._note, cfg.name,
                          f"{callsign}: unknown status value {event.value:#06x}")
                return
            try:
                self.core.units.set_status(callsign, status.code)
            except AlreadyInStatus:  # a repeated press or a retransmission: nothing to say
                out.later(self._count, "repeated")
                return
            except Refused as exc:
                self._refused(cfg, callsign, status.radio, exc, out)
                return
            out.later(self._applied, event)
        elif isinstance(event, PositionReceived):
            self.core.units.set_position(callsign, event.lat, event.lon)
            out.later(self._applied, event)
        elif isinstance(event, TextReceived):
            incident = self.core.units.get(callsign).incident
            if incident:
                self.core.incidents.log_message(incident, "radio", "SDS from {callsign}: {text}",
                                                callsign=callsign, text=event.text)
            out.later(self._applied, event)

    def _callsign(self, issi: int) -> str | None:
        """The unit carrying a radio; the roster is cached and re-read on a miss."""
        callsign = self._issi.get(issi)
        if callsign is None:
            unit = self.core.units.by_issi(issi)
            if unit is not None:
                self._issi[issi] = callsign = unit.callsign
        return callsign

    def _refused(self, cfg: GatewayConfig, callsign: str, radio: int, exc: Refused,
                 out: _Outcome) -> None:
        """An illegal status from the radio: logged (also on the incident), not applied."""
        out.later(self._count, "refused")
        out.later(self._note, cfg.name, f"{callsign}: {exc}")
        out.later(log.info, "radio status from %s not applied: %s", callsign, exc)
        incident = self.core.units.get(callsign).incident
        if incident:
            self.core.incidents.log_message(
                incident, "radio", "Radio status {radio} from {callsign} not applied: {problem}",
                radio=radio, callsign=callsign, problem=exc)

    def _raise_alarm(self, cfg: GatewayConfig, event: EmergencyReceived, attempt: int) -> None:
        """On the emergency lane: store the alarm (a StoreError makes the lane retry)."""
        if attempt == 0:
            self._note(cfg.name, _describe(event))
        kind = "lip" if event.cause == "lip" else "button"
        callsign = self._callsign(event.issi)
        try:
            with self.core.acting(self.source(cfg, callsign, event.issi)):
                self.core.alarms.raise_alarm(callsign, kind, lat=event.lat, lon=event.lon,
                                             issi=event.issi)
        except StoreError:
            raise
        except MeldkamerError as exc:
            log.warning("radio: %s", exc)
            self._note("-", str(exc))
            return
        self._applied(event)

    def _alarm_lost(self, cfg: GatewayConfig, event: EmergencyReceived) -> None:
        self._note(cfg.name, f"EMERGENCY from ISSI {event.issi} could not be stored")

    def _applied(self, event: HardwareEvent) -> None:
        self._count("applied")
        if self.on_applied is not None:
            self.on_applied(event, time.perf_counter())

    def _pei(self) -> PeiGateway | None:
        ready = [g for g in self.gateways.values() if isinstance(g, PeiGateway) and g.ready]
        return ready[0] if ready else None

    def _send_dispatch(self, event: UnitDispatched) -> None:
        """Send the dispatch SDS; its log lines are the system's (it follows a dispatch)."""
        with self.core.acting(self.core.system("SDS")):
            self._send_dispatch_text(event)

    def _send_dispatch_text(self, event: UnitDispatched) -> None:
        unit = self.core.units.get(event.callsign)
        if unit.issi is None:
            return
        if unit.incident != event.number:  # pulled to another incident in the meantime
            self._note("-", f"{unit.callsign}: SDS for {event.number} skipped, now on "
                            f"{unit.incident or 'no incident'}")
            return
        gw = self._pei()
        if gw is None:
            self.core.incidents.log_message(event.number, "radio", "No radio link: {callsign} "
                                            "not dispatched by SDS", callsign=unit.callsign)
            return
        inc = self.core.incidents.summary(event.number)
        fields = {"number": inc.number, "classification": inc.classification or "",
                  "name": inc.classification_name, "priority": inc.priority,
                  "urgency": f" {inc.urgency}" if inc.urgency else "",
                  "address": inc.address, "lat": inc.lat, "lon": inc.lon}
        try:
            text = self.core.ref.radio.dispatch_text.format(**fields)
        except (KeyError, IndexError, ValueError) as exc:
            log.error("radio: dispatch_text in radio.toml is wrong (%s); using the default", exc)
            text = RadioPlan.dispatch_text.format(**fields)
        text = text[:MAX_SDS_TEXT]
        cfg = next((c for c in self.configs if self.gateways.get(c.name) is gw), None)
        about = (self.source(cfg, unit.callsign, unit.issi) if cfg is not None
                 else Source.radio(self.core.user, unit.callsign, unit.issi))
        result = gw.send_text(unit.issi, text, on_report=lambda r: self._queue.put(
            (about, event.number, unit.callsign, r)))
        if result.ok:
            self._count("sent")
            self.core.incidents.log_message(event.number, "radio", "SDS to {callsign}: {text}",
                                            callsign=unit.callsign, text=text)
        else:
            self._count("send_failed")
            self.core.incidents.log_message(event.number, "radio", "SDS to {callsign} failed: "
                                            "{error}", callsign=unit.callsign,
                                            error=result.error)

    def _log_report(self, number: str, callsign: str, report: DeliveryReport) -> None:
        if report.delivered:
            self.core.incidents.log_message(number, "radio", "SDS delivered to {callsign}",
                                            callsign=callsign)
        else:
            self.core.incidents.log_message(number, "radio", "SDS not delivered to {callsign} "
                                            "({status})", callsign=callsign, status=report.status)

    def status(self) -> list[dict[str, Any]]:
        """Each gateway's state and counters, for the technician panel."""
        out = []
        for cfg in self.configs:
            gw = self.gateways.get(cfg.name)
            stats: dict[str, Any] = gw.stats() if gw else {"state": "stopped"}
            stats.update(name=cfg.name, url=cfg.url, protocol=cfg.protocol)
            stats["recent_lines"] = list(gw.link.recent_lines)[-10:] if gw else []
            out.append(stats)
        return out


_NOTHING = threading.Event()  # "the batch ended on a message" (never set, never waited on)


_KINDS: dict[type, str] = {}


def _describe(event: HardwareEvent) -> str:
    """One line for the technician panel (read per message, so without ``to_dict``'s copy)."""
    kind = _KINDS.get(type(event))
    if kind is None:
        kind = _KINDS.setdefault(type(event), str(event.to_dict()["type"]))
    values = [(f.name, getattr(event, f.name)) for f in fields(event)
              if f.name not in ("source", "received")]
    if any(is_dataclass(v) or isinstance(v, dt.datetime | dict | list | tuple)
           for _, v in values):
        data = event.to_dict()  # nested values: as JSON would show them
        values = [(k, v) for k, v in data.items() if k not in ("type", "source", "received")]
    return f"{kind} " + " ".join(f"{k}={v}" for k, v in values if v is not None)


def load_configs(raw: list[dict[str, Any]]) -> list[GatewayConfig]:
    """Gateway settings, validated; a workstation without gateways runs fine."""
    return [GatewayConfig.parse(r) for r in raw]


def usable_configs(raw: list[dict[str, Any]]) -> tuple[list[GatewayConfig], list[str]]:
    """The gateways that are configured correctly, and a message for each that is not.

    A control room must start even when one gateway entry is wrong.
    """
    good: list[GatewayConfig] = []
    problems: list[str] = []
    for entry in raw:
        try:
            cfg = GatewayConfig.parse(entry)
        except InvalidInput as exc:
            problems.append(str(exc))
            continue
        if any(g.name == cfg.name for g in good):
            problems.append(tr("gateway name {name!r} is used twice; the second is skipped",
                               name=cfg.name))
            continue
        good.append(cfg)
    return good, problems
