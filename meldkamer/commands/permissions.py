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
                   or diverting a unit committed to another incident; on a training
                   database also ``training.run``
trainer            the training channel and ``training.run`` (the trainer console,
                   ``scenario run`` and ``reset``); on a training database also all an
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

Another capability adds its commands with ``register`` (e.g. ``auth`` for users), with
what a person reads when refused ("close an incident"). A refusal is ``NotPermitted``
and names the role and that action, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable

from meldkamer.errors import NotPermitted
from meldkamer.i18n import N_, Text
from meldkamer.roles import ROLE_NAMES, Role

OVERRIDE_BUSY_UNIT = "override.busy_unit"
"""Not a command: the right to take a unit committed to another incident."""
TRAIN = "training.run"
"""Not a command: the right to run training (the trainer console, ``scenario run`` and
``scenario reset``): a trainer's, and on a training database a supervisor's."""

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

ACTIONS: dict[str, str] = {
    "incident.create": N_("create an incident"),
    "incident.locate": N_("change an incident's location"),
    "incident.classify": N_("classify an incident"),
    "incident.priority": N_("change an incident's priority"),
    "incident.note": N_("add a note to an incident"),
    "incident.log_message": N_("write in an incident's log"),
    "incident.attach_call": N_("attach a call to an incident"),
    "incident.duplicate": N_("mark an incident as a duplicate"),
    "incident.close": N_("close an incident"),
    "incident.dispatch": N_("dispatch a unit"),
    "incident.dispatch_turnout": N_("dispatch a turnout"),
    "incident.withdraw": N_("withdraw a unit"),
    "unit.status": N_("change a unit's status"),
    "unit.position": N_("set a unit's position"),
    "caller.flag": N_("flag a caller"),
    "alarm.raise": N_("raise an emergency"),
    "alarm.acknowledge": N_("acknowledge an emergency"),
    "attention.acknowledge": N_("acknowledge an attention flag"),
    "attention.note": N_("write an attention note"),
    "cap.store": N_("store a public warning"),
    "training.publish": N_("publish a training event"),
    "roster.import": N_("import the unit roster"),
    OVERRIDE_BUSY_UNIT: N_("take a unit committed to another incident"),
    TRAIN: N_("run a training"),
}
"""What a person reads for a command or right they are refused (English, translated when
shown); a command without one is named by its code."""

ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.OPERATOR: set(_INCIDENT_WORK),
    Role.SUPERVISOR: set(_INCIDENT_WORK | {OVERRIDE_BUSY_UNIT}),
    Role.TRAINER: set(_TRAINING | {TRAIN}),
    Role.TECHNICIAN: set(_TECHNICIAN),
    Role.ADMINISTRATOR: set(_REFERENCE),
}
TRAINING_EXTRA: dict[Role, set[str]] = {Role.TRAINER: set(_INCIDENT_WORK),
                                         Role.SUPERVISOR: {TRAIN}}
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


def register(name: str, roles: Iterable[Role], *, sources: Iterable[str] = (),
             action: str = "") -> None:
    """Let ``roles`` (and non-person ``sources``) execute the command or right ``name``;
    ``action`` (marked with ``N_``) is how a refusal names it."""
    if action:
        ACTIONS[name] = action
    for role in roles:
        ROLE_PERMISSIONS[Role(role)].add(name)
    for kind in sources:
        SOURCE_PERMISSIONS.setdefault(kind, set()).add(name)


def allows(role: Role, name: str, *, training: bool = False) -> bool:
    """True when a person with ``role`` may execute ``name`` (on a training database?)."""
    if name in ROLE_PERMISSIONS.get(role, ()):
        return True
    return training and name in TRAINING_EXTRA.get(role, ())


def action_text(name: str) -> Text | str:
    """A command or right as a refused person reads it (translated when shown)."""
    template = ACTIONS.get(name)
    return Text(template) if template else name


def role_text(role: Role) -> Text | str:
    """A role as people read it, translated when shown."""
    template = ROLE_NAMES.get(role)
    return Text(template) if template else str(role)


def check(role: Role, source_kind: str, name: str, *, training: bool = False) -> None:
    """Refuse (``NotPermitted``) a command its actor may not execute; the message names the
    role (or source) and what was refused."""
    if source_kind != "operator":
        if name not in SOURCE_PERMISSIONS.get(source_kind, ()):
            raise NotPermitted("a {source} may not {action} ({command}); nothing was changed",
                               source=source_kind, action=action_text(name), command=name)
        return
    if not allows(role, name, training=training):
        raise NotPermitted("the role {role} may not {action} ({command}); nothing was changed",
                           role=role_text(role), action=action_text(name), command=name)


def require(role: Role, source_kind: str, right: str, *, training: bool = False,
            what: object = "") -> None:
    """Refuse a right (``OVERRIDE_BUSY_UNIT``) the actor lacks; ``what`` says what needed it."""
    if source_kind != "operator":
        if right not in SOURCE_PERMISSIONS.get(source_kind, ()):
            raise NotPermitted("a {source} may not {action}: {what}; nothing was changed",
                               source=source_kind, action=action_text(right), what=what)
        return
    if not allows(role, right, training=training):
        raise NotPermitted("the role {role} may not {action}: {what}; a supervisor may. "
                           "Nothing was changed", role=role_text(role),
                           action=action_text(right), what=what)
