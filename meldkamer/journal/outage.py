"""Keep taking calls while the database is away: journal, probe with backoff, replay.

``Outage`` sits in ``Meldkamer.execute``. A command an operator must never lose (``KEPT``)
whose execution fails because the database cannot be reached (a StoreError from a
connection failure, a timeout or a locked file; never a Refused, InvalidInput or Conflict)
is journaled instead (``meldkamer.journal.store``) and the caller gets a pending view: a
new incident has a provisional number (``BON-2026-P00001``) and the state ``pending``.
While the database is down, kept commands go to the journal at once (no wait for a
timeout on each), and so does every command about a provisional incident until it has
been replayed.

``probe`` (the runtime calls it with backoff: 1, 2, 4 ... 30 s) checks the database and,
once it answers, ``replay`` runs the journal in order through ``execute`` with each
command's own id, so a command that did commit (its reply lost) is returned, not done
again. A conflict found at replay is kept (state ``conflict``) for the operator to retry
or dismiss with a reason.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from meldkamer.commands import catalogue as c
from meldkamer.commands.base import Command
from meldkamer.domain.views import LOCAL, IncidentView, LogView
from meldkamer.errors import (
    Conflict,
    InvalidInput,
    MeldkamerError,
    NotFound,
    OutcomeUnknown,
    Refused,
    StoreError,
)
from meldkamer.events import DomainEvent, register
from meldkamer.journal.store import Entry, JournalFile

if TYPE_CHECKING:
    from collections.abc import Callable

    from meldkamer.core import Meldkamer

log = logging.getLogger(__name__)

# What an operator must never lose; dispatch is kept too, marked "to confirm".
KEPT: tuple[type[Command], ...] = (c.CreateIncident, c.AttachCall, c.AddNote, c.Classify,
                                   c.Locate, c.CloseIncident, c.Dispatch)
TO_CONFIRM: tuple[type[Command], ...] = (c.Dispatch,)
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
OUTAGE_NAMESPACE = uuid.UUID("5d0c6f0e-8f57-4d43-9d55-0a3c2f6b7e11")


@register("journal.state", shared=False)
@dataclass(frozen=True)
class JournalChanged(DomainEvent):
    """The database went away or came back, or the journal changed (banner, lists)."""

    down: bool
    pending: int
    conflicts: int
    replayed: int = 0
    replay: bool = False  # published by a replay (its conflicts are new for the operator)


@dataclass(frozen=True)
class ReplayReport:
    """What one replay did."""

    replayed: int = 0
    conflicts: int = 0
    failed: int = 0
    stopped: bool = False  # the database went away again; the rest stays pending


def unreachable(exc: BaseException) -> bool:
    """A StoreError that means the database could not be reached, not a refusal."""
    if not isinstance(exc, StoreError):
        return False
    if isinstance(exc, OutcomeUnknown):
        return True
    cause = exc.__cause__
    if isinstance(cause, TimeoutError):
        return True
    if isinstance(cause, DBAPIError):
        return bool(cause.connection_invalidated) or isinstance(
            cause, OperationalError | InterfaceError)
    return False


def backoff(attempt: int) -> float:
    """Seconds to wait before probe number ``attempt`` (0-based): 1, 2, 4 ... 30."""
    return BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]


class Outage:
    """The journal of one workstation's core, and whether its database is reachable."""

    def __init__(self, core: Meldkamer, journal: JournalFile | None = None) -> None:
        self.core = core
        self.journal = journal or JournalFile()
        self.down = False
        self.attempt = 0  # probes failed since the database went away
        self._replaying = threading.Lock()
        self._local = threading.local()
        self.on_down: Callable[[], Any] | None = None  # the prober's wake-up

    @classmethod
    def attach(cls, core: Meldkamer, journal: JournalFile | None = None) -> Outage:
        """Journal this core's kept commands when its database is away."""
        outage = cls(core, journal)
        core.outage = outage
        if outage.journal.count("pending"):
            outage.down = True  # replay first: later commands must not overtake these
        return outage

    # -- in execute -----------------------------------------------------------------

    def execute(self, command: Command, run: Callable[[Command], Any]) -> Any:
        """Run ``command`` (``run``), or journal it when the database is away."""
        if getattr(self._local, "replaying", False) or not isinstance(command, KEPT):
            return run(command)
        if self.down or self._about_provisional(command):
            return self.hold(command)
        try:
            return run(command)
        except StoreError as exc:
            if not unreachable(exc):
                raise
            log.warning("database unreachable (%s): command %s journaled", exc,
                        command.command_id)
            self._went_down()
            return self.hold(command)

    def _about_provisional(self, command: Command) -> bool:
        number = getattr(command, "number", None)
        return isinstance(number, str) and self.journal.is_provisional(number) \
            and self.journal.real_number(number) is None

    def hold(self, command: Command) -> IncidentView:
        """Journal ``command`` durably; its pending view is what the caller gets."""
        if isinstance(command, c.CreateIncident):
            island = self.core.ref.island(command.island) if command.island else \
                self.core.ref.islands[self.core.ref.home_island]
            year = command.at.astimezone(LOCAL).year
            found = self.journal.get(command.command_id)
            number = found.provisional if found is not None and found.provisional else \
                self.journal.next_provisional(island.prefix, year)
            self.journal.append(command_id=command.command_id, name=command.name,
                                command=command.to_json(), provisional=number,
                                to_confirm=False, workstation=command.workstation,
                                island=island.code, creates=found is None)
        else:
            number = str(getattr(command, "number", ""))
            self.journal.append(command_id=command.command_id, name=command.name,
                                command=command.to_json(), provisional=number,
                                to_confirm=isinstance(command, TO_CONFIRM),
                                workstation=command.workstation)
        self._tell()
        return self.pending_view(number)

    # -- reads while down ---------------------------------------------------------------

    def pending_numbers(self) -> list[str]:
        """Provisional incidents not yet replayed, oldest first."""
        seen: list[str] = []
        for entry in self.journal.entries(("pending", "conflict")):
            if entry.name == c.CreateIncident.name and entry.provisional:
                seen.append(entry.provisional)
        return seen

    def pending_incidents(self) -> list[IncidentView]:
        """The provisional incidents as views (state ``pending``) for the incident list."""
        return [self.pending_view(n) for n in self.pending_numbers()]

    def pending_view(self, number: str) -> IncidentView:
        """What the journal holds about ``number``: its pending fields and its log."""
        entries = self.journal.entries_of(number)
        ref = self.core.ref
        fields: dict[str, Any] = {"island": ref.home_island, "address": "", "lat": None,
                                  "lon": None, "classification": None, "priority": 3,
                                  "urgency": None}
        lines: list[LogView] = []
        created = entries[0].journaled_at if entries else datetime.now(UTC)
        for entry in entries:
            cmd = Command.from_json(entry.command)
            args = cmd.arguments()
            for key in ("island", "address", "lat", "lon", "urgency", "priority"):
                if args.get(key) is not None and key in fields:
                    fields[key] = args[key]
            code = args.get("classification") or (args.get("code")
                                                  if isinstance(cmd, c.Classify) else None)
            if code:
                fields["classification"] = code
            lines.append(LogView(at=cmd.at, user=cmd.user, kind="pending",
                                 text=_describe(cmd, entry), template=None, fields=None,
                                 source=cmd.source))
        island = fields["island"]
        if island and island not in ref.islands:
            island = ref.island(island).code
        cls_code = fields["classification"]
        cls_name = ref.classification(cls_code).path(ref, "nl") if cls_code else ""
        return IncidentView(
            id=-(entries[0].seq if entries else 0), number=number, island=island,
            state="pending",
            location_state="unknown" if fields["lat"] is None else "pending",
            lat=fields["lat"], lon=fields["lon"], address=fields["address"],
            classification=cls_code, classification_name=cls_name,
            priority=int(fields["priority"] or 3), urgency=fields["urgency"],
            created_at=created, updated_at=entries[-1].journaled_at if entries else created,
            closed_at=None, disposition=None, duplicate_of=None, version=0,
            log=tuple(lines))

    # -- the database comes back ----------------------------------------------------------

    def probe(self) -> bool:
        """Ask the database whether it answers; replay the journal once it does.

        Returns True when the database answered. The caller waits ``backoff(attempt)``
        seconds before the next probe while this returns False.
        """
        try:
            with self.core.store.read() as session:
                session.execute(text("SELECT 1"))
        except StoreError:
            self._went_down()
            self.attempt += 1
            return False
        report = self.replay()
        if report.stopped:
            self.attempt += 1
            return False
        return True

    def replay(self) -> ReplayReport:
        """Replay the pending entries in order, exactly once each, by command id."""
        with self._replaying:
            self._local.replaying = True
            try:
                report = self._replay()
            finally:
                self._local.replaying = False
        if not report.stopped:
            self.down = False
            self.attempt = 0
        self._tell(replayed=report.replayed, replay=not report.stopped)
        return report

    def _replay(self) -> ReplayReport:
        replayed = conflicts = failed = 0
        for entry in self.journal.entries(("pending",)):
            command = self._mapped(Command.from_json(entry.command))
            try:
                value = self.core.execute(command)
            except OutcomeUnknown:
                try:
                    outcome = self.core.command_outcome(command.command_id)
                except StoreError:
                    return ReplayReport(replayed, conflicts, failed, stopped=True)
                if not outcome.committed:
                    return ReplayReport(replayed, conflicts, failed, stopped=True)
                value = outcome.result
            except (Refused, Conflict, NotFound) as exc:
                self.journal.settle(entry.command_id, "conflict", problem=_problem(exc))
                conflicts += 1
                continue
            except InvalidInput as exc:
                self.journal.settle(entry.command_id, "failed", problem=_problem(exc))
                failed += 1
                continue
            except StoreError as exc:
                if unreachable(exc):
                    return ReplayReport(replayed, conflicts, failed, stopped=True)
                self.journal.settle(entry.command_id, "failed", problem=_problem(exc))
                failed += 1
                continue
            data = value.to_dict() if isinstance(value, IncidentView) else value
            real = data.get("number") if isinstance(data, dict) else None
            if isinstance(command, c.CreateIncident) and entry.provisional and real:
                self.journal.map_number(entry.provisional, real)
                self._log_outage(command, entry, str(real))
            self.journal.settle(entry.command_id, "replayed",
                                result={"number": real} if real else None)
            replayed += 1
        return ReplayReport(replayed, conflicts, failed)

    def _mapped(self, command: Command) -> Command:
        """The command with a provisional number replaced by the real one, if replayed."""
        number = getattr(command, "number", None)
        if isinstance(number, str):
            real = self.journal.real_number(number)
            if real is not None:
                return replace(command, number=real)  # type: ignore[call-arg]
        return command

    def _log_outage(self, command: Command, entry: Entry, real: str) -> None:
        """Say in the real incident's log that it was taken during an outage (once)."""
        note = c.LogMessage(
            command_id=str(uuid.uuid5(OUTAGE_NAMESPACE, command.command_id)),
            user=command.user, workstation=command.workstation, at=command.at,
            source_kind="system", source_detail="journal", number=real, kind="note",
            template="Taken during a database outage at {at} on workstation {workstation} "
                     "(provisional number {provisional})",
            fields={"at": command.at.isoformat(timespec="seconds"),
                    "workstation": command.workstation, "provisional": entry.provisional})
        self.core.execute(note)

    # -- the operator decides -----------------------------------------------------------

    def conflicts(self) -> list[Entry]:
        return self.journal.entries(("conflict",))

    def dismiss(self, command_id: str, reason: str) -> None:
        """Give up a conflicting entry, with the operator's reason (logged on the incident)."""
        entry = self._conflict(command_id)
        if not reason.strip():
            raise InvalidInput("a reason is needed to dismiss a journaled command")
        command = Command.from_json(entry.command)
        number = getattr(self._mapped(command), "number", None)
        if isinstance(number, str) and not self.journal.is_provisional(number):
            self.core.execute(c.LogMessage.build(
                self.core, number=number, kind="note",
                template="A command taken during the outage ({name}) was dismissed: {reason}",
                fields={"name": command.name, "reason": reason}))
        self.journal.settle(command_id, "dismissed", resolution=reason)
        self._tell()

    def retry(self, command_id: str, **changes: Any) -> Any:
        """Run a conflicting entry again as a new command (e.g. another unit: ``callsigns``)."""
        entry = self._conflict(command_id)
        old = self._mapped(Command.from_json(entry.command))
        fresh = type(old).build(self.core, **{**old.arguments(), **changes})
        self._local.replaying = True
        try:
            value = self.core.execute(fresh)
        finally:
            self._local.replaying = False
        self.journal.settle(command_id, "replayed", resolution=f"retried as {fresh.command_id}")
        self._tell()
        return value

    def _conflict(self, command_id: str) -> Entry:
        entry = self.journal.get(command_id)
        if entry is None:
            raise NotFound("no journaled command {command_id}", command_id=command_id)
        if entry.state != "conflict":
            raise Refused("journaled command {command_id} is {state}, not a conflict",
                          command_id=command_id, state=entry.state)
        return entry

    # -- state --------------------------------------------------------------------------

    def _went_down(self) -> None:
        if not self.down:
            self.down = True
            self.attempt = 0
            if self.on_down is not None:
                self.on_down()
        self._tell()

    def _tell(self, replayed: int = 0, replay: bool = False) -> None:
        self.core.bus.publish(JournalChanged(
            seq=0, down=self.down, pending=self.journal.count("pending"),
            conflicts=self.journal.count("conflict"), replayed=replayed, replay=replay))


