"""The retention pass: personal data of closed incidents pseudonymised after a period.

What goes, and when (the periods are settings, ``[retention]``; docs/privacy.md):

- callers (``callers_days`` after the incident was closed): each call's name, number and
  callback number become ``REMOVED`` (a withheld or unknown caller, and a short number
  such as 112, name no one and stay); the log's call lines are pseudonymised with them;
- free text (``text_days`` after closing): the log's notes and radio texts, the intake
  answers and closing notes: the line's text is replaced, its kind, time and author stay;
- caller flags (``flags_days`` after the flag was set): removed;
- the stored results of old commands (``command_record``, callers' period): they repeat
  the incident as it was, callers included.

What stays: the incident (number, times, classification, priority, disposition, location),
its calls as rows (times, who took them), its assignments, the units' status history and
the response figures. The pass is one command (``retention.run``: an administrator or the
runtime's daily job), one transaction; it audits what it did (counts, which incidents),
never the data it removed, and keeps ``audit verify`` intact: each changed log line gets a
``log.pseudonymise`` event before its update (the only update migration 0013's trigger
lets through), and the new digests of every changed row go into the pass's last event.
A second pass finds nothing left to do and writes nothing.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from meldkamer.commands import permissions
from meldkamer.commands.base import writes
from meldkamer.commands.catalogue import RunRetention
from meldkamer.domain import phone
from meldkamer.domain.views import View
from meldkamer.errors import InvalidInput
from meldkamer.i18n import N_
from meldkamer.roles import Role
from meldkamer.services import audit, audit_rows
from meldkamer.store.models import Call, CallerFlag, CommandRecord, Incident, LogEntry

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer
    from meldkamer.settings import Settings

permissions.register(RunRetention.name, (Role.ADMINISTRATOR,), sources=("system",),
                     action=N_("run the retention pass"))

REMOVED = "[removed]"
"""What a caller's name or number becomes (the column stays filled: rows are counted)."""
LINE_REMOVED = N_("Removed by the retention policy (personal data)")
"""The template of a pseudonymised log line (shown in each reader's language)."""
CALLER_KINDS = frozenset({"call"})
"""Log lines about a caller: they go with the callers' period."""
PERSONAL_FIELDS = frozenset({"caller", "name", "note", "answers", "address", "text"})
"""A system line with one of these fields holds what a person said: it goes as free text."""
COMMANDS_WITH_CALLERS = ("incident.", "caller.")
"""Commands whose stored result repeats an incident's calls or a caller's history."""


@dataclasses.dataclass(frozen=True)
class Policy:
    """How many days each kind of personal data is kept (0: for ever)."""

    callers_days: int = 365
    text_days: int = 365
    flags_days: int = 365

    @classmethod
    def from_settings(cls, values: Settings) -> Policy:
        from meldkamer import settings as st

        return cls(values.get(st.RETENTION_CALLERS), values.get(st.RETENTION_TEXT),
                   values.get(st.RETENTION_FLAGS))

    def cutoffs(self, now: datetime, before: datetime | None = None) -> Cutoffs:
        """The moments before which each kind goes; ``before`` (an administrator's date)
        replaces the periods for every kind."""
        if before is not None:
            if before.tzinfo is None:
                raise InvalidInput("the date {date} has no time zone", date=before)
            if before > now:
                raise InvalidInput("the date {date} is in the future: retention removes "
                                   "only what lies behind", date=before.date())
            return Cutoffs(before, before, before)

        def back(days: int) -> datetime | None:
            return now - timedelta(days=days) if days > 0 else None

        return Cutoffs(back(self.callers_days), back(self.text_days), back(self.flags_days))


@dataclasses.dataclass(frozen=True)
class Cutoffs:
    """Before when each kind of data goes (None: it is kept)."""

    callers: datetime | None
    text: datetime | None
    flags: datetime | None


