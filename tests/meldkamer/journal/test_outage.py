"""The database cut mid-shift with the TCP proxy (refused, silent): journal, then replay once.

The shared server is never stopped; the proxy between the core and it fails instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.errors import OutcomeUnknown
from meldkamer.events import EventBus
from meldkamer.journal.outage import JournalChanged, Outage
from meldkamer.journal.store import JournalFile
from meldkamer.store.db import Store, Timeouts
from meldkamer.store.models import AuditEvent, CommandRecord, Incident, LogEntry
from tests.tcpproxy import TcpProxy

pytestmark = pytest.mark.postgres
BOUND_S = 20.0  # the store's deadline is 7 s; this is a bound, not a benchmark


@pytest.fixture
def proxied(pg_url: str, pg_proxy: TcpProxy, ref: Reference) -> Iterator[Meldkamer]:
    """A core on PostgreSQL reached only through the proxy, with the demo roster."""
    core = Meldkamer(Store(pg_proxy.url(pg_url), timeouts=Timeouts()), ref, user="tester",
                     bus=EventBus())
    load_demo(core, incidents=False)
    yield core
    core.close()


@pytest.fixture
def outage(proxied: Meldkamer, tmp_path: Path) -> Iterator[Outage]:
    found = Outage.attach(proxied, JournalFile(tmp_path / "journal" / "journal.sqlite3"))
    yield found
    found.journal.close()


def counts(url: str) -> dict[str, int]:
    store = Store(url)
    try:
        with store.read() as s:
            return {name: int(s.scalar(select(func.count()).select_from(model)) or 0)
                    for name, model in (("incidents", Incident), ("log", LogEntry),
                                        ("audit", AuditEvent), ("commands", CommandRecord))}
    finally:
        store.dispose()


def take_call(core: Meldkamer) -> str:
    """A call as an operator takes it: create, a note, a class."""
    number = core.incidents.create(caller_number="717 1234", island="BO").number
    core.incidents.add_note(number, "caller says the roof is on fire")
    core.incidents.classify(number, "BR.GEB.WON")
    return number


@pytest.mark.parametrize("cut", ["refuse", "silent"])
def test_calls_are_taken_during_the_cut_and_replayed_once(
        proxied: Meldkamer, outage: Outage, pg_proxy: TcpProxy, pg_url: str,
        cut: str) -> None:
    take_call(proxied)  # the shift is running
    before = counts(pg_url)
    seen: list[JournalChanged] = []
    proxied.bus.subscribe(lambda e: seen.append(e) if isinstance(e, JournalChanged) else None)
    pg_proxy.set_mode(cut)
    started = time.monotonic()
    first = take_call(proxied)
    second = take_call(proxied)
    assert time.monotonic() - started < BOUND_S  # only the first command waits at all
    assert first.startswith("BON-") and "-P0" in first and first != second
    assert outage.down and outage.journal.count("pending") == 6
    assert seen[-1].down and seen[-1].pending == 6
    listed = outage.pending_incidents()
    assert [v.number for v in listed] == [first, second]
    assert listed[0].state == "pending" and listed[0].classification == "BR.GEB.WON"
    assert any("roof is on fire" in line.text for line in listed[0].log)
    assert counts(pg_url) == before  # nothing reached the server

    assert not outage.probe()  # still cut: the probe fails quickly and waits longer
    pg_proxy.set_mode("pass")
    assert outage.probe()
    assert not outage.down and outage.journal.count("replayed") == 6
    after = counts(pg_url)
    # each call: create, note, classify; plus one "taken during an outage" line
    assert after["incidents"] == before["incidents"] + 2
    assert after["commands"] == before["commands"] + 2 * 4
    assert after["audit"] == before["audit"] + 2 * 4
    real = outage.journal.real_number(first)
    assert real is not None and "-P" not in real
    view = proxied.incidents.get(real)
    texts = [line.text for line in view.log]
    assert "caller says the roof is on fire" in texts
    assert any("Taken during a database outage" in t and first in t for t in texts)
    assert view.classification == "BR.GEB.WON"

    assert outage.replay().replayed == 0  # a second replay does nothing
    assert counts(pg_url) == after
    assert not outage.pending_incidents()


def test_a_conflict_at_replay_is_kept_and_shown(proxied: Meldkamer, outage: Outage,
                                                pg_proxy: TcpProxy, pg_url: str,
                                                ref: Reference) -> None:
    other = proxied.incidents.create(caller_number="717 9999", island="BO").number
    pg_proxy.set_mode("refuse")
    number = take_call(proxied)
    pending = proxied.dispatch.dispatch(number, ["B-102"])
    assert pending.state == "pending"
    dispatch = outage.journal.entries(("pending",))[-1]
    assert dispatch.to_confirm
    pg_proxy.set_mode("pass")
    # meanwhile another workstation sent B-102 elsewhere
    elsewhere = Meldkamer(Store(pg_url), ref, user="tester")
    try:
        elsewhere.dispatch.dispatch(other, ["B-102"])
    finally:
        elsewhere.close()
    report = outage.replay()
    assert report.replayed == 3 and report.conflicts == 1
    kept = outage.conflicts()
    assert [e.command_id for e in kept] == [dispatch.command_id]
    assert kept[0].problem is not None and kept[0].problem["kind"] in ("refused", "conflict")
    assert outage.replay().conflicts == 0 and outage.conflicts()  # never dropped

    real = outage.journal.real_number(number)
    assert real is not None
    view = outage.retry(dispatch.command_id, callsigns=["B-101"])
    assert [a.callsign for a in view.assignments] == ["B-101"]
    assert not outage.conflicts()


def test_a_conflict_dismissed_with_a_reason_is_logged(proxied: Meldkamer, outage: Outage,
                                                      pg_proxy: TcpProxy) -> None:
    number = proxied.incidents.create(caller_number="717 1234", island="BO").number
    pg_proxy.set_mode("refuse")
    proxied.incidents.close(number, "handled")
    pg_proxy.set_mode("pass")
    proxied.incidents.close(number, "handled")  # someone else closed it meanwhile
    report = outage.replay()
    assert report.conflicts == 1
    entry = outage.conflicts()[0]
    outage.dismiss(entry.command_id, "closed by the other desk")
    assert outage.journal.get(entry.command_id).state == "dismissed"  # type: ignore[union-attr]
    texts = [line.text for line in proxied.incidents.get(number).log]
    assert any("closed by the other desk" in t for t in texts)


@pytest.mark.parametrize("cut", ["refuse", "silent"])
def test_commit_reply_lost_is_known_by_its_command_id(proxied: Meldkamer, pg_proxy: TcpProxy,
                                                      pg_url: str, cut: str) -> None:
    from meldkamer.commands.catalogue import CreateIncident

    command = CreateIncident.build(proxied, caller_number="717 1234", island="BO")
    proxied.incidents.create(caller_number="717 5555", island="BO")
    pg_proxy.cut_at_commit(cut)
    with pytest.raises(OutcomeUnknown) as caught:
        proxied.execute(command)
    assert caught.value.command_id == command.command_id
    pg_proxy.set_mode("pass")
    outcome = proxied.command_outcome(command.command_id)
    assert outcome.committed and outcome.result["number"]
    again = proxied.execute(command)
    assert again.number == outcome.result["number"]
    assert counts(pg_url)["incidents"] == 2


def test_a_lost_commit_reply_is_journaled_and_not_replayed_twice(
        proxied: Meldkamer, outage: Outage, pg_proxy: TcpProxy, pg_url: str) -> None:
    proxied.incidents.create(caller_number="717 5555", island="BO")
    pg_proxy.cut_at_commit("refuse")
    provisional = proxied.incidents.create(caller_number="717 1234", island="BO").number
    assert "-P" in provisional  # the operator keeps working on a pending number
    pg_proxy.set_mode("pass")
    assert counts(pg_url)["incidents"] == 2  # it did commit
    report = outage.replay()
    assert report.replayed == 1
    assert counts(pg_url)["incidents"] == 2  # recognised by its id: not created twice
    assert outage.journal.real_number(provisional) is not None
