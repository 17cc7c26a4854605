"""The workstation runtime: one Qt-free object that owns everything that runs on its own.

A runtime owns the core, the change watcher, the radio links and an APScheduler
``BackgroundScheduler``, and starts and stops them in one order:

    start: core (opened by the caller) -> scheduler with its jobs -> radio links
    stop:  radio links (drain what they heard) -> scheduler (running jobs finish) -> core

The workstation window (``ui/app.py``) builds Qt on top of a started runtime; the CLI
runs the same runtime headless (``meldkamer serve``). Jobs publish events on the core's
bus and never touch widgets:

- ``changes``: the change-feed poll (other workstations' stored events). On PostgreSQL a
  listener (``meldkamer.services.listen``) runs the same poll at each notification; the
  job is then the fallback and runs every ``CHANGES_FALLBACK_S`` until the listener is down;
- ``unit-timers``: status timers, the flag at the threshold and the escalation at 1.5x;
- ``attention``: incidents that need the operator (no unit, last unit cleared, a unit
  overdue): a flag that rises or goes is published, and logged once as the system;
- ``checkpoint``: SQLite WAL checkpoints, so no operator's commit waits for one;
- ``prune-changes``: the change feed keeps a day;
- ``backup``: an online backup of the live SQLite database, with rotation
  (``meldkamer.store.backup``; the ``[backup]`` settings).
- ``retention``: once a day, the privacy pass on the live database
  (``meldkamer.services.retention``; the ``[retention]`` settings), as the system.

Later capabilities (scenario injects, backups, retention) add jobs with ``add_job``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from meldkamer.errors import MeldkamerError
from meldkamer.events import AttentionChanged, UnitTimerChanged
from meldkamer.services import trail_watch
from meldkamer.services.trail_watch import TrailWatch

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from meldkamer.core import Meldkamer
    from meldkamer.journal.outage import Prober
    from meldkamer.radio import GatewayConfig, RadioLink
    from meldkamer.services.changes import ChangeWatcher
    from meldkamer.services.listen import ChangeListener

log = logging.getLogger(__name__)
# APScheduler logs every run at INFO: four times a second is noise, not news.
logging.getLogger("apscheduler").setLevel(logging.WARNING)

CHANGES_INTERVAL_S = 0.25
CHANGES_FALLBACK_S = 5.0  # the poll while the PostgreSQL listener is live
TIMERS_INTERVAL_S = 2.0
ATTENTION_INTERVAL_S = 2.0
CHECKPOINT_INTERVAL_S = 1.0
PRUNE_INTERVAL_S = 3600.0
RETENTION_INTERVAL_S = 86_400.0  # daily; and once a minute after start (a daily restart)
RETENTION_FIRST_S = 60.0
FLAGGED = ("overdue", "escalated")


TRAINING_EXECUTOR = "training"
"""The scheduler's single-thread executor for a scenario's engine (``Engine.attach``)."""


class UnitTimers:
    """Follows every unit's status timer and publishes a change of its state.

    The state itself is core data (``timer_state`` on the stored status and time), so the
    board, ``unit list --json`` and other workstations show the same flags; this job only
    tells listeners when a flag appears, escalates or goes away.
    """

    def __init__(self, core: Meldkamer) -> None:
        self.core = core
        self.states: dict[str, tuple[str, str]] | None = None

    def check(self) -> list[UnitTimerChanged]:
        """Compare every unit's timer with the last check; publish and return the changes."""
        now = self.core.clock()
        units = self.core.units.list_units()
        current = {u.callsign: (u.status, u.timer) for u in units}
        first = self.states is None
        previous = self.states or {}
        self.states = current
        if first:  # what was already flagged at start is on the board, not news
            return []
        changed: list[UnitTimerChanged] = []
        for unit in units:
            key = current[unit.callsign]
            before = previous.get(unit.callsign, (unit.status, "none"))
            if before == key or (before[1] not in FLAGGED and key[1] not in FLAGGED):
                continue  # nothing flagged before or now: not news
            minutes = (now - unit.status_since).total_seconds() / 60
            event = UnitTimerChanged(seq=0, callsign=unit.callsign, status=unit.status,
                                     state=unit.timer, minutes=round(minutes, 1))
            changed.append(event)
            self.core.bus.publish(event)
        return changed


