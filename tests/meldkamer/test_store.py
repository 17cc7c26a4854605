"""The incident store: migrations, SQLite durability settings, UTC times, concurrent
writers and optimistic-lock conflicts, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

import meldkamer.store.migrations as migrations
from meldkamer.cli import main
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import LOCAL
from meldkamer.errors import Conflict, StoreError
from meldkamer.store.db import Store
from meldkamer.store.migrations import HEAD_REVISION
from meldkamer.store.models import Base, Call, Incident
from tests.fixtures import drop_pg_database, new_pg_database, open_core

BELNEM = (12.1233, -68.2874)


def year() -> int:
    return datetime.now(LOCAL).year


@pytest.fixture
def empty_pg_url(pg_template: str) -> Iterator[str]:
    """A PostgreSQL database with nothing in it (skipped when no server is reachable)."""
    url = new_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend: a SQLite path that does not exist yet, or an
    empty PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "new" / "meldkamer.sqlite3")
    return str(request.getfixturevalue("empty_pg_url"))


# -- migrations ------------------------------------------------------------------------


def _script() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return ScriptDirectory.from_config(cfg)


def test_head_revision_constant_matches_alembic() -> None:
    script = _script()
    assert script.get_heads() == [HEAD_REVISION]
    assert script.get_current_head() == HEAD_REVISION
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain[0] == HEAD_REVISION and script.get_revision(chain[-1]).down_revision is None


def _ignore_search_machinery(obj: Any, name: str | None, type_: str, reflected: bool,
                             compare_to: Any) -> bool:
    """The full-text search objects live outside the ORM models on purpose."""
    if type_ == "table" and name and name.startswith("log_fts"):
        return False
    return not (name in ("text_tsv", "ix_log_entry_text_tsv") and type_ in ("column", "index"))


def test_migrations_from_empty_match_the_models(empty_url: str) -> None:
    store = Store(empty_url)
    try:
        assert store.revision() == HEAD_REVISION
        with store.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "include_object": _ignore_search_machinery, "compare_type": True})
            assert ctx.get_current_revision() == HEAD_REVISION
            diffs = compare_metadata(ctx, Base.metadata)
            assert diffs == []
            # ...and what was ignored is really there
            insp = inspect(conn)
            if store.dialect == "sqlite":
                assert "log_fts" in insp.get_table_names()
                triggers = {r[0] for r in conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
                assert {"audit_event_no_update", "audit_event_no_delete",
                        "log_entry_no_update", "log_entry_no_delete",
                        "audit_head_forward", "log_entry_fts_insert"} <= triggers
            else:
                assert "text_tsv" in {c["name"] for c in insp.get_columns("log_entry")}
                triggers = {r[0] for r in conn.execute(
                    text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))}
                assert {"audit_event_append_only", "log_entry_append_only",
                        "audit_head_forward", "audit_event_no_truncate",
                        "log_entry_no_truncate", "audit_head_no_truncate"} <= triggers
            head = conn.execute(text("SELECT seq, hash FROM audit_head")).all()
            assert head == [(0, "0" * 64)]
        assert store.upgrade() is False  # already at the head: nothing to do
    finally:
        store.dispose()


def test_upgrade_from_0007_keeps_old_log_lines_and_audit_events(empty_url: str,
                                                                ref: Reference) -> None:
    """0008 adds the log's source columns and the attention columns to a database in use."""
    from meldkamer import names
    from meldkamer.services import audit
    from meldkamer.store.migrations import run_upgrade

    store = Store(empty_url, upgrade=False)
    try:
        run_upgrade(store.engine, "0007")
        assert store.revision() == "0007"
        at = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
        naive = at.replace(tzinfo=None) if store.dialect == "sqlite" else at
        with store.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO incident (id, number, island, year, state, location_state, "
                "address, priority, created_at, updated_at, created_by, version) VALUES "
                "(1, 'BON-2026-000003', 'BO', 2026, 'open', 'unknown', '', 1, :at, :at, "
                "'oud', 1)"), {"at": naive})
            conn.execute(text(
                "INSERT INTO log_entry (incident_id, at, \"user\", kind, text) VALUES "
                "(1, :at, 'oud', 'status', 'P-101: Vrij (mobiel), vrijgegeven')"),
                {"at": naive})
        with Session(store.engine) as session, session.begin():  # an event of 0007's day
            head, row = audit.link(audit.read_head(session), at=at, user="oud",
                                   action="unit.status", entity="unit", key="P-101",
                                   data={"source": "radio"}, keyed=False)
            audit.insert_events(session, [row])
            audit.store_head(session, head)
        assert store.upgrade() is True
        assert store.revision() == HEAD_REVISION == "0013"
        with store.engine.connect() as conn:
            row = conn.execute(text("SELECT source_kind, source_detail FROM log_entry")).one()
            assert tuple(row) == (None, None)  # not recorded then: not guessed now
            assert conn.execute(text(
                "SELECT unattended_ack_at, overdue_ack_at, attention_noted FROM incident")
            ).one() == (None, None, "")
        from sqlalchemy.exc import DBAPIError

        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("UPDATE log_entry SET source_kind = 'radio'"))  # append-only
        core = Meldkamer(store, ref, user="nieuw")
        old = core.incidents.get("BON-2026-000003")
        assert old.log[0].source is None and names.log_source(old.log[0]) == "oud"
        assert old.attention == ("unattended",)  # priority 1, no unit: long past 60 s
        core.incidents.add_note(old.number, "na de upgrade")
        new = core.incidents.get(old.number).log[-1]
        assert new.source is not None and (new.source.kind, new.user) == ("operator", "nieuw")
        assert core.verify_audit().ok
    finally:
        store.dispose()


