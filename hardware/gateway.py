"""PEI gateway: a TETRA radio on a serial link, turned into hardware events.

Runs the initialisation sequence when the link comes up, one command at a time with a
timeout, a keepalive ``AT`` when idle, and decodes unsolicited SDS at any moment (also
between a command and its final result). Sending blocks the calling thread until the
radio answers, so call it from a worker, never from an event callback.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hardware.codec import DecodeError
from hardware.events import (
    DecodeFailed,
    DeliveryReport,
    EmergencyReceived,
    EventCallback,
    EventHub,
    HardwareEvent,
    LinkDown,
    LinkUp,
    PositionReceived,
    StatusReceived,
    TextReceived,
    UnsolicitedReceived,
)
from hardware.pei import (
    CME_SYNTAX_ERROR,
    DEFAULT_INIT,
    SDS_TL_MODE,
    STATUS_MODE,
    CmgsReply,
    CommandEcho,
    FinalResult,
    OtherUnsolicited,
    PeiDecoder,
    PeiItem,
    ResponseLine,
    SdsReceived,
    parse_cnumf,
    status_command,
    text_command,
)
from hardware.sds import DeliveryReportMessage, LocationMessage, StatusMessage, TextMessage
from hardware.transport import PortLike, SerialLink

log = logging.getLogger(__name__)

DOWN, INITIALISING, READY, UNRESPONSIVE = "down", "initialising", "ready", "unresponsive"


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What the radio answered to one command; ``final`` is None on timeout or link loss."""

    command: str
    final: FinalResult | None
    lines: tuple[str, ...] = ()
    cmgs: CmgsReply | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when the radio answered OK."""
        return self.final is not None and self.final.ok


@dataclass(frozen=True, slots=True)
class SendResult:
    """Outcome of send_status/send_text; ``ref`` is the SDS-TL message reference for texts."""

    ok: bool
    ref: int | None = None
    error: str = ""


@dataclass
class _Pending:
    command: str
    done: threading.Event = field(default_factory=threading.Event)
    final: FinalResult | None = None
    lines: list[str] = field(default_factory=list)
    cmgs: CmgsReply | None = None
    error: str = ""


@dataclass
class _Tracked:
    issi: int
    on_report: Callable[[DeliveryReport], None] | None
    sent: float


class PeiGateway:
    """A TETRA radio over PEI publishing StatusReceived, PositionReceived, TextReceived,
    DeliveryReport, EmergencyReceived, LinkUp/LinkDown and DecodeFailed events.

    Args:
        port: a pyserial URL or device path, or an already-open port object.
        emergency_statuses: status values that also raise EmergencyReceived.
        passive: only listen (a monitor on a radio someone else drives): no initialisation,
            no keepalive; LinkUp as soon as the port is open.
    """

    def __init__(self, port: str | PortLike, *, name: str | None = None,
                 baudrate: int = 115200, on_event: EventCallback | None = None,
                 emergency_statuses: Iterable[int] = (),
                 init_commands: Iterable[str] = DEFAULT_INIT, command_timeout: float = 2.0,
                 keepalive_interval: float = 10.0, payload_timeout: float = 2.0,
                 init_attempts: int = 5, max_missed: int = 2, reconnect: bool = True,
                 backoff_max: float = 5.0, report_ttl: float = 3600.0,
                 passive: bool = False) -> None:
        self.name = name or (port if isinstance(port, str) else type(port).__name__)
        self.events = EventHub()
        if on_event is not None:
            self.events.subscribe(on_event)
        self.emergency_statuses = frozenset(emergency_statuses)
        self.init_commands = tuple(init_commands)
        self.command_timeout = command_timeout
        self.keepalive_interval = keepalive_interval
        self.init_attempts = max(1, init_attempts)
        self.max_missed = max_missed
        self.report_ttl = report_ttl
        self.passive = passive
        self.identity: str | None = None
        self.state = DOWN
        self.counts: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self._decoder = PeiDecoder(payload_timeout=payload_timeout)
        self._decoder_lock = threading.Lock()
        self._cmd_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._pending: _Pending | None = None
        self._mode: str | None = None
        self._announced = False
        self._missed = 0
        self._last_activity = time.monotonic()
        self._need_init = False
        self._next_ref = 0
        self._tracked: dict[int, _Tracked] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._supervisor: threading.Thread | None = None
        self.link = SerialLink(port, baudrate=baudrate, name=self.name, on_line=self._on_line,
                               on_up=self._on_up, on_down=self._on_down, reconnect=reconnect,
                               backoff_max=backoff_max)

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> PeiGateway:
        """Open the port (in the background) and start supervising the radio."""
        if self._supervisor is None:
            self._supervisor = threading.Thread(target=self._supervise,
                                                name=f"pei-supervisor {self.name}", daemon=True)
            self._supervisor.start()
            self.link.start()
        return self

    def stop(self) -> None:
        """Stop all threads and close the port."""
        self._stop.set()
        self._wake.set()
        self._fail_pending("gateway stopped")
        self.link.stop()
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(5.0)

    def __enter__(self) -> PeiGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Receive every event (on a gateway thread); returns an unsubscribe function."""
        return self.events.subscribe(callback)

    @property
    def ready(self) -> bool:
        """True when the radio is initialised and answering."""
        return self.state == READY

    def stats(self) -> dict[str, object]:
        """Gateway and link counters, JSON-ready."""
        with self._count_lock:
            counts = dict(self.counts)
        return {"state": self.state, "identity": self.identity, "counts": counts,
                "link": self.link.stats().to_dict()}

    def _count(self, key: str) -> None:
        with self._count_lock:
            self.counts[key] += 1

    # -- commands --------------------------------------------------------------------
    def command(self, command: str, timeout: float | None = None) -> CommandResult:
        """Send one AT command and wait for its final result."""
        return self._execute(command, command + "\r", timeout)

    def send_status(self, issi: int, value: int) -> SendResult:
        """Send a 16-bit status value to ``issi``."""
        with self._send_lock:
            refused = self._select_mode(STATUS_MODE)
            if refused:
                return SendResult(False, error=refused)
            result = self._execute("AT+CMGS status", status_command(issi, value))
        return SendResult(result.ok, result.cmgs.ref if result.cmgs else None,
                          "" if result.ok else result.error or _describe(result.final))

    def send_text(self, issi: int, text: str,
                  on_report: Callable[[DeliveryReport], None] | None = None) -> SendResult:
        """Send ``text`` over SDS-TL asking for a delivery report; returns its reference.

        The report arrives later as a DeliveryReport event and through ``on_report``.
        """
        with self._send_lock:
            refused = self._select_mode(SDS_TL_MODE)
            if refused:
                return SendResult(False, error=refused)
            ref = self._allocate_ref()
            with self._state_lock:
                self._tracked[ref] = _Tracked(issi, on_report, time.monotonic())
            result = self._execute("AT+CMGS text", text_command(issi, text, ref))
            if not result.ok:
                with self._state_lock:
                    self._tracked.pop(ref, None)
                return SendResult(False, ref, result.error or _describe(result.final))
        return SendResult(True, ref)

    def _allocate_ref(self) -> int:
        with self._state_lock:
            for _ in range(255):
                self._next_ref = self._next_ref % 255 + 1
                if self._next_ref not in self._tracked:
                    break
            return self._next_ref

    def _select_mode(self, mode: str) -> str:
        """Switch the radio's SDS mode if needed; returns why not, or "" when done."""
        if not self.link.is_up:
            return "link down"
        if self._mode == mode:
            return ""
        result = self.command(mode)
        if result.ok:
            self._mode = mode
            return ""
        return f"{mode}: {result.error or _describe(result.final)}"

    def _execute(self, label: str, raw: str, timeout: float | None = None) -> CommandResult:
        if threading.current_thread() is self.link.reader_thread:
            raise RuntimeError("PEI commands block; do not send from an event callback")
        with self._cmd_lock:
            pending = _Pending(label)
            with self._state_lock:
                self._pending = pending
            if not self.link.write(raw):
                pending.error = "link down"
            else:
                self._last_activity = time.monotonic()
                if not pending.done.wait(self.command_timeout if timeout is None else timeout):
                    pending.error = pending.error or "timeout"
            with self._state_lock:
                self._pending = None
        if pending.final is None:
            self._count("command_failures")
            if pending.error == "timeout":
                self._missed += 1
                self._wake.set()
        else:
            self._missed = 0
        log.debug("%s: %s -> %s %s", self.name, label, pending.final, pending.error)
        return CommandResult(label, pending.final, tuple(pending.lines), pending.cmgs,
                             pending.error)

    def _fail_pending(self, reason: str) -> None:
        with self._state_lock:
            pending = self._pending
        if pending is not None and not pending.done.is_set():
            pending.error = reason
            pending.done.set()

    # -- link callbacks (reader thread) ----------------------------------------------
    def _on_up(self) -> None:
        self._need_init = True
        self._wake.set()

    def _on_down(self, reason: str) -> None:
        self._fail_pending("link down")
        with self._decoder_lock:
            lost = self._decoder.reset()
        for item in lost:
            self._handle(item)
        self._mode = None
        self._set_down(f"link lost: {reason}")

    def _set_down(self, reason: str) -> None:
        self.state = DOWN if not self.link.is_up else UNRESPONSIVE
        if self._announced:
            self._announced = False
            self.events.publish(LinkDown(source=self.name, reason=reason))

    def _on_line(self, line: str) -> None:
        self._last_activity = time.monotonic()
        with self._decoder_lock:
            items = self._decoder.feed(line, self._last_activity)
        for item in items:
            self._handle(item)

    def _handle(self, item: PeiItem) -> None:
        with self._state_lock:
            pending = self._pending
        if isinstance(item, SdsReceived):
            self._publish_sds(item)
        elif isinstance(item, FinalResult):
            if pending is not None:
                pending.final = item
                pending.done.set()
            else:
                self._count("late_results")
        elif isinstance(item, CmgsReply):
            if pending is not None:
                pending.cmgs = item
        elif isinstance(item, OtherUnsolicited):
            self._count("other_unsolicited")
            log.info("%s: %s", self.name, item.line)
            self.events.publish(UnsolicitedReceived(source=self.name, prefix=item.prefix,
                                                    line=item.line))
        elif isinstance(item, ResponseLine):
            if pending is not None:
                pending.lines.append(item.line)
            else:
                self._failed(DecodeError("unexpected_line", "line outside any command",
                                         item.line[:120]))
        elif isinstance(item, DecodeError):
            self._failed(item)
        elif isinstance(item, CommandEcho):
            self._count("echo")

    def _failed(self, error: DecodeError) -> None:
        self._count("decode_failed")
        self._count(f"failed:{error.reason}")
        log.info("%s: cannot decode (%s) %s: %r", self.name, error.reason, error.detail,
                 error.line)
        self.events.publish(DecodeFailed(source=self.name, reason=error.reason,
                                         detail=error.detail, line=error.line))

    def _publish_sds(self, item: SdsReceived) -> None:
        issi = item.header.calling_issi
        if issi is None:
            self._failed(DecodeError("no_sender", "SDS without a numeric calling identity",
                                     item.header.line))
            return
        payload = item.payload
        events: list[HardwareEvent] = []
        if isinstance(payload, StatusMessage):
            events.append(StatusReceived(source=self.name, issi=issi, value=payload.value,
                                         called=item.header.called_issi))
            if payload.value in self.emergency_statuses:
                events.append(EmergencyReceived(source=self.name, issi=issi, cause="status",
                                                status_value=payload.value))
        elif isinstance(payload, LocationMessage):
            rep = payload.report
            events.append(PositionReceived(
                source=self.name, issi=issi, lat=rep.lat, lon=rep.lon, speed_kmh=rep.speed_kmh,
                heading_deg=None if rep.speed_kmh is None else rep.heading_deg,
                position_error_m=rep.position_error_m, time_elapsed_s=rep.time_elapsed_s,
                reason=rep.reason))
            if rep.emergency:
                events.append(EmergencyReceived(source=self.name, issi=issi, cause="lip",
                                                lat=rep.lat, lon=rep.lon))
        elif isinstance(payload, TextMessage):
            events.append(TextReceived(source=self.name, issi=issi, text=payload.text,
                                       ref=payload.ref))
        elif isinstance(payload, DeliveryReportMessage):
            self._delivery_report(issi, payload)
            return
        else:
            self._count("sds_ack")
            return
        self._count(type(payload).__name__)
        for event in events:
            self.events.publish(event)

    def _delivery_report(self, issi: int, report: DeliveryReportMessage) -> None:
        with self._state_lock:
            tracked = self._tracked.pop(report.ref, None)
        event = DeliveryReport(source=self.name, issi=issi, ref=report.ref,
                               delivered=report.delivered, status=report.status)
        self._count("delivery_reports")
        if tracked is None:
            self._count("untracked_reports")
        self.events.publish(event)
        if tracked is not None and tracked.on_report is not None:
            try:
                tracked.on_report(event)
            except Exception:
                log.exception("%s: delivery report callback failed", self.name)

    # -- supervisor thread -----------------------------------------------------------
    def _supervise(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.2)
            self._wake.clear()
            if self._stop.is_set():
                return
            now = time.monotonic()
            with self._decoder_lock:
                expired = self._decoder.expire(now)
            for item in expired:
                self._handle(item)
            self._drop_old_reports(now)
            if not self.link.is_up:
                continue
            if self._need_init:
                self._need_init = False
                self._initialise()
            elif self.passive:
                continue
            elif self._missed >= self.max_missed and self.state == READY:
                self._set_down("radio not answering")
            elif now - self._last_activity >= self.keepalive_interval:
                self._keepalive()

    def _keepalive(self) -> None:
        self._count("keepalives")
        result = self.command("AT")
        if result.final is not None and self.state in (UNRESPONSIVE, DOWN):
            log.info("%s: radio answers again", self.name)
            self._initialise()
        elif result.final is None and self._missed >= self.max_missed and self.state == READY:
            self._set_down("radio not answering")

    def _initialise(self) -> None:
        if self.passive:
            self._announce()
            return
        self.state = INITIALISING
        self._count("initialisations")
        self._mode = None
        for _ in range(self.init_attempts):
            result = self.command("AT")
            if result.ok or self._stop.is_set() or not self.link.is_up:
                break
            if result.final is not None and result.final.code == CME_SYNTAX_ERROR:
                self._count("cme35_retries")
        if not result.ok:
            self.state = UNRESPONSIVE if self.link.is_up else DOWN
            log.warning("%s: radio does not answer AT", self.name)
            return
        for command in self.init_commands:
            result = self.command(command)
            if not result.ok and (result.final is None or result.final.code == CME_SYNTAX_ERROR):
                result = self.command(command)
            if result.final is None:
                self.state = UNRESPONSIVE if self.link.is_up else DOWN
                log.warning("%s: no answer to %s during initialisation", self.name, command)
                return
            if not result.ok:
                self._count("init_errors")
                log.warning("%s: %s -> %s", self.name, command, _describe(result.final))
            if command.startswith("AT+CNUMF"):
                self.identity = next((parse_cnumf(x) for x in result.lines
                                      if x.startswith("+CNUMF")), self.identity)
        self._announce()

    def _announce(self) -> None:
        self._missed = 0
        self.state = READY
        if not self._announced:
            self._announced = True
            log.info("%s: radio ready, identity %s", self.name, self.identity)
            self.events.publish(LinkUp(source=self.name, identity=self.identity))

    def _drop_old_reports(self, now: float) -> None:
        with self._state_lock:
            old = [ref for ref, t in self._tracked.items() if now - t.sent > self.report_ttl]
            for ref in old:
                del self._tracked[ref]


def _describe(final: FinalResult | None) -> str:
    return "no answer" if final is None else final.line or final.kind
