"""Every write action as a command class: its fields are the service method's parameters.

The handler of each is the service method decorated with ``writes`` (the module named in
its registration). The permission table is in ``meldkamer.commands.permissions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from meldkamer.commands.base import Command, command
from meldkamer.domain.views import ProposalSet

INCIDENTS = "meldkamer.services.incidents"
UNITS = "meldkamer.services.units"
DISPATCH = "meldkamer.services.dispatch"


@command("incident.create", INCIDENTS)
@dataclass(frozen=True, kw_only=True)
class CreateIncident(Command):
    """A new incident from a call, optionally located, classified and annotated."""

    caller_number: str | None = None
    caller_name: str = ""
    callback_number: str = ""
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    island: str | None = None
    classification: str | None = None
    priority: int | None = None
    priority_reason: str = ""
    urgency: str | None = None
    note: str = ""
    answers: dict[str, str] | None = None


@command("incident.locate", INCIDENTS)
@dataclass(frozen=True, kw_only=True)
class Locate(Command):
    """Set an incident's location (coordinates, an address or both)."""

    number: str
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    island: str | None = None
    expected_version: int | None = None


@command("incident.classify", INCIDENTS)
@dataclass(frozen=True, kw_only=True)
class Classify(Command):
    """Set an incident's class (and priority, urgency)."""

    number: str
    code: str
    priority: int | None = None
    reason: str = ""
    urgency: str | None = None
    expected_version: int | None = None


@command("incident.priority", INCIDENTS)
@dataclass(frozen=True, kw_only=True)
class ChangePriority(Command):
    """Change an incident's priority, with a reason."""

    number: str
    priority: int
    reason: str
    expected_version: int | None = None


@command("incident.note", INCIDENTS)
@dataclass(frozen=True, kw_only=True)
class AddNote(Command):
    """A free-text note (or radio line) in an incident's log."""

    number: str
    text: str
    kind: str = "note"


@command("incident.log_message", INCIDENTS)
@dataclass(frozen=True, kw_only=True)
class LogMessage(Command):
    """A line the system writes in an incident's log, as a template with fields."""

    number: str
    kind: str
    template: str
    fields: dict[str, Any]


@command("incident.attach_call", INCIDENTS)
@dataclass(frozen=True, kw_only=True)
class AttachCall(Command):
    """Another call about an existing incident."""

    number: str
    caller_number: str | None = None
    caller_name: str = ""
    callback_number: str = ""
    note: str = ""
    reported_address: str = ""
    classification: str | None = None
    answers: dict[str, str] | None = None


@command("incident.duplicate", INCIDENTS)
@dataclass(frozen=True, kw_only=True)
class MarkDuplicate(Command):
    """Close an incident as a duplicate of another."""

    number: str
    of: str


@command("incident.close", INCIDENTS)
@dataclass(frozen=True, kw_only=True)
class CloseIncident(Command):
    """Close an incident with a disposition."""

    number: str
    disposition: str
    note: str = ""


@command("incident.dispatch", DISPATCH)
@dataclass(frozen=True, kw_only=True)
class Dispatch(Command):
    """Assign units by callsign (a unit busy elsewhere needs a reason and a supervisor)."""

    number: str
    callsigns: list[str]
    override_reason: str = ""


@command("incident.dispatch_turnout", DISPATCH)
@dataclass(frozen=True, kw_only=True)
class DispatchTurnout(Command):
    """Dispatch an incident's whole turnout (diverts need a supervisor)."""

    number: str
    partial: bool = False
    divert: dict[str, str | list[str]] | None = None
    reason: str = ""
    confirmed: ProposalSet | None = None


@command("incident.withdraw", DISPATCH)
@dataclass(frozen=True, kw_only=True)
class Withdraw(Command):
    """Take a unit off an incident, with a reason."""

    number: str
    callsign: str
    reason: str


@command("unit.status", UNITS)
@dataclass(frozen=True, kw_only=True)
class SetUnitStatus(Command):
    """Change a unit's status."""

    callsign: str
    status: str
    reason: str = ""
    expected_version: int | None = None


@command("unit.position", UNITS)
@dataclass(frozen=True, kw_only=True)
class SetUnitPosition(Command):
    """Record where a unit is."""

    callsign: str
    lat: float
    lon: float


@command("roster.import", UNITS)
@dataclass(frozen=True, kw_only=True)
class ImportRoster(Command):
    """Add or update stations and units (reference data)."""

    data: dict[str, Any]
    demo: bool = False
    file: str = "roster"  # where the data came from, for messages


@command("caller.flag", "meldkamer.services.intake")
@dataclass(frozen=True, kw_only=True)
class FlagCaller(Command):
    """Mark a caller's number for every later call from it."""

    number: str
    kind: str
    note: str = ""


@command("alarm.raise", "meldkamer.services.alarms")
@dataclass(frozen=True, kw_only=True)
class RaiseAlarm(Command):
    """An emergency from a unit's radio (or an unknown radio)."""

    callsign: str | None
    kind: str
    lat: float | None = None
    lon: float | None = None
    issi: int | None = None


@command("alarm.acknowledge", "meldkamer.services.alarms")
@dataclass(frozen=True, kw_only=True)
class AcknowledgeAlarm(Command):
    """The operator has seen an emergency."""

    alarm_id: int


@command("attention.acknowledge", "meldkamer.services.attention")
@dataclass(frozen=True, kw_only=True)
class AcknowledgeAttention(Command):
    """The operator has seen an incident's attention flags."""

    number: str


@command("attention.note", "meldkamer.services.attention")
@dataclass(frozen=True, kw_only=True)
class NoteAttention(Command):
    """The system logs the attention flags raised since it last did."""

    number: str


@command("cap.store", "meldkamer.exchange.alerts")
@dataclass(frozen=True, kw_only=True)
class StoreAlert(Command):
    """Keep a CAP public warning (imported or exported) in the audit trail."""

    xml: str
    direction: str
    file: str | None = None


@command("training.publish", "meldkamer.training.channel")
@dataclass(frozen=True, kw_only=True)
class PublishTrainingEvent(Command):
    """Send a training channel event (clock, call, taken, progress, done)."""

    event_type: str
    payload: dict[str, Any]


@command("audit.broken", "meldkamer.services.trail_alarm")
@dataclass(frozen=True, kw_only=True)
class RecordAuditBreak(Command):
    """Tell every workstation that the audit trail failed verification (the alarm)."""

    problem: str
    first_broken: int = 0


@command("retention.run", "meldkamer.services.retention")
@dataclass(frozen=True, kw_only=True)
class RunRetention(Command):
    """Pseudonymise the personal data of incidents closed before the cut-offs (privacy)."""

    callers_before: datetime | None = None
    text_before: datetime | None = None
    flags_before: datetime | None = None