def test_store_without_upgrade_leaves_an_empty_database_empty(empty_url: str) -> None:
    store = Store(empty_url, upgrade=False)
    try:
        assert store.revision() is None
        with store.engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
        assert store.upgrade() is True
        assert store.revision() == HEAD_REVISION
        assert store.upgrade() is False
    finally:
        store.dispose()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_db_upgrade_command_from_empty_then_up_to_date(
    empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, err = _run(capsys, "--db", empty_url, "db", "upgrade")
    assert (rc, err) == (0, "")
    assert out.strip().endswith(f"schema empty -> {HEAD_REVISION}")
    rc, out, err = _run(capsys, "--db", empty_url, "db", "upgrade")
    assert (rc, err) == (0, "")
    assert out.strip().endswith(f"schema is up to date ({HEAD_REVISION})")
    rc, out, _ = _run(capsys, "--db", empty_url, "db", "upgrade", "--json")
    data = json.loads(out)
    assert rc == 0
    assert (data["from"], data["to"], data["changed"]) == (HEAD_REVISION, HEAD_REVISION, False)
    assert data["database"].startswith(("sqlite:///", "postgresql+psycopg://"))


def test_db_upgrade_command_on_an_empty_file(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    rc, out, _ = _run(capsys, "--db", str(path), "db", "upgrade", "--json")
    data = json.loads(out)
    assert rc == 0
    assert (data["from"], data["to"], data["changed"]) == (None, HEAD_REVISION, True)
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    rc, out, _ = _run(capsys, "--db", str(path), "db", "upgrade")
    assert rc == 0 and "up to date" in out


# -- SQLite settings -------------------------------------------------------------------


def test_sqlite_connections_are_wal_with_foreign_keys_and_full_sync(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    try:
        for engine in (store.engine, store.read_engine):
            with engine.connect() as conn:
                pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                          for name in ("journal_mode", "foreign_keys", "synchronous",
                                       "busy_timeout")}
                assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2,
                                  "busy_timeout": 15000}
        with store.write() as session:
            pragma = {name: session.execute(text(f"PRAGMA {name}")).scalar()
                      for name in ("journal_mode", "foreign_keys", "synchronous")}
            assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2}
    finally:
        store.dispose()
    con = sqlite3.connect(sqlite_url)
    try:  # WAL is a property of the file, not only of our connections
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


def test_sqlite_foreign_keys_are_enforced(sqlite_core: Meldkamer) -> None:
    now = datetime.now(UTC)
    with pytest.raises(Conflict, match="FOREIGN KEY"), sqlite_core.store.write() as session:
        session.add(Call(incident_id=424242, at=now, caller_number="112", caller_name="",
                         callback_number="", taken_by="tester"))
    with sqlite_core.store.read() as session:
        assert session.scalars(select(Call)).all() == []


def test_sqlite_write_transaction_takes_the_write_lock_at_once(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    other = sqlite3.connect(sqlite_url, timeout=0, isolation_level=None)
    try:
        with store.read() as session:  # a reader never blocks a writer
            assert session.execute(select(Incident)).all() == []
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        with store.write() as session:
            session.execute(select(Incident)).all()  # only read so far: BEGIN IMMEDIATE
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after commit
        other.execute("ROLLBACK")
    finally:
        other.close()
        store.dispose()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"PK\x03\x04 a zip file, not a database", "not an SQLite file"),
     (b"", None)],
    ids=["zip", "empty-file-is-new"],
)
def test_store_refuses_files_that_are_not_databases(tmp_path: Path, content: bytes,
                                                    message: str | None) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(content)
    if message is None:
        Store(str(path)).dispose()
        assert path.read_bytes().startswith(b"SQLite format 3\x00")
        return
    with pytest.raises(StoreError, match=message):
        Store(str(path))
    assert path.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["x.db"]


