"""Who may act: the roles of a control room and the person acting at a workstation.

A role is held by a user (``app_user``, migration 0012); the person logged in at a
workstation acts as an ``Actor``: their login, their role and the workstation's name. Every
command names its actor, and ``execute`` checks the actor's role before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from meldkamer.i18n import N_, tr


class Role(StrEnum):
    """The roles of a control room, as stored (lower case, English)."""

    OPERATOR = "operator"  # takes calls, dispatches, keeps the incident log
    SUPERVISOR = "supervisor"  # an operator who may also override (a busy unit elsewhere)
    TRAINER = "trainer"  # runs training scenarios on a training database
    TECHNICIAN = "technician"  # radio gateways, maps, backups; no incident work
    ADMINISTRATOR = "administrator"  # users and reference data


ROLES: tuple[Role, ...] = tuple(Role)

ROLE_NAMES = {
    Role.OPERATOR: N_("operator"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.TRAINER: N_("trainer"),
    Role.TECHNICIAN: N_("technician"),
    Role.ADMINISTRATOR: N_("administrator"),
}


def role_name(role: Role | str) -> str:
    """A role as people read it, in the current language."""
    try:
        return tr(ROLE_NAMES[Role(role)])
    except ValueError:
        return str(role)


@dataclass(frozen=True)
class Actor:
    """The person (or job) acting: login, role and the workstation they act from."""

    user: str
    role: Role
    workstation: str
