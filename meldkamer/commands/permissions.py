"""Who may execute which command: the permission table, in one place.

=================  =============================================================
role               may execute
=================  =============================================================
operator           incident work (create, locate, classify, priority, notes,
                   calls, duplicates, close), dispatch and withdraw, unit status
                   and a unit's position fixed by hand,
                   alarms and attention, caller flags, CAP warnings, the
                   trainee's training events
supervisor         all an operator may, plus ``override.busy_unit``: dispatching
                   or diverting a unit committed to another incident
trainer            the training channel; on a training database also all an
                   operator may
technician         unit positions, radio-side work (radio lines, alarms raised by
                   a radio); no incident closing and no dispatch
administrator      reference data (``roster.import``) and users (``auth``
                   registers those)
=================  =============================================================

A command whose source is not a person (``Source.kind``) is checked against what that
source may do, not the person on duty: a radio or the simulator sends unit status,
position, emergencies and text; the system's own jobs run timers (unit status),
attention notes, SDS log lines and training events; a scenario (training, the demo
shift) plays whatever an operator and a trainer may, and loads the demo roster.

Another capability adds its commands with ``register`` (e.g. ``auth`` for users).
"""

from __future__ import annotations

from collections.abc import Iterable

from meldkamer.errors import Refused
from meldkamer.roles import Role

OVERRIDE_BUSY_UNIT = "override.busy_unit"
"""Not a command: the right to take a unit committed to another incident."""

_INCIDENT_WORK = frozenset({
    "incident.create", "incident.locate", "incident.classify", "incident.priority",
    "incident.note", "incident.log_message", "incident.attach_call", "incident.duplicate",
    "incident.close", "incident.dispatch", "incident.dispatch_turnout", "incident.withdraw",
    "unit.status", "unit.position", "caller.flag", "alarm.raise", "alarm.acknowledge",
    "attention.acknowledge", "attention.note", "cap.store", "training.publish",
})
_TECHNICIAN = frozenset({"unit.position", "unit.status", "alarm.raise", "incident.log_message"})
_TRAINING = frozenset({"training.publish"})
_REFERENCE = frozenset({"roster.import"})

ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.OPERATOR: set(_INCIDENT_WORK),
    Role.SUPERVISOR: set(_INCIDENT_WORK | {OVERRIDE_BUSY_UNIT}),
    Role.TRAINER: set(_TRAINING),
    Role.TECHNICIAN: set(_TECHNICIAN),
    Role.ADMINISTRATOR: set(_REFERENCE),
}
TRAINING_EXTRA: dict[Role, set[str]] = {Role.TRAINER: set(_INCIDENT_WORK)}
"""What a role may do on a training database only, on top of ``ROLE_PERMISSIONS``."""

_RADIO = {"unit.status", "unit.position", "alarm.raise", "incident.note",
          "incident.log_message"}
SOURCE_PERMISSIONS: dict[str, set[str]] = {
    "radio": set(_RADIO),
    "simulator": set(_RADIO),
    "system": {"unit.status", "attention.note", "incident.log_message", "incident.note",
               "training.publish"},
    "scenario": set(_INCIDENT_WORK | _TRAINING | {"unit.position", "roster.import",
                                                   OVERRIDE_BUSY_UNIT}),
}


def register(name: str, roles: Iterable[Role], *, sources: Iterable[str] = ()) -> None:
    """Let ``roles`` (and non-person ``sources``) execute the command or right ``name``."""
    for role in roles:
        ROLE_PERMISSIONS[Role(role)].add(name)
    for kind in sources:
        SOURCE_PERMISSIONS.setdefault(kind, set()).add(name)


def allows(role: Role, name: str, *, training: bool = False) -> bool:
    """True when a person with ``role`` may execute ``name`` (on a training database?)."""
    if name in ROLE_PERMISSIONS.get(role, ()):
        return True
    return training and name in TRAINING_EXTRA.get(role, ())


def check(role: Role, source_kind: str, name: str, *, training: bool = False) -> None:
    """Refuse (``Refused``) a command its actor may not execute; the message names both."""
    if source_kind != "operator":
        if name not in SOURCE_PERMISSIONS.get(source_kind, ()):
            raise Refused("a {source} may not do {action}", source=source_kind, action=name)
        return
    if not allows(role, name, training=training):
        raise Refused("the role {role} may not do {action}", role=role.value, action=name)


def require(role: Role, source_kind: str, right: str, *, training: bool = False,
            what: object = "") -> None:
    """Refuse a right (``OVERRIDE_BUSY_UNIT``) the actor lacks; ``what`` says what needed it."""
    if source_kind != "operator":
        if right not in SOURCE_PERMISSIONS.get(source_kind, ()):
            raise Refused("a {source} may not do {action}: {what}", source=source_kind,
                          action=right, what=what)
        return
    if not allows(role, right, training=training):
        raise Refused("the role {role} may not do {action}: {what}; a supervisor may",
                      role=role.value, action=right, what=what)
