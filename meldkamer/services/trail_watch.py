"""Keeping watch over the audit trail: checkpoints of its head and verification on a clock.

The runtime verifies the whole trail at start and writes a checkpoint, then writes one on
a schedule and verifies cheaply (from the last checkpoint it verified) every hour. A break
is stored as an ``audit.broken`` event, so the change feed raises the alarm on every
workstation, and published here at once.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from meldkamer.domain.views import AuditReport
from meldkamer.errors import MeldkamerError
from meldkamer.events import AuditBroken
from meldkamer.services import anchors, audit
from meldkamer.store.models import AuditHead

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL_S = 300.0
VERIFY_INTERVAL_S = 3600.0


def _write(core: Meldkamer, facts: dict[str, str], head: audit.Head, reason: str) -> bool:
    return anchors.append(facts.get("audit_chain_id", ""), seq=head[0], digest=head[1],
                          workstation=core.workstation,
                          keyed_from=audit.keyed_from(facts), reason=reason)


def checkpoint_after_commit(core: Meldkamer, session: Session, head: audit.Head) -> None:
    """Checkpoint ``head`` once the transaction that wrote it has committed."""
    facts = audit.facts(session)

    def written(_session: Session) -> None:
        try:
            _write(core, facts, head, "events")
        except (OSError, MeldkamerError) as exc:  # the commit stands; the next one retries
            log.warning("audit checkpoint not written: %s", exc)

    event.listen(session, "after_commit", written, once=True)


def checkpoint(core: Meldkamer, reason: str = "schedule") -> audit.Head:
    """Checkpoint the committed head now (at start, on the schedule)."""
    with core.store.read() as session:
        facts = audit.facts(session)
        head = session.execute(select(AuditHead.seq, AuditHead.hash)
                               .where(AuditHead.id == 1)).one()
    point = (int(head[0]), str(head[1]))
    _write(core, facts, point, reason)
    return point


class TrailWatch:
    """The runtime's watch: verify at start and on the clock, checkpoint, raise the alarm."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core
        self.verified: audit.Head | None = None  # the last head verified good
        self.broken: AuditReport | None = None
        self._lock = threading.Lock()

    def start(self) -> AuditReport:
        """Verify the whole trail (with replay), then checkpoint the head."""
        report = self.core.verify_audit()
        self._after(report, checkpoint(self.core, "start"))
        return report

    def tick(self) -> None:
        """The scheduled checkpoint."""
        checkpoint(self.core)

    def check(self) -> AuditReport:
        """The scheduled, cheap verify: from the last head verified good."""
        head = checkpoint(self.core)
        with self.core.store.read() as session:
            report = audit.verify(session, since=self.verified)
        self._after(report, head)
        return report

    def _after(self, report: AuditReport, head: audit.Head) -> None:
        with self._lock:
            if report.ok:
                self.verified = head
                return
            first_time = self.broken is None or self.broken.problem != report.problem
            self.broken = report
        if first_time:
            self.alarm(report)

    def alarm(self, report: AuditReport) -> None:
        """Store the break for every workstation's change feed, and tell this one now."""
        local = AuditBroken(seq=0, problem=report.problem, workstation=self.core.workstation)
        try:
            from meldkamer.services.trail_alarm import record_break

            with self.core.acting(self.core.system("audit")):
                record_break(self.core, report.problem, report.first_broken or 0)
        except Exception:
            log.exception("audit break not stored")
            self.core.bus.publish(local)