@dataclasses.dataclass(frozen=True)
class RetentionReport(View):
    """What a pass did (or, ``dry_run``, would do): counts and incident numbers only."""

    dry_run: bool
    callers_before: datetime | None
    text_before: datetime | None
    flags_before: datetime | None
    incidents: tuple[str, ...] = ()
    calls: int = 0
    lines: int = 0
    flags: int = 0
    commands: int = 0

    @property
    def empty(self) -> bool:
        return not (self.incidents or self.calls or self.lines or self.flags
                    or self.commands)


@dataclasses.dataclass
class _Found:
    """What is due: call rows and log lines with their new values, flags, commands."""

    numbers: dict[int, str] = dataclasses.field(default_factory=dict)
    calls: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    lines: list[tuple[int, int, str]] = dataclasses.field(default_factory=list)  # id, inc, kind
    flags: list[int] = dataclasses.field(default_factory=list)
    commands: list[str] = dataclasses.field(default_factory=list)

    def report(self, cut: Cutoffs, *, dry_run: bool) -> RetentionReport:
        touched = {c["incident_id"] for c in self.calls} | {inc for _, inc, _ in self.lines}
        return RetentionReport(dry_run, cut.callers, cut.text, cut.flags,
                               tuple(sorted(self.numbers[i] for i in touched)),
                               len(self.calls), len(self.lines), len(self.flags),
                               len(self.commands))


def _pseudonym(value: str, *, number: bool) -> str:
    """The value a caller's field takes; the value itself when it names no one."""
    if not value or value == REMOVED:
        return value
    if number:
        caller = phone.stored(value)
        if not caller.known or caller.short:
            return value
    return REMOVED


def _personal_line(kind: str, template: str | None, fields: Any) -> bool:
    if template == LINE_REMOVED:
        return False
    if template is None or kind in CALLER_KINDS:
        return True
    return isinstance(fields, dict) and bool(PERSONAL_FIELDS & set(fields))


def _closed_before(session: Session, when: datetime) -> dict[int, str]:
    rows = session.execute(select(Incident.id, Incident.number).where(
        Incident.state == "closed", Incident.closed_at.is_not(None),
        Incident.closed_at < when))
    return {int(i): str(n) for i, n in rows}


def find(session: Session, cut: Cutoffs) -> _Found:
    """Everything the cut-offs make due and that is not pseudonymised yet (read only)."""
    found = _Found()
    callers = _closed_before(session, cut.callers) if cut.callers else {}
    text = _closed_before(session, cut.text) if cut.text else {}
    found.numbers = {**callers, **text}
    if callers:
        for row in session.execute(select(Call.id, Call.incident_id, Call.caller_number,
                                          Call.caller_name, Call.callback_number)
                                   .where(Call.incident_id.in_(callers)).order_by(Call.id)):
            new = {"call_id": row.id, "incident_id": row.incident_id,
                   "number": _pseudonym(row.caller_number, number=True),
                   "name": _pseudonym(row.caller_name, number=False),
                   "callback": _pseudonym(row.callback_number, number=True)}
            if (new["number"], new["name"], new["callback"]) != (
                    row.caller_number, row.caller_name, row.callback_number):
                found.calls.append(new)
    wanted = set(callers) | set(text)
    if wanted:
        for row in session.execute(select(LogEntry.id, LogEntry.incident_id, LogEntry.kind,
                                          LogEntry.template, LogEntry.fields)
                                   .where(LogEntry.incident_id.in_(wanted))
                                   .order_by(LogEntry.id)):
            due = callers if row.kind in CALLER_KINDS else text
            if row.incident_id in due and _personal_line(row.kind, row.template, row.fields):
                found.lines.append((int(row.id), int(row.incident_id), str(row.kind)))
    if cut.flags:
        found.flags = [int(i) for i in session.execute(
            select(CallerFlag.id).where(CallerFlag.created_at < cut.flags)).scalars()]
    if cut.callers:
        found.commands = [str(i) for i in session.execute(
            select(CommandRecord.command_id).where(
                CommandRecord.at < cut.callers, CommandRecord.result.is_not(None),
                or_(*(CommandRecord.name.startswith(p) for p in COMMANDS_WITH_CALLERS)))
            .order_by(CommandRecord.command_id)).scalars()]
    return found