class AttentionWatch:
    """Follows every open incident's attention flags and publishes a change of them.

    The flags are core data (``meldkamer.domain.attention`` on stored times and the core's
    clock), so the list, ``incident list --json`` and every workstation agree; this job
    makes them rise without anyone touching the incident. Each workstation runs it and
    publishes locally; the first workstation to see a flag rise logs it, as the system
    (``AttentionService.note``, once however many watch).
    """

    def __init__(self, core: Meldkamer) -> None:
        self.core = core
        self.states: dict[str, tuple[str, ...]] | None = None

    def check(self) -> list[AttentionChanged]:
        """Compare every open incident's flags with the last check; publish the changes."""
        watched = self.core.attention.watch()
        for w in watched:
            if w.unlogged:
                try:
                    self.core.attention.note(w.number)
                except MeldkamerError as exc:  # closed or changed meanwhile: next time
                    log.info("attention: %s: %s", w.number, exc)
        current = {w.number: w.codes for w in watched if w.codes}
        first = self.states is None
        previous = self.states or {}
        self.states = current
        if first:  # what was flagged at start is in the list already, not news
            return []
        changed = [AttentionChanged(seq=0, number=n, codes=current.get(n, ()))
                   for n in sorted(previous.keys() | current.keys())
                   if previous.get(n, ()) != current.get(n, ())]
        for event in changed:
            self.core.bus.publish(event)
        return changed


