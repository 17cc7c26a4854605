"""The audit alarm as a command: a break found by the watch, stored for every workstation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meldkamer.commands import catalogue as c
from meldkamer.commands import permissions
from meldkamer.commands.base import writes
from meldkamer.events import AuditBroken

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

# Only the workstation's own watch raises the alarm: no person records (or fakes) a break.
permissions.register(c.RecordAuditBreak.name, (), sources=("system",))


@writes(c.RecordAuditBreak)
def record_break(core: Meldkamer, problem: str, first_broken: int = 0) -> int:
    """Store a break as an ``audit.broken`` event for every workstation's change feed."""
    with core.transaction() as tx:
        seq = tx.audit("audit.broken", "audit", str(first_broken), problem=problem)
        tx.publish(AuditBroken(seq=seq, problem=problem, workstation=core.workstation))
    return seq
