"""The headless core of one workstation: store, reference data, user, events, services.

Every operator action is a method on one of the services hanging off ``Meldkamer``; the
CLI and the UI both go through them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from meldkamer import config
from meldkamer.domain.reference import Reference, load_reference
from meldkamer.domain.source import Source
from meldkamer.errors import Conflict, MeldkamerError, OutcomeUnknown, StoreError
from meldkamer.events import DomainEvent, EventBus
from meldkamer.roles import Actor, Role
from meldkamer.services import anchors, audit, audit_rows, trail_watch
from meldkamer.store.db import Store
from meldkamer.store.models import (
    ChangeEvent,
    CommandRecord,
    Incident,
    LogEntry,
    UnitStatusChange,
)

if TYPE_CHECKING:
    from meldkamer.auth.users import UserService
    from meldkamer.commands.base import Command
    from meldkamer.journal.outage import Outage
    from meldkamer.services.alarms import AlarmService
    from meldkamer.services.attention import AttentionService
    from meldkamer.services.dispatch import DispatchService
    from meldkamer.services.incidents import IncidentService
    from meldkamer.services.intake import IntakeService
    from meldkamer.services.units import UnitService


def utcnow() -> datetime:
    return datetime.now(UTC)


Line = tuple[Incident, str, str, str | None, dict[str, Any] | None, Source]


@dataclass
class Tx:
    """One service call's transaction: the session plus its log, audit and events.

    ``source`` says who or what acts (``Meldkamer.acting``): every log line and audit
    event of the transaction carries it.
    """

    core: Meldkamer
    session: Session
    now: datetime
    source: Source
    events: list[DomainEvent] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    head: audit.Head | None = None  # the audit chain's end as this transaction leaves it
    trail: list[dict[str, Any]] = field(default_factory=list)  # audit rows, inserted at the end
    # What calls inside a batch published: to tell after commit, and their stored rows.
    told: list[DomainEvent] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # status rows, at the end
    command_id: str = ""  # the command this transaction runs (``Meldkamer.execute``)
    committing: bool = False  # everything is written: only the COMMIT is left

    def record_status(self, row: dict[str, Any]) -> None:
        """Queue a unit status history row (append-only, never read back before commit)."""
        self.history.append(row)

    def write_history(self) -> None:
        """Insert the queued status history rows with one statement."""
        if self.history:
            self.session.connection().execute(insert(UnitStatusChange), self.history)
            from meldkamer.services.response import record_responses

            record_responses(self.session, self.core.ref, self.history)
            self.history.clear()

    def log(self, incident: Incident, kind: str, template: str, /, **fields: Any) -> None:
        """Add a line to an incident's log (written in one batch before commit).

        The line is stored as its English template and fields (codes, numbers, names),
        and translated when it is read, so every operator reads it in their language.
        A field may be a reference object (a status, a disposition, ...): it is stored by
        its code and shown by its name (``meldkamer.names``).
        """
        from meldkamer import names

        text = names.render(template, fields, self.core.ref, "en")
        stored = {k: names.encode(v) for k, v in fields.items()}
        self.lines.append((incident, kind, text, template, stored or None, self.source))

    def note(self, incident: Incident, kind: str, text: str) -> None:
        """Add what a person wrote (a note, a radio text) to the log, never translated."""
        self.lines.append((incident, kind, text, None, None, self.source))

    def write_log(self) -> None:
        """Insert the collected log lines with one statement."""
        if not self.lines:
            return
        self.session.flush()
        ids = self.session.execute(insert(LogEntry).returning(
            LogEntry.id, sort_by_parameter_order=True), [
            {"incident_id": inc.id, "at": self.now, "user": src.user, "kind": kind,
             "text": text, "template": template, "fields": fields,
             "source_kind": src.kind, "source_detail": src.detail}
            for inc, kind, text, template, fields, src in self.lines
        ]).scalars().all()
        audit_rows.added_lines(self.session, ids)  # the trail digests them (write_audit)
        audit_rows.touch(self.session, (inc.id for inc, *_ in self.lines))
        self.lines.clear()

    def audit(self, action: str, entity: str, key: str, **data: Any) -> int:
        """Append an audit event for this change; returns its sequence number.

        The event's data carries the transaction's source (``"source"``: kind, user,
        detail), the workstation (``"workstation"``) and the command's id (``"command"``),
        inside what the hash covers.
        """
        if self.head is None:
            self.head = audit.read_head(self.session)
        else:
            self.session.flush()  # as the head's query did: new rows have their ids now
        data["source"] = self.source.as_data()
        data["workstation"] = self.core.workstation
        if self.command_id:
            data["command"] = self.command_id
        # hashed in write_audit, once the digests of the rows written are known
        self.head, row = audit.pending(self.head, at=self.now, user=self.source.user,
                                       action=action, entity=entity, key=key, data=data)
        self.trail.append(row)
        self.seqs.append(self.head[0])
        return self.head[0]

    def insert_audit_now(self) -> None:
        """Insert the events queued so far, before the transaction's further writes.

        For a trigger that must see an event before the change it authorises (the
        retention pass's ``log.pseudonymise``, migration 0013). The head still moves once,
        at the end; the digests of the rows written go into a later event.
        """
        if self.trail and self.head is not None:
            self.head = audit.seal(self.trail)
            audit.insert_events(self.session, self.trail)
            self.trail.clear()

    def write_audit(self) -> None:
        """Digest the rows written into the last event, seal the events, insert them and
        store where the chain now ends; checkpoint the head after commit every N events."""
        if not self.trail and audit_rows.pending(self.session):
            self.audit("audit.rows", "audit", "")  # rows written without an event of their own
        if self.trail and self.head is not None:
            rows = audit_rows.collect(self.session)
            if rows:
                self.trail[-1]["data"]["rows"] = rows
            start = self.trail[0]["seq"] - 1
            self.head = audit.seal(self.trail)
            audit.insert_events(self.session, self.trail)
            audit.store_head(self.session, self.head)
            self.trail.clear()
            if self.head[0] // anchors.EVERY > start // anchors.EVERY:
                trail_watch.checkpoint_after_commit(self.core, self.session, self.head)

    def publish(self, event: DomainEvent) -> None:
        """Queue an event; it is published only once the transaction has committed."""
        self.events.append(event)

    def write_events(self) -> None:
        """Store the shared events with the change, for other workstations' change feeds.

        On PostgreSQL the same transaction notifies the listening workstations
        (``meldkamer.services.listen``): the notification goes out at commit, or never.
        """
        rows = self.changes + self.change_rows()
        if rows:
            self.session.execute(insert(ChangeEvent), rows)
            from meldkamer.services.listen import notify

            notify(self.session, max(int(r["seq"]) for r in rows))  # delivered at commit

    def change_rows(self) -> list[dict[str, Any]]:
        """This call's shared events as change-feed rows, with its time and sequence."""
        last = max(self.seqs, default=0)
        return [{"seq": e.seq or last, "at": self.now, "origin": self.core.origin,
                 "type": e.type_name, "payload": e.payload()}
                for e in self.events if e.shared]

    def absorb(self, inner: Tx) -> None:
        """Take over what a service call inside a batch collected (its savepoint held).

        Its events are stored with the batch's and published after the batch's commit.
        """
        self.changes += inner.changes + inner.change_rows()
        self.history += inner.history
        self.told += inner.told + inner.events
        self.seqs += inner.seqs
        self.lines += inner.lines
        self.trail += inner.trail
        self.head = inner.head


@dataclass(frozen=True)
class CommandOutcome:
    """What became of a command, by its id: committed or not, and its stored result."""

    command_id: str
    committed: bool
    name: str = ""
    seq: int | None = None
    result: Any = None


class _Done(BaseException):
    """A command found already stored when its transaction opened: its stored result."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


def _reply_lost(exc: StoreError) -> bool:
    """True when COMMIT failed because the connection died (the server may have committed)."""
    cause = exc.__cause__
    if isinstance(cause, DBAPIError):
        return bool(cause.connection_invalidated) or isinstance(
            cause, OperationalError | InterfaceError)
    return False


class Meldkamer:
    """A workstation's core. Open one per process (or per thread of work) and share it."""

    def __init__(
        self,
        store: Store,
        reference: Reference,
        *,
        user: str,
        bus: EventBus | None = None,
        clock: Callable[[], datetime] = utcnow,
        actor: Actor | None = None,
    ) -> None:
        self.store = store
        self.ref = reference
        self.workstation = actor.workstation if actor else config.workstation_name()
        # Who is logged in here. A core built without a login (a library use, a test) acts
        # as a supervisor; the CLI and the workstation set the actor from the login.
        self.actor = actor or Actor(user, Role.SUPERVISOR, self.workstation)
        self.user = self.actor.user
        self.bus = bus or EventBus()
        self.clock = clock
        # Who wrote a stored change event: the change feed skips this process's own.
        self.origin = uuid.uuid4().hex
        self._geo: Any = None
        self._geo_lock = threading.Lock()
        self._batch = threading.local()  # the batch open on this thread, if any
        self._acting = threading.local()  # who acts on this thread (``acting``)
        self._running = threading.local()  # the command executing on this thread
        self.training = store.kind() == "training"
        # The outage journal (``meldkamer.journal``), when this workstation keeps one.
        self.outage: Outage | None = None

    @classmethod
    def open(
        cls,
        db: str | None = None,
        *,
        user: str | None = None,
        reference_dir: Path | None = None,
        upgrade: bool = True,
        training: bool = False,
    ) -> Meldkamer:
        """Open the database (upgrading its schema) and load the reference data."""
        store = Store(config.database_url(db, training=training), upgrade=upgrade)
        try:
            if training:
                store.mark_training()
            ref = load_reference(reference_dir or config.reference_dir(),
                                 cache_dir=config.cache_dir())
            return cls(store, ref, user=config.current_user(user))
        except BaseException:
            store.dispose()
            raise

    # Services are built (and their modules imported) on first use: a CLI command that
    # lists incidents never loads the type-ahead or the dispatch rules.

    @cached_property
    def incidents(self) -> IncidentService:
        from meldkamer.services.incidents import IncidentService

        return IncidentService(self)

    @cached_property
    def units(self) -> UnitService:
        from meldkamer.services.units import UnitService

        return UnitService(self)

    @cached_property
    def dispatch(self) -> DispatchService:
        from meldkamer.services.dispatch import DispatchService

        return DispatchService(self)

    @cached_property
    def intake(self) -> IntakeService:
        from meldkamer.services.intake import IntakeService

        return IntakeService(self)

    @cached_property
    def users(self) -> UserService:
        from meldkamer.auth.users import UserService

        return UserService(self)

    @cached_property
    def alarms(self) -> AlarmService:
        from meldkamer.services.alarms import AlarmService

        return AlarmService(self)

    @cached_property
    def attention(self) -> AttentionService:
        from meldkamer.services.attention import AttentionService

        return AttentionService(self)

    @property
    def geo(self) -> Any:
        """Geocoding and travel times from the maps package (built on first use)."""
        with self._geo_lock:
            if self._geo is None:
                from meldkamer.geo import Geo

                self._geo = Geo(self)
            return self._geo

    def set_actor(self, actor: Actor) -> None:
        """Act as ``actor`` from now on (after a login, or a change of user at the lock)."""
        self.actor = actor
        self.user = actor.user
        self.workstation = actor.workstation

    @property
    def source(self) -> Source:
        """Who acts for what this thread writes now: ``acting``'s source, else the operator."""
        found: Source | None = getattr(self._acting, "source", None)
        return found if found is not None else Source.operator(self.user)

    @contextmanager
    def acting(self, source: Source) -> Iterator[Source]:
        """Write as ``source`` on this thread (a radio message, a scenario, a timer's job).

        Nested uses restore the outer source when they end; other threads are untouched.
        """
        before = getattr(self._acting, "source", None)
        self._acting.source = source
        try:
            yield source
        finally:
            self._acting.source = before

    def system(self, job: str) -> Source:
        """The source for a job of this workstation's own (a timer, a watch)."""
        return Source.system(self.user, job)

    @contextmanager
    def batch(self) -> Iterator[Tx]:
        """One transaction for many commands on this thread (the radio's inbound worker).

        Each command executed inside it runs in a savepoint of its own: one that fails is
        rolled back alone, the others commit together (with their ``command_record`` rows)
        and their events are published after that one commit. Reads on this thread see the
        batch's uncommitted changes.
        """
        if getattr(self._batch, "tx", None) is not None:
            raise RuntimeError("a batch is already open on this thread")
        with self._transaction(savepoint=True, source=None) as tx, \
                self.store.sharing(tx.session):
            self._batch.tx, self._batch.broken = tx, False
            try:
                yield tx
                if self._batch.broken:
                    raise RuntimeError("a call in the batch failed halfway; nothing is kept")
            finally:
                self._batch.tx = None

    @property
    def running(self) -> Any:
        """The command executing on this thread (``execute``), or None."""
        return getattr(self._running, "command", None)

    def transaction(self, *, savepoint: bool = True,
                    source: Source | None = None) -> AbstractContextManager[Tx]:
        """Run one command's transaction: commit everything together, then publish.

        Only a command's handler calls this, and joins the transaction ``execute`` opened
        for the command: outside a running command this raises RuntimeError, so nothing is
        written around the one write path. ``savepoint=False`` saves the
        savepoint for a call that raises its own errors (MeldkamerError) only before it
        writes anything; any other error in it then fails the whole batch. ``source``:
        who acts (default: this thread's ``acting`` source, else the operator).
        """
        if self.running is None:
            raise RuntimeError("a write outside execute(): every change is a command "
                               "(meldkamer.commands) run by Meldkamer.execute")
        joined: Tx | None = getattr(self._running, "tx", None)
        if joined is None:
            joined = self._open_command_tx(savepoint=savepoint, source=source)
        return nullcontext(joined)  # the command's one transaction, closed by execute

    def _open_command_tx(self, *, savepoint: bool, source: Source | None) -> Tx:
        """Open the running command's transaction (on its first write), held by execute.

        A command id found stored by then (a racing execution committed first) stops the
        handler (``_Done``) before it writes anything.
        """
        command = self.running
        stack: ExitStack = self._running.stack
        tx = stack.enter_context(self._transaction(savepoint=savepoint, source=source))
        self._running.tx = tx
        found = tx.session.execute(
            select(CommandRecord.result)
            .where(CommandRecord.command_id == command.command_id)).first()
        if found is not None:
            raise _Done(found[0])
        return tx

    @contextmanager
    def _transaction(self, *, savepoint: bool, source: Source | None) -> Iterator[Tx]:
        source = source or self.source
        running = self.running
        command_id = running.command_id if running is not None else ""
        outer: Tx | None = getattr(self._batch, "tx", None)
        if outer is not None:
            inner = Tx(self, outer.session, self.clock(), source, head=outer.head,
                       command_id=command_id)
            self._batch.tx = inner  # a call nested in this one is held by this one
            try:
                if savepoint:
                    with self.store.savepoint(outer.session):
                        yield inner
                        inner.write_log()
                else:
                    try:
                        yield inner
                        inner.write_log()
                    except MeldkamerError:
                        raise  # refused before it wrote: nothing to undo
                    except BaseException:
                        self._batch.broken = True
                        raise
            finally:
                self._batch.tx = outer
            outer.absorb(inner)
            return
        tx: Tx | None = None
        try:
            with self.store.write() as session:
                tx = Tx(self, session, self.clock(), source, command_id=command_id)
                yield tx
                tx.write_log()
                tx.write_history()
                tx.write_audit()
                tx.write_events()
                session.flush()
                tx.committing = True
        except StoreError as exc:
            lost = isinstance(exc, OutcomeUnknown) or _reply_lost(exc)  # the store's verdict
            if tx is not None and tx.committing and command_id and lost:
                raise OutcomeUnknown(
                    "the database connection was lost while command {command_id} was being "
                    "committed: it may or may not have been saved; it is looked up by its "
                    "id once the database is back, never done again blindly",
                    command_id=command_id) from exc
            raise
        for event in (*tx.told, *tx.events):
            self.bus.publish(event)

    def execute(self, command: Command) -> Any:
        """Run a command: the only way to write. Returns what its handler returns.

        In order: the actor's role (or the command's non-person source) is checked
        (Refused); a command id already in ``command_record`` returns the stored result,
        revived as the handler returns it (a view as it was then), without acting again;
        otherwise the handler runs; its first ``transaction()`` opens the command's one
        transaction (so a read before it, a turnout's routing, holds no write lock), every
        later one joins it, and execute closes it after storing the command's row (id,
        name, user, workstation, first audit sequence, result as JSON); commit; the events
        are published. A command executed inside a running one is part of it.
        A lost reply to COMMIT raises ``OutcomeUnknown`` (see ``command_outcome``).
        """
        from meldkamer.commands import base, permissions

        running = self.running
        handler = base.handler_of(type(command))
        if running is not None:
            return handler.run(self, command)
        permissions.check(self.actor.role, command.source_kind, command.name,
                          training=self.training)
        base.check_values(command)
        if self.outage is not None:  # kept commands go to the journal when the store is away
            return self.outage.execute(command, self._execute_checked)
        return self._execute_checked(command)

    def _execute_checked(self, command: Command) -> Any:
        """``execute`` once the role and the values were checked."""
        from meldkamer.commands import base

        handler = base.handler_of(type(command))
        stored = self._recorded(command.command_id)
        if stored is not None:
            return handler.revive(stored.result)  # done before: nothing is done again
        self._running.command, self._running.tx = command, None
        try:
            with self.acting(command.source), ExitStack() as stack:
                self._running.stack = stack
                try:
                    value = handler.run(self, command)
                    tx = self._running.tx or self._open_command_tx(savepoint=True,
                                                                    source=None)
                except _Done as done:
                    return handler.revive(done.result)
                result = handler.result(value)
                tx.session.flush()
                tx.session.execute(insert(CommandRecord).values(
                    command_id=command.command_id, name=command.name, user=command.user,
                    workstation=command.workstation, at=tx.now,
                    seq=min(tx.seqs) if tx.seqs else None, result=result))
            return value
        except Conflict as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            stored = self._recorded(command.command_id)
            if stored is None:
                raise
            return handler.revive(stored.result)  # a racing execution of this id won
        finally:
            self._running.command = self._running.tx = self._running.stack = None

    def require(self, right: str, what: object = "") -> None:
        """Refuse (Refused) a right the running command's actor lacks (a busy unit taken)."""
        from meldkamer.commands import permissions

        running = self.running
        kind = running.source_kind if running is not None else self.source.kind
        permissions.require(self.actor.role, kind, right, training=self.training, what=what)

    def _recorded(self, command_id: str) -> CommandRecord | None:
        with self.store.read() as session:
            return session.get(CommandRecord, command_id)

    def command_outcome(self, command_id: str) -> CommandOutcome:
        """Whether a command committed, and its stored result (after ``OutcomeUnknown``)."""
        found = self._recorded(command_id)
        if found is None:
            return CommandOutcome(command_id, committed=False)
        return CommandOutcome(command_id, committed=True, name=found.name, seq=found.seq,
                              result=found.result)

    def verify_audit(self) -> audit.AuditReport:
        """Check the whole audit chain."""
        with self.store.read() as session:
            return audit.verify(session)

    def close(self) -> None:
        """Release database connections."""
        self.store.dispose()