def test_store_refuses_read_only_files(sqlite_url: str) -> None:
    path = Path(sqlite_url)
    content = path.read_bytes()
    path.chmod(0o444)
    try:
        with pytest.raises(StoreError, match="read-only") as info:
            Store(sqlite_url)
        assert info.value.exit_code == 6
        assert path.read_bytes() == content
    finally:
        path.chmod(0o644)


def test_store_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        Store(str(tmp_path))


# -- times -----------------------------------------------------------------------------


def _is_utc(ts: datetime) -> bool:
    return ts.tzinfo is not None and ts.utcoffset() == timedelta(0)


def test_times_round_trip_as_utc(core: Meldkamer) -> None:
    made = core.incidents.create(caller_number="+599 717 1234", lat=BELNEM[0], lon=BELNEM[1])
    core.incidents.add_note(made.number, "time check")
    stored = core.incidents.get(made.number)
    now = datetime.now(UTC)
    for ts in (stored.created_at, stored.updated_at, stored.calls[0].at,
               *(e.at for e in stored.log)):
        assert _is_utc(ts), ts
        assert abs(now - ts) < timedelta(seconds=1)
    assert stored.created_at == made.created_at  # microseconds survive the round trip
    assert stored.created_at.microsecond == made.created_at.microsecond
    assert stored.closed_at is None
    unit = core.units.get("P-101")
    assert _is_utc(unit.status_since)


def test_times_from_another_zone_are_stored_as_the_same_instant(core: Meldkamer) -> None:
    minus_four = timezone(timedelta(hours=-4))
    fixed = datetime(2031, 12, 31, 22, 30, 15, 123456, tzinfo=minus_four)  # 02:30 UTC next day
    core.clock = lambda: fixed
    made = core.incidents.create(caller_number="112", island="SE")
    stored = core.incidents.get(made.number)
    assert stored.created_at == fixed
    assert stored.created_at.tzinfo == UTC
    assert stored.created_at.isoformat() == "2032-01-01T02:30:15.123456+00:00"
    assert made.number == "STA-2031-000001"  # numbered by the local (Kralendijk) year
    with core.store.read() as session:
        raw = session.execute(text("SELECT created_at FROM incident")).scalar()
    if core.store.dialect == "sqlite":
        assert str(raw).startswith("2032-01-01 02:30:15.123456")
    else:
        assert raw == fixed


# -- concurrent writers ----------------------------------------------------------------


def test_concurrent_writers_get_distinct_consecutive_numbers(
    core: Meldkamer, db_url: str, ref: Reference
) -> None:
    per_thread = 20
    cores = [core, open_core(db_url, ref, user="tweede")]
    # Both writers meet before every create, so each round is a real race for the lock.
    rendezvous = threading.Barrier(len(cores), timeout=60)
    numbers: list[list[str]] = [[] for _ in cores]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for k in range(per_thread):
                rendezvous.wait()
                inc = cores[i].incidents.create(caller_number=f"+599 555 {i}{k:03d}",
                                                lat=BELNEM[0], lon=BELNEM[1])
                numbers[i].append(inc.number)
        except BaseException as exc:
            errors.append(exc)
            rendezvous.abort()  # let the other writer stop too instead of waiting

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cores))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
    finally:
        cores[1].close()
    assert errors == []
    every = numbers[0] + numbers[1]
    assert len(every) == len(set(every)) == 2 * per_thread
    prefix = f"BON-{year()}-"
    assert all(n.startswith(prefix) for n in every)
    assert sorted(int(n[len(prefix):]) for n in every) == list(range(1, 2 * per_thread + 1))
    for mine in numbers:  # each writer sees its own numbers go up
        assert mine == sorted(mine)
    for k in range(per_thread):  # and every round handed out the next two numbers
        assert {numbers[0][k], numbers[1][k]} == {f"{prefix}{2 * k + 1:06d}",
                                                  f"{prefix}{2 * k + 2:06d}"}
    report = core.verify_audit()
    assert report.ok, report.problem
    assert report.events == 1 + 2 * per_thread  # the demo roster, then one per incident
    listed = core.incidents.list_incidents(active=True, limit=100)
    assert sorted(i.number for i in listed) == sorted(every)
    assert {i.calls[0].caller_number for i in listed} == {
        f"+599555{i}{k:03d}" for i in range(2) for k in range(per_thread)}  # E.164


# -- conflicts -------------------------------------------------------------------------


@pytest.fixture
def second(core: Meldkamer, db_url: str, ref: Reference) -> Iterator[Meldkamer]:
    """Another workstation on the same database."""
    other = open_core(db_url, ref, user="collega")
    yield other
    other.close()


