"""The unit status state machine, driven by the transitions in statuses.toml."""

from __future__ import annotations

from meldkamer.domain.reference import Reference, StatusDef
from meldkamer.errors import Refused


def check_transition(
    ref: Reference, current: str, target: str, *, via_dispatch: bool = False
) -> StatusDef:
    """Return the target status if the change is allowed, else raise Refused with the reason."""
    cur = ref.statuses[current]
    new = ref.status(target)
    if new.dispatch_only and not via_dispatch:
        raise Refused(
            f"a unit becomes '{new.code}' only by being dispatched to an incident; "
            "use dispatch instead"
        )
    if new.code not in cur.next:
        allowed = ", ".join(sorted(cur.next)) or "none"
        raise Refused(
            f"status change {cur.code} -> {new.code} is not allowed; from {cur.code} a unit "
            f"may go to: {allowed}"
        )
    return new


def overdue(ref: Reference, status: str, minutes_in_status: float) -> bool:
    """True when a unit has been in ``status`` longer than its timer threshold."""
    limit = ref.statuses[status].timer_minutes
    return limit > 0 and minutes_in_status > limit