def plan(core: Meldkamer, cut: Cutoffs) -> RetentionReport:
    """What a pass with these cut-offs would do, writing nothing (``--dry-run``)."""
    with core.store.read() as session:
        return find(session, cut).report(cut, dry_run=True)


_SET_CALL = (update(Call).where(Call.id == bindparam("call_id"))
             .values(caller_number=bindparam("number"), caller_name=bindparam("name"),
                     callback_number=bindparam("callback")))
_SET_LINE = (update(LogEntry).where(LogEntry.id == bindparam("line_id"))
             .values(text=bindparam("new_text"), template=LINE_REMOVED, fields=None))


@writes(RunRetention)
def run(core: Meldkamer, callers_before: datetime | None = None,
        text_before: datetime | None = None,
        flags_before: datetime | None = None) -> RetentionReport:
    """Pseudonymise what the cut-offs make due, in one transaction, audited by counts."""
    cut = Cutoffs(callers_before, text_before, flags_before)
    with core.transaction() as tx:
        session = tx.session
        tx.head = audit.read_head(session)  # the head's lock first: passes run one by one
        found = find(session, cut)
        result = found.report(cut, dry_run=False)
        if result.empty:
            return result
        per_incident: dict[int, list[int]] = {}
        for call in found.calls:
            per_incident.setdefault(call["incident_id"], [0, 0])[0] += 1
        for _line, inc, _kind in found.lines:
            per_incident.setdefault(inc, [0, 0])[1] += 1
        for inc, (calls, lines) in sorted(per_incident.items()):
            tx.audit("incident.pseudonymise", "incident", found.numbers[inc], calls=calls,
                     lines=lines)
        for line, inc, kind in found.lines:
            tx.audit("log.pseudonymise", "log_entry", str(line), incident=found.numbers[inc],
                     kind=kind)
        tx.insert_audit_now()  # the trigger lets a line change only after its event
        conn = session.connection()  # Core statements: no ORM object holds these rows
        if found.lines:
            conn.execute(_SET_LINE, [{"line_id": line, "new_text": LINE_REMOVED}
                                        for line, _inc, _kind in found.lines])
            audit_rows.added_lines(session, (line for line, _inc, _kind in found.lines))
        if found.calls:
            conn.execute(_SET_CALL, found.calls)
        audit_rows.touch(session, per_incident)  # their calls' new digests
        if found.flags:
            conn.execute(delete(CallerFlag).where(CallerFlag.id.in_(found.flags)))
        if found.commands:
            conn.execute(update(CommandRecord)
                            .where(CommandRecord.command_id.in_(found.commands))
                            .values(result=None))
        tx.audit("retention.run", "retention", _day(cut), incidents=len(result.incidents),
                 calls=result.calls, lines=result.lines, flags=result.flags,
                 commands=result.commands,
                 before={k: v.isoformat() if v else None
                         for k, v in dataclasses.asdict(cut).items()})
    return result


def _day(cut: Cutoffs) -> str:
    first = min((t for t in (cut.callers, cut.text, cut.flags) if t is not None),
                default=None)
    return first.date().isoformat() if first is not None else ""


def run_policy(core: Meldkamer, policy: Policy, *, before: datetime | None = None,
               dry_run: bool = False) -> RetentionReport:
    """The pass with the policy's cut-offs as of now (or ``before``): what it did or would."""
    cut = policy.cutoffs(core.clock(), before)
    found = plan(core, cut)
    if dry_run:
        return found
    if found.empty:  # nothing due: no command, so a daily pass that finds nothing writes nothing
        return dataclasses.replace(found, dry_run=False)
    return run(core, cut.callers, cut.text, cut.flags)


def daily_job(core: Meldkamer) -> RetentionReport:
    """The runtime's daily pass, as the system, with this workstation's policy."""
    from meldkamer import settings as st

    with core.acting(core.system("retention")):
        return run_policy(core, Policy.from_settings(st.Settings()))