class Runtime:
    """One workstation's running parts, started and stopped in order."""

    def __init__(self, core: Meldkamer, gateways: list[GatewayConfig] | None = None, *,
                 watch: bool = True, journal: bool = False) -> None:
        self.core = core
        self.gateway_configs = list(gateways or [])
        self.watch = watch
        # The outage journal (the operator's workstation): kept commands wait in it while
        # the database is away, and a prober replays them once it is back.
        self.journal = journal
        self.scheduler: BackgroundScheduler | None = None
        self.watcher: ChangeWatcher | None = None
        self.listener: ChangeListener | None = None
        self.radio: RadioLink | None = None
        self.prober: Prober | None = None
        self.timers = UnitTimers(core)
        self.attention = AttentionWatch(core)
        self.trail = TrailWatch(core)
        self.started = False
        self._lock = threading.Lock()

    @classmethod
    def open(cls, db: str | None = None, *, user: str | None = None, training: bool = False,
             gateways: list[GatewayConfig] | None = None, watch: bool = True) -> Runtime:
        """Open the core on a database; start it with ``start()``."""
        from meldkamer.core import Meldkamer

        return cls(Meldkamer.open(db, user=user, training=training), gateways, watch=watch)

    # -- start and stop ----------------------------------------------------------------

    def start(self) -> Runtime:
        """Start the scheduler and its jobs, then the radio links."""
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        from meldkamer.services.changes import ChangeWatcher

        with self._lock:
            if self.started:
                return self
            self.scheduler = BackgroundScheduler(
                timezone="UTC",
                # A scenario's engine runs on one thread of its own: the intake sessions
                # its listeners drive belong to the thread that made them.
                executors={"default": ThreadPoolExecutor(10),
                           TRAINING_EXECUTOR: ThreadPoolExecutor(1)},
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
            )
            if self.watch:
                self.watcher = ChangeWatcher(self.core)
                self.add_job(self.watcher.poll, "changes", seconds=CHANGES_INTERVAL_S)
                self.add_job(self._prune, "prune-changes", seconds=PRUNE_INTERVAL_S)
            self.timers.check()  # the starting point: what is flagged already
            self.add_job(self.timers.check, "unit-timers", seconds=TIMERS_INTERVAL_S)
            self.attention.check()
            self.add_job(self.attention.check, "attention", seconds=ATTENTION_INTERVAL_S)
            self.trail.start()  # the whole trail verified, the head checkpointed
            self.add_job(self.trail.tick, "audit-checkpoint",
                         seconds=trail_watch.CHECKPOINT_INTERVAL_S)
            self.add_job(self.trail.check, "audit-verify", seconds=trail_watch.VERIFY_INTERVAL_S)
            if self.core.store.dialect == "sqlite":
                self.add_job(lambda: self.core.store.checkpoint("PASSIVE"), "checkpoint",
                             seconds=CHECKPOINT_INTERVAL_S)
                self._schedule_backups()
            if not self.core.training:
                self.add_job(self._retention, "retention", seconds=RETENTION_INTERVAL_S)
                self.add_job(self._retention, "retention-start",
                             run_date=datetime.now(UTC) + timedelta(seconds=RETENTION_FIRST_S))
            self.scheduler.start()
            if self.watcher is not None and self.core.store.dialect == "postgresql":
                from meldkamer.services.listen import ChangeListener

                self.listener = ChangeListener(self.core.store.url, self.watcher.poll,
                                               on_state=self._listening,
                                               timeouts=self.core.store.timeouts).start()
            if self.journal and not self.core.training:
                self._start_journal()
            if self.gateway_configs:
                from meldkamer.radio import RadioLink

                self.radio = RadioLink(self.core, self.gateway_configs).start()
            self.started = True
        return self

    def add_job(self, fn: Callable[[], Any], job_id: str, *, seconds: float | None = None,
                run_date: datetime | None = None, executor: str = "default") -> None:
        """Run ``fn`` every ``seconds`` (or once at ``run_date``) on the scheduler.

        ``executor``: "default" (a pool of threads) or ``TRAINING_EXECUTOR`` (one thread,
        always the same: for a job whose work must stay on one thread).

        A job that fails is logged and runs again at its next time: a database that is
        briefly unreachable must not stop the clock.
        """
        if self.scheduler is None:
            raise RuntimeError("the runtime's scheduler is not running; call start() first")
        job = _guarded(fn, job_id)
        if run_date is not None:
            self.scheduler.add_job(job, "date", id=job_id, run_date=run_date,
                                   replace_existing=True, executor=executor)
        else:
            self.scheduler.add_job(job, "interval", id=job_id, seconds=seconds,
                                   replace_existing=True, executor=executor)

    def job_ids(self) -> list[str]:
        """The scheduled jobs, for diagnostics and tests."""
        return sorted(j.id for j in self.scheduler.get_jobs()) if self.scheduler else []

    def stop(self) -> bool:
        """Stop radio, then scheduler, then close the core.

        Returns False when a radio worker did not finish in time; the store then stays
        open rather than being pulled from under a write in progress.
        """
        with self._lock:
            radio_done = self.radio.stop() if self.radio is not None else True
            self.radio = None
            if self.listener is not None:
                self.listener.stop()
                self.listener = None
            if self.prober is not None:
                self.prober.stop()
                self.prober = None
                outage, self.core.outage = self.core.outage, None
                if outage is not None:
                    outage.journal.close()  # what it holds waits for the next start
            if self.scheduler is not None:
                if self.scheduler.running:
                    self.scheduler.shutdown(wait=True)
                self.scheduler = None
            self.started = False
            if radio_done:
                self.core.close()
            return radio_done

    def __enter__(self) -> Runtime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start_journal(self) -> None:
        """Keep calls in the outage journal while the database is away; probe and replay."""
        from meldkamer.journal.outage import Outage, Prober

        outage = self.core.outage or Outage.attach(self.core)
        self.prober = Prober(outage).start()
        outage.on_down = self.prober.wake
        if outage.down:
            self.prober.wake()  # a journal left from before: replay it first

    def _listening(self, live: bool) -> None:
        """The listener went live or down: the poll slows to a fallback, or speeds up."""
        scheduler = self.scheduler
        if scheduler is None or scheduler.get_job("changes") is None:
            return
        scheduler.reschedule_job("changes", trigger="interval",
                                 seconds=CHANGES_FALLBACK_S if live else CHANGES_INTERVAL_S)

    def _schedule_backups(self) -> None:
        """Back the live SQLite database up on the clock (not training: it is replayable)."""
        from meldkamer import settings as st
        from meldkamer.store.backup import BackupJob

        values = st.Settings()
        minutes = values.get(st.BACKUP_INTERVAL)
        path = self.core.store.path
        if path is None or minutes <= 0 or self.core.training:
            return
        job = BackupJob(path, hourly=values.get(st.BACKUP_KEEP_HOURLY),
                        daily=values.get(st.BACKUP_KEEP_DAILY))
        self.add_job(job.run, "backup", seconds=minutes * 60.0)

    def _retention(self) -> None:
        from meldkamer.services.retention import daily_job

        daily_job(self.core)

    def _prune(self) -> None:
        from meldkamer.services.changes import prune

        prune(self.core)


def _guarded(fn: Callable[[], Any], job_id: str) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except MeldkamerError as exc:  # the database briefly unreachable: next time
            log.warning("%s: %s", job_id, exc)
        except Exception:
            log.exception("scheduled job %s failed", job_id)

    run.__name__ = job_id
    return run