def test_incident_change_on_an_outdated_read_is_a_conflict(core: Meldkamer,
                                                           second: Meldkamer) -> None:
    number = core.incidents.create(caller_number="112", lat=BELNEM[0], lon=BELNEM[1]).number
    seen_a = core.incidents.get(number)
    seen_b = second.incidents.get(number)
    assert seen_a.version == seen_b.version
    v = seen_a.version

    mine = core.incidents.classify(number, "BZ.INB.WON", expected_version=v)
    assert mine.classification == "BZ.INB.WON" and mine.version > v
    events = core.verify_audit().events

    with pytest.raises(Conflict, match="changed by someone else") as info:
        second.incidents.classify(number, "BZ.DIE.WIN", expected_version=v)
    assert info.value.exit_code == 5
    with pytest.raises(Conflict):
        second.incidents.locate(number, address="Kaya Grandi", expected_version=v)
    with pytest.raises(Conflict):
        second.incidents.change_priority(number, 1, "escalatie", expected_version=v)

    stored = second.incidents.get(number)
    assert stored.classification == "BZ.INB.WON" and stored.priority == 2
    assert stored.address == "" and stored.version == mine.version
    assert [e.kind for e in stored.log].count("classification") == 1
    assert core.verify_audit().events == events  # the refused changes left no trace

    fresh = second.incidents.classify(number, "BZ.DIE.WIN", expected_version=stored.version)
    assert fresh.classification == "BZ.DIE.WIN"


def test_unit_change_on_an_outdated_read_is_a_conflict(core: Meldkamer,
                                                       second: Meldkamer) -> None:
    v = core.units.get("P-101").version
    assert second.units.get("P-101").version == v

    mine = core.units.set_status("P-101", "available_mobile", expected_version=v)
    assert mine.status == "available_mobile" and mine.version > v

    with pytest.raises(Conflict, match="changed by someone else"):
        second.units.set_status("P-101", "out_of_service", expected_version=v)
    stored = second.units.get("P-101")
    assert (stored.status, stored.version) == ("available_mobile", mine.version)
    assert stored.status_since == mine.status_since

    again = second.units.set_status("P-101", "out_of_service", expected_version=stored.version)
    assert again.status == "out_of_service"
    assert core.verify_audit().ok


@pytest.mark.postgres
@pytest.mark.parametrize("what", ["unit", "incident"])
def test_postgres_lost_update_without_expected_version_is_a_conflict(
    pg_url: str, ref: Reference, what: str
) -> None:
    """B reads, A commits a change in between, B writes: B's write must not win."""
    from meldkamer.demo import load_demo

    a = open_core(pg_url, ref, user="a")
    b = open_core(pg_url, ref, user="b")
    try:
        load_demo(a, incidents=False)
        number = a.incidents.create(caller_number="112", lat=BELNEM[0], lon=BELNEM[1]).number
        events = a.verify_audit().events
        interfered: list[str] = []

        def meanwhile(session: Session, _ctx: object, _instances: object) -> None:
            if session.get_bind() is b.store.engine and not interfered:
                interfered.append(what)
                a.incidents.classify(number, "BZ.INB.WON")

        def meanwhile_sql(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            # set_status reads and writes the unit in Core statements: step in between.
            if statement.lstrip().upper().startswith("UPDATE UNIT SET") and not interfered:
                interfered.append(what)
                a.units.set_status("P-101", "available_mobile")

        if what == "unit":
            event.listen(b.store.engine, "before_cursor_execute", meanwhile_sql)
        else:
            event.listen(Session, "before_flush", meanwhile)
        try:
            with pytest.raises(Conflict, match="someone else changed"):
                if what == "unit":
                    b.units.set_status("P-101", "out_of_service")
                else:
                    b.incidents.classify(number, "BZ.DIE.WIN")
        finally:
            if what == "unit":
                event.remove(b.store.engine, "before_cursor_execute", meanwhile_sql)
            else:
                event.remove(Session, "before_flush", meanwhile)
        assert interfered == [what]
        if what == "unit":
            assert a.units.get("P-101").status == "available_mobile"
        else:
            assert a.incidents.get(number).classification == "BZ.INB.WON"
        report = a.verify_audit()
        assert report.ok and report.events == events + 1  # only A's change was recorded
    finally:
        a.close()
        b.close()


def test_audit_events_are_found_by_entity_through_an_index(sqlite_url: str) -> None:
    """Migration 0010: the CAP alerts (audit events of one entity) are read by an index."""
    from sqlalchemy import text

    store = Store(sqlite_url)
    try:
        with store.read() as session:
            plan = " ".join(str(row[-1]) for row in session.execute(text(
                "EXPLAIN QUERY PLAN SELECT seq FROM audit_event "
                "WHERE entity = 'cap_alert' ORDER BY seq")))
        assert "ix_audit_event_entity" in plan
    finally:
        store.dispose()
