"""The incident store's tables, as SQLAlchemy 2 typed ORM classes.

Times are stored in UTC. Incidents and units carry a version column: a write based on
an outdated read is refused as a conflict, never applied over someone else's change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import JSON, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every dialect (SQLite stores it naive, as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for all tables."""


class Station(Base):
    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    discipline: Mapped[str] = mapped_column(String(20))
    island: Mapped[str] = mapped_column(String(2))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    callsign: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    discipline: Mapped[str] = mapped_column(String(20))
    capabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    island: Mapped[str] = mapped_column(String(2), index=True)
    issi: Mapped[int | None] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(30))
    status_since: Mapped[datetime] = mapped_column(UTCDateTime)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    position_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    station: Mapped[Station | None] = relationship()
    incident: Mapped[Incident | None] = relationship(foreign_keys=[incident_id])

    __mapper_args__ = {"version_id_col": version}


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    island: Mapped[str] = mapped_column(String(2))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="open")
    location_state: Mapped[str] = mapped_column(String(10), default="unknown")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(200), default="")
    classification: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(Integer, default=3)
    urgency: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disposition: Mapped[str | None] = mapped_column(String(20))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    created_by: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Attention (meldkamer.domain.attention): when each flag was last acknowledged, and
    # the onset of each flag's rise the system last logged (services.attention._stamp; so
    # a flag is logged once, not by every workstation). Written without a version bump:
    # neither is an edit of the incident.
    unattended_ack_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_ack_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attention_noted: Mapped[str] = mapped_column(String(40), default="",
                                                 server_default="")

    calls: Mapped[list[Call]] = relationship(back_populates="incident", order_by="Call.id")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="incident", order_by="Assignment.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_incident_state", "state"),
        Index("ix_incident_lat_lon", "lat", "lon"),
        Index("ix_incident_created_at", "created_at"),
    )


class IncidentCounter(Base):
    """The last incident number handed out per island and year."""

    __tablename__ = "incident_counter"

    island: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Call(Base):
    __tablename__ = "call"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    caller_number: Mapped[str] = mapped_column(String(40), index=True)
    caller_name: Mapped[str] = mapped_column(String(200), default="")
    callback_number: Mapped[str] = mapped_column(String(40), default="")
    taken_by: Mapped[str] = mapped_column(String(60))

    incident: Mapped[Incident] = relationship(back_populates="calls")


class Assignment(Base):
    """A unit dispatched to an incident, from dispatch until it is cleared."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_by: Mapped[str] = mapped_column(String(60))
    override_reason: Mapped[str] = mapped_column(String(500), default="")

    incident: Mapped[Incident] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship()

    # Open assignments of a unit (clearing it) without scanning its history. A plain
    # index: a partial one's postgresql_where would load the PostgreSQL dialect (0006).
    __table_args__ = (Index("ix_assignment_unit_cleared", "unit_id", "cleared_at"),)


class UnitStatusChange(Base):
    """Every status a unit went through, with the incident it belonged to."""

    __tablename__ = "unit_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(20), default="operator")
    reason: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (Index("ix_unit_status_change_unit", "unit_id", "id"),)


class IncidentResponse(Base):
    """When an incident's first call was taken, and its first unit of a discipline was
    dispatched and on scene: what the response-time figures read (meldkamer.reports.kpi).

    One row per incident and discipline dispatched to it, kept by the transaction that
    writes the status history (``Tx.write_history``); backfilled by migration 0009.
    """

    __tablename__ = "incident_response"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), primary_key=True)
    discipline: Mapped[str] = mapped_column(String(20), primary_key=True)
    call_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The intervals in seconds (NULL while a time is missing), written with the times:
    # the figures sort and count these without parsing a date per row.
    processing_seconds: Mapped[float | None] = mapped_column(Float)
    travel_seconds: Mapped[float | None] = mapped_column(Float)
    total_seconds: Mapped[float | None] = mapped_column(Float)

    # Stored in its key's order on SQLite: the figures read it by incident id.
    __table_args__ = {"sqlite_with_rowid": False}


class LogEntry(Base):
    """One line of an incident's log; notes are log entries of kind 'note'."""

    __tablename__ = "log_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    # The English rendering (what full-text search reads); lines written by the system
    # also keep their template and fields, so they are shown in the reader's language.
    text: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(Text, default=None)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True),
                                                         default=None)
    # Who or what wrote it (meldkamer.domain.source): operator, radio, simulator, scenario
    # or system, and which one ("P-101 (ISSI 2111001)"). NULL on lines written before
    # sources were recorded (migration 0008): those show their user, as they always did.
    source_kind: Mapped[str | None] = mapped_column(String(20), default=None)
    source_detail: Mapped[str | None] = mapped_column(String(120), default=None)


class AuditEvent(Base):
    """Append-only, hash-chained record of every change; also the change feed."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(20))
    entity_key: Mapped[str] = mapped_column(String(40))
    data: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    # Records kept as audit events (CAP alerts) are read by their entity (0010).
    __table_args__ = (Index("ix_audit_event_entity", "entity", "seq"),)


class AuditHead(Base):
    """The single row holding the chain's last sequence number and hash."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class CallerFlag(Base):
    """Something the control room knows about a telephone number (a risk, a repeat caller)."""

    __tablename__ = "caller_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(60))


class Meta(Base):
    """Facts about the database itself, e.g. whether it is a training database."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Alarm(Base):
    """An emergency from a unit (button or LIP reason): open until an operator acknowledges."""

    __tablename__ = "alarm"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    issi: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(60))

    unit: Mapped[Unit | None] = relationship()


class ChangeEvent(Base):
    """A domain event a transaction published, stored with it for the other workstations.

    Ordered by the audit sequence of its transaction (handed out under the audit head's
    row lock, so in commit order on every database), then by id within the transaction.
    Pruned after a day by the runtime's scheduler: the change feed is live, not history.
    """

    __tablename__ = "change_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    origin: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (Index("ix_change_event_seq", "seq", "id"),)


class CommandRecord(Base):
    """A command that was executed, by its id (0011): a second execution returns ``result``.

    Written in the same transaction as the change the command made (``meldkamer.commands``).
    """

    __tablename__ = "command_record"

    command_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    user: Mapped[str] = mapped_column(String(60))
    workstation: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[Any | None] = mapped_column(JSON(none_as_null=True), default=None)

    __table_args__ = (Index("ix_command_record_seq", "seq"),)


class AppUser(Base):
    """A person who logs in (0012): a role and an argon2id password hash, never the password.

    Never deleted (the audit trail names them): ``active`` false ends their access.
    """

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class LoginToken(Base):
    """A CLI login (0012): the SHA-256 of the token in the user's 0600 file, and its expiry."""

    __tablename__ = "login_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(60))
    workstation: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_login_token_user_name", "user_name"),)
