"""The journal outlives a killed process, and a locked SQLite store is journaled the same."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.journal.outage import Outage, backoff
from meldkamer.journal.store import JournalFile
from meldkamer.store import db
from meldkamer.store.db import Store
from tests.meldkamer.journal.test_outage import counts, take_call
from tests.tcpproxy import TcpProxy

CHILD = textwrap.dedent("""
    import sys, time
    from meldkamer.core import Meldkamer
    from meldkamer.domain.reference import load_reference
    from meldkamer.journal.outage import Outage
    from meldkamer.journal.store import JournalFile
    from meldkamer.store.db import Store, Timeouts
    from tests.meldkamer.journal.test_outage import take_call

    url, journal = sys.argv[1], sys.argv[2]
    core = Meldkamer(Store(url, timeouts=Timeouts()), load_reference(None), user="tester")
    outage = Outage.attach(core, JournalFile(__import__("pathlib").Path(journal)))
    print("ready", flush=True)
    sys.stdin.readline()  # the parent cuts the network now
    print(take_call(core), flush=True)
    time.sleep(600)  # killed here: journaled, never replayed
""")


@pytest.mark.postgres
def test_the_journal_survives_sigkill_before_replay(pg_url: str, pg_proxy: TcpProxy,
                                                    ref: Reference, tmp_path: Path) -> None:
    path = tmp_path / "journal" / "journal.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, pg_proxy.url(pg_url), str(path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "ready"
        pg_proxy.set_mode("refuse")
        child.stdin.write("\n")
        child.stdin.flush()
        provisional = child.stdout.readline().strip()
        assert "-P0" in provisional
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert (path.stat().st_mode & 0o777) == 0o600
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    before = counts(pg_url)
    core = Meldkamer(Store(pg_url), ref, user="tester")
    journal = JournalFile(path)
    try:
        outage = Outage.attach(core, journal)
        assert outage.down and journal.count("pending") == 3  # nothing lost in the kill
        assert outage.probe()
        after = counts(pg_url)
        assert after["incidents"] == before["incidents"] + 1
        assert after["commands"] == before["commands"] + 4
        assert journal.real_number(provisional) is not None
    finally:
        journal.close()
        core.close()


def test_a_locked_sqlite_store_is_journaled_then_replayed(
        sqlite_url: str, ref: Reference, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from meldkamer.demo import load_demo

    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.3)  # another program holds the file
    core = Meldkamer(Store(sqlite_url), ref, user="tester")
    load_demo(core, incidents=False)
    journal = JournalFile(tmp_path / "journal.sqlite3")
    outage = Outage.attach(core, journal)
    holder = sqlite3.connect(sqlite_url, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        number = take_call(core)
        assert "-P0" in number and outage.down
        assert journal.count("pending") == 3
        assert not outage.probe() and journal.count("pending") == 3  # still locked: kept
        holder.execute("ROLLBACK")
        assert outage.probe()
        assert journal.count("replayed") == 3
        real = journal.real_number(number)
        assert real is not None
        assert core.incidents.get(real).classification == "BR.GEB.WON"
    finally:
        holder.close()
        journal.close()
        core.close()


def test_the_probe_backs_off_to_thirty_seconds() -> None:
    assert [backoff(n) for n in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_the_journal_has_a_version_and_refuses_another(tmp_path: Path) -> None:
    from meldkamer.errors import StoreError

    path = tmp_path / "j.sqlite3"
    JournalFile(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 99"):
        JournalFile(path)


def test_the_runtime_probes_and_replays_once_the_store_is_back(
        sqlite_url: str, ref: Reference, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from meldkamer.runtime import Runtime

    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.3)
    core = Meldkamer(Store(sqlite_url), ref, user="tester")
    runtime = Runtime(core, watch=False, journal=True).start()
    try:
        assert runtime.prober is not None and core.outage is not None
        holder = sqlite3.connect(sqlite_url, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        number = core.incidents.create(caller_number="717 1234", island="BO").number
        assert "-P0" in number and core.outage.down
        holder.execute("ROLLBACK")
        holder.close()
        deadline = time.monotonic() + 15  # the first probe comes after 1 s
        while core.outage.journal.count("replayed") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert core.outage.journal.real_number(number) is not None
        assert not core.outage.down
    finally:
        runtime.stop()
    assert core.outage is None  # the journal is closed with the runtime
