"""The unit status state machine, driven by the transitions in statuses.toml."""

from __future__ import annotations

from datetime import datetime

from meldkamer.domain.reference import Reference, StatusDef
from meldkamer.errors import Refused
from meldkamer.i18n import Names


class AlreadyInStatus(Refused):
    """The unit already has the status asked for (a repeated radio press, a double click)."""


def check_transition(
    ref: Reference, current: str, target: str, *, via_dispatch: bool = False
) -> StatusDef:
    """Return the target status if the change is allowed, else raise Refused with the reason."""
    cur = ref.statuses[current]
    new = ref.status(target)
    if new.dispatch_only and not via_dispatch:
        raise Refused(
            "a unit becomes '{status}' only by being dispatched to an incident; "
            "use dispatch instead", status=new,
        )
    if new.code == cur.code and new.code not in cur.next:
        raise AlreadyInStatus("the unit already has status {status}", status=new)
    if new.code not in cur.next:
        allowed = Names(ref.statuses[c] for c in sorted(cur.next))
        raise Refused(
            "status change {current} -> {target} is not allowed; from {current} a unit "
            "may go to: {allowed}", current=cur, target=new, allowed=allowed,
        )
    return new


def overdue(ref: Reference, status: str, minutes_in_status: float) -> bool:
    """True when a unit has been in ``status`` longer than its timer threshold."""
    limit = ref.statuses[status].timer_minutes
    return limit > 0 and minutes_in_status > limit


# A status timer flags the unit at its threshold and escalates it to the operator's
# attention at this multiple of the threshold.
ESCALATE_FACTOR = 1.5
TIMER_STATES = ("none", "ok", "overdue", "escalated")


def timer_state(ref: Reference, status: str, since: datetime, now: datetime) -> str:
    """A unit's status timer: "none" (no timer on this status), "ok", "overdue", "escalated".

    One function for the scheduler's flags, the board, ``unit list --json`` and every
    workstation, so they all agree for the same stored status and clock.
    """
    limit = ref.statuses[status].timer_minutes
    if limit <= 0:
        return "none"
    minutes = (now - since).total_seconds() / 60
    if minutes > limit * ESCALATE_FACTOR:
        return "escalated"
    return "overdue" if minutes > limit else "ok"
