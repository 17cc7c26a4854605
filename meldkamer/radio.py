"""The radio integration: gateways in settings, hardware events in, dispatch texts out.

Hardware events arrive on gateway threads; they are queued and applied by one worker
thread through the normal services, so a received status follows the same rules as an
operator's (an illegal transition is logged, not applied). A dispatch publishes
``UnitDispatched``; the worker sends the unit an SDS text and logs the delivery report.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
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
from meldkamer.domain.status_machine import AlreadyInStatus
from meldkamer.errors import InvalidInput, MeldkamerError, Refused, StoreError
from meldkamer.events import DomainEvent, RosterChanged, UnitDispatched
from meldkamer.i18n import tr

log = logging.getLogger(__name__)
PROTOCOLS = ("pei", "nmea")
# A standard SDS carries at most 2047 bits; with the SDS-TL header that leaves about 250
# ISO 8859-1 characters.
MAX_SDS_TEXT = 240


@dataclass(frozen=True)
class GatewayConfig:
    """One configured gateway (settings.toml ``[[gateway]]``)."""

    name: str
    url: str
    protocol: str = "pei"
    baud: int = 115200
    unit: str = ""  # for an NMEA receiver: the callsign of the unit it sits in

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> GatewayConfig:
        """Validate one settings entry; a bad one is refused with the reason."""
        try:
            cfg = cls(name=str(raw.get("name") or raw["url"]), url=str(raw["url"]),
                      protocol=str(raw.get("protocol", "pei")).lower(),
                      baud=int(raw.get("baud", 115200)), unit=str(raw.get("unit", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput("gateway settings {raw!r} are incomplete: {error}", raw=raw,
                               error=exc) from exc
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


class RadioLink:
    """All gateways of this workstation and the worker that applies what they hear."""

    def __init__(self, core: Meldkamer, configs: list[GatewayConfig]) -> None:
        self.core = core
        self.configs = configs
        self.gateways: dict[str, Gateway] = {}
        self.notes: deque[RadioNote] = deque(maxlen=200)
        self.counts: dict[str, int] = {"applied": 0, "refused": 0, "unknown_unit": 0,
                                       "sent": 0, "send_failed": 0}
        self.on_applied: Callable[[HardwareEvent, float], None] | None = None
        # What the radios say (statuses, positions, emergencies) never waits behind what we
        # send them: a slow SDS send blocks only the outbound worker.
        self._queue: queue.Queue[Any] = queue.Queue()
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._worker = threading.Thread(target=self._run, args=(self._queue,),
                                        name="radio-in", daemon=True)
        self._sender = threading.Thread(target=self._run, args=(self._outbox,),
                                        name="radio-out", daemon=True)
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
        for thread in (self._worker, self._sender):
            if thread.is_alive():
                thread.join(5)
        stuck = [t.name for t in (self._worker, self._sender) if t.is_alive()]
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
        return all(mark.wait(timeout) for mark in marks)

    def _enqueue(self, cfg: GatewayConfig, event: HardwareEvent) -> None:
        self._queue.put((cfg, event))  # never block a gateway thread

    def _on_domain(self, event: DomainEvent) -> None:
        if isinstance(event, UnitDispatched):
            self._outbox.put(event)
        elif isinstance(event, RosterChanged):
            self._issi.clear()  # radios may have moved to other units

    def _note(self, gateway: str, text: str) -> None:
        self.notes.append(RadioNote(time.time(), gateway, text))

    # -- the worker --------------------------------------------------------------------

    def _run(self, inbox: queue.Queue[Any]) -> None:
        while True:
            item = inbox.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                if isinstance(item, UnitDispatched):
                    self._send_dispatch(item)
                elif isinstance(item, tuple) and item[0] == "report":
                    self._log_report(*item[1:])
                else:
                    cfg, event = item
                    self._apply(cfg, event)
            except MeldkamerError as exc:
                log.warning("radio: %s", exc)
                self._note("-", str(exc))
            except Exception:
                log.exception("radio: failed on %r", item)

    def _apply(self, cfg: GatewayConfig, event: HardwareEvent) -> None:
        self._note(cfg.name, _describe(event))
        if isinstance(event, FixReceived):
            if event.fix.valid and event.fix.lat is not None and event.fix.lon is not None:
                self.core.units.set_position(cfg.unit, event.fix.lat, event.fix.lon,
                                             source="gps")
                self._applied(event)
            return
        issi = getattr(event, "issi", None)
        if issi is None:
            return
        callsign = self._callsign(issi)
        if isinstance(event, EmergencyReceived):
            self._emergency(cfg, event, callsign)
            return
        if callsign is None:
            self.counts["unknown_unit"] += 1
            self._note(cfg.name, f"ISSI {issi} belongs to no unit")
            return
        plan = self.core.ref.radio
        if isinstance(event, StatusReceived):
            if plan.is_emergency(event.value):
                return  # the gateway also publishes EmergencyReceived for it
            status = self.core.ref.status_of_radio(plan.radio_of(event.value))
            if status is None:
                self.counts["refused"] += 1
                self._note(cfg.name, f"{callsign}: unknown status value {event.value:#06x}")
                return
            try:
                self.core.units.set_status(callsign, status.code, source="radio")
            except AlreadyInStatus:  # a repeated press or a retransmission: nothing to say
                self.counts["repeated"] = self.counts.get("repeated", 0) + 1
                return
            except Refused as exc:
                self._refused(cfg, callsign, status.radio, exc)
                return
            self._applied(event)
        elif isinstance(event, PositionReceived):
            self.core.units.set_position(callsign, event.lat, event.lon)
            self._applied(event)
        elif isinstance(event, TextReceived):
            incident = self.core.units.get(callsign).incident
            if incident:
                self.core.incidents.log_message(incident, "radio", "SDS from {callsign}: {text}",
                                                callsign=callsign, text=event.text)
            self._applied(event)

    def _callsign(self, issi: int) -> str | None:
        """The unit carrying a radio; the roster is cached and re-read on a miss."""
        callsign = self._issi.get(issi)
        if callsign is None:
            unit = self.core.units.by_issi(issi)
            if unit is not None:
                self._issi[issi] = callsign = unit.callsign
        return callsign

    def _refused(self, cfg: GatewayConfig, callsign: str, radio: int, exc: Refused) -> None:
        """An illegal status from the radio: logged (also on the incident), not applied."""
        self.counts["refused"] += 1
        self._note(cfg.name, f"{callsign}: {exc}")
        log.info("radio status from %s not applied: %s", callsign, exc)
        incident = self.core.units.get(callsign).incident
        if incident:
            self.core.incidents.log_message(
                incident, "radio", "Radio status {radio} from {callsign} not applied: {problem}",
                radio=radio, callsign=callsign, problem=exc)

    def _emergency(self, cfg: GatewayConfig, event: EmergencyReceived,
                   callsign: str | None) -> None:
        """An emergency must reach the operator: retried while the database is busy."""
        kind = "lip" if event.cause == "lip" else "button"
        for attempt in range(5):
            try:
                self.core.alarms.raise_alarm(callsign, kind, lat=event.lat, lon=event.lon,
                                             issi=event.issi)
                self._applied(event)
                return
            except StoreError as exc:
                log.error("radio: emergency from ISSI %s not stored yet (%s), retrying",
                          event.issi, exc)
                time.sleep(0.5 * (attempt + 1))
        self._note(cfg.name, f"EMERGENCY from ISSI {event.issi} could not be stored")

    def _applied(self, event: HardwareEvent) -> None:
        self.counts["applied"] += 1
        if self.on_applied is not None:
            self.on_applied(event, time.perf_counter())

    def _pei(self) -> PeiGateway | None:
        ready = [g for g in self.gateways.values() if isinstance(g, PeiGateway) and g.ready]
        return ready[0] if ready else None

    def _send_dispatch(self, event: UnitDispatched) -> None:
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
        result = gw.send_text(unit.issi, text, on_report=lambda r: self._queue.put(
            ("report", event.number, unit.callsign, r)))
        if result.ok:
            self.counts["sent"] += 1
            self.core.incidents.log_message(event.number, "radio", "SDS to {callsign}: {text}",
                                            callsign=unit.callsign, text=text)
        else:
            self.counts["send_failed"] += 1
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


def _describe(event: HardwareEvent) -> str:
    data = event.to_dict()
    data.pop("source", None)
    data.pop("received", None)
    kind = data.pop("type", "event")
    return f"{kind} " + " ".join(f"{k}={v}" for k, v in data.items() if v is not None)


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