def _problem(exc: MeldkamerError) -> dict[str, Any]:
    """An error as stored data: its kind, English template and fields (shown translated)."""
    return {"kind": exc.kind, "template": exc.template,
            "fields": json.loads(json.dumps(exc.fields, default=str))}


def _describe(cmd: Command, entry: Entry) -> str:
    """One log line for a journaled command (the operator's own words where there are)."""
    from meldkamer.i18n import tr

    args = cmd.arguments()
    if isinstance(cmd, c.CreateIncident):
        return tr("Call taken while the database was away (pending)") + (
            ": " + args["note"] if args.get("note") else "")
    if isinstance(cmd, c.AddNote | c.AttachCall):
        return str(args.get("text") or args.get("note") or tr("Another call (pending)"))
    if isinstance(cmd, c.Classify):
        return tr("Classified {code} (pending)", code=args["code"])
    if isinstance(cmd, c.Locate):
        where = args.get("address") or ", ".join(str(args.get(k)) for k in ("lat", "lon"))
        return tr("Location {address} (pending)", address=where)
    if isinstance(cmd, c.CloseIncident):
        return tr("Closed as {disposition} (pending)", disposition=args["disposition"])
    if isinstance(cmd, c.Dispatch):
        return tr("Dispatch {units}: to confirm once the database is back",
                  units=", ".join(args["callsigns"]))
    return entry.name


class Prober:
    """Probe the database with backoff while it is away; replay once it answers.

    One daemon thread; it sleeps on an event, so a kept command that fails (``wake``) or
    ``stop`` ends the wait at once.
    """

    def __init__(self, outage: Outage, *, name: str = "meldkamer-journal") -> None:
        self.outage = outage
        self.name = name
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Prober:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """Look again now (the database went away, or a technician asks)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.outage.down:
                self._wake.wait()
                self._wake.clear()
                continue
            self._wake.wait(backoff(self.outage.attempt))
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.outage.probe()
            except Exception:  # a replay that broke must not stop the probing
                log.exception("outage journal: the probe failed")
                self.outage.attempt += 1
