"""``meldkamer events``: the change feed printed, stored or live, from a second process."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from meldkamer.domain.reference import Reference
from tests.fixtures import open_core

ROOT = Path(__file__).resolve().parents[3]
ARRIVAL_S = 10.0  # "within a second" is measured in bench/; here: it arrives at all


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "meldkamer", "--db", url, *args],
                          capture_output=True, text=True, timeout=60, env=_env())


def read_line(stream: IO[str], timeout: float) -> str | None:
    """The next line a process prints, or None when none comes within ``timeout``."""
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            return None
        return stream.readline() or None
    finally:
        sel.close()


@contextmanager
def following(url: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    """``meldkamer events --follow --json`` as a second process, ready when it says so."""
    proc = subprocess.Popen([sys.executable, "-m", "meldkamer", "--db", url, "events",
                             "--follow", "--json", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())
    try:
        assert proc.stderr is not None
        started = read_line(proc.stderr, 30.0)
        assert started is not None and "following changes" in started, started
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _created_elsewhere(url: str, ref: Reference) -> tuple[str, float]:
    core = open_core(url, ref, user="operator-a")
    try:
        started = time.monotonic()
        number = core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                       classification="BZ.INB.WON").number
        return number, started
    finally:
        core.close()


def _await_incident(proc: subprocess.Popen[str], number: str) -> dict[str, object]:
    assert proc.stdout is not None
    deadline = time.monotonic() + ARRIVAL_S
    while time.monotonic() < deadline:
        line = read_line(proc.stdout, deadline - time.monotonic())
        if line is None:
            break
        event = json.loads(line)
        if event.get("number") == number:
            return dict(event)
    pytest.fail(f"{number} never reached the following process")


@pytest.mark.postgres
def test_follow_on_postgresql_prints_an_incident_created_by_another_process(
        pg_url: str, ref: Reference) -> None:
    with following(pg_url) as proc:
        number, started = _created_elsewhere(pg_url, ref)
        event = _await_incident(proc, number)
        latency = time.monotonic() - started
        assert event["type"] == "incident.changed" and event["action"] == "incident.create"
        print(f"change seen by another process (PostgreSQL LISTEN): {latency * 1000:.0f} ms")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0  # Ctrl+C: exit 0
        assert proc.stderr is not None
        assert "Traceback" not in proc.stderr.read()


def test_follow_on_sqlite_polls_the_file_of_another_process(sqlite_url: str,
                                                            ref: Reference) -> None:
    with following(sqlite_url) as proc:
        number, _ = _created_elsewhere(sqlite_url, ref)
        event = _await_incident(proc, number)
        assert event["seq"] and event["origin"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0


def test_without_follow_it_prints_what_is_stored_after_since(db_url: str,
                                                             ref: Reference) -> None:
    first, _ = _created_elsewhere(db_url, ref)
    second, _ = _created_elsewhere(db_url, ref)
    every = _cli(db_url, "events", "--json")
    assert every.returncode == 0, every.stderr
    rows = [json.loads(line) for line in every.stdout.splitlines()]
    assert [r["number"] for r in rows] == [first, second]
    after = _cli(db_url, "events", "--json", "--since", str(rows[0]["seq"]))
    assert [json.loads(line)["number"] for line in after.stdout.splitlines()] == [second]
    assert _cli(db_url, "events", "--since", "999999").stdout == ""  # nothing after it
    human = _cli(db_url, "events")
    assert f"incident.changed   number={second}" in human.stdout
    bad = _cli(db_url, "events", "--since", "x")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_a_closed_pipe_ends_follow_quietly(sqlite_url: str, ref: Reference) -> None:
    with following(sqlite_url) as proc:
        assert proc.stdout is not None
        proc.stdout.close()  # the reader (head, a script) went away
        _created_elsewhere(sqlite_url, ref)
        assert proc.wait(20) == 0
        assert proc.stderr is not None
        assert "Traceback" not in proc.stderr.read()
