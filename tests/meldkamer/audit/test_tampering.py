"""Each way issue 11 found to rewrite the trail, done with raw SQL as an attacker with
database access would (triggers dropped first where they stand in the way), is found."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from meldkamer.core import Meldkamer
from meldkamer.services import audit, trail_watch

GUARDED = ("audit_event", "audit_head", "log_entry", "meta")


def _shift(core: Meldkamer) -> str:
    """A little of a shift: two incidents with calls, a class, a unit, notes; checkpointed."""
    first = core.incidents.create(caller_number="+5997001234", caller_name="Jan Piet",
                                  island="BO", address="Kaya Grandi 1")
    core.incidents.classify(first.number, "BR.GEB.WON")
    core.dispatch.dispatch(first.number, ["B-102"])
    core.incidents.add_note(first.number, "rook uit het dak")
    second = core.incidents.create(caller_number="+5997005678", island="BO")
    core.incidents.add_note(second.number, "tweede melding")
    trail_watch.checkpoint(core, "test")
    assert core.verify_audit().ok
    return first.number


def _lift(core: Meldkamer, conn: object) -> None:
    """Drop every trigger that guards the trail, as an attacker with DDL rights would."""
    if core.store.dialect == "postgresql":
        for table in GUARDED:
            conn.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'))  # type: ignore[attr-defined]
        return
    names = conn.execute(text(  # type: ignore[attr-defined]
        "SELECT name FROM sqlite_master WHERE type = 'trigger' "
        "AND sql LIKE '%RAISE(ABORT%'")).scalars().all()
    for name in names:
        conn.execute(text(f'DROP TRIGGER "{name}"'))  # type: ignore[attr-defined]


def _problems(core: Meldkamer) -> str:
    report = core.verify_audit()
    assert not report.ok
    return "\n".join(report.problems)


def _incident_id(core: Meldkamer, number: str) -> int:
    with core.store.engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM incident WHERE number = :n"),
                                {"n": number}).scalar_one())


def test_cutting_the_tail_and_moving_the_head_back(core: Meldkamer) -> None:
    _shift(core)
    with core.store.engine.begin() as conn:
        with pytest.raises(DBAPIError, match="moves forward"), conn.begin_nested():
            conn.execute(text("UPDATE audit_head SET seq = seq - 1"))
        _lift(core, conn)
        end = conn.execute(text("SELECT seq FROM audit_head")).scalar_one()
        conn.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": end - 3})
        conn.execute(text("UPDATE audit_head SET seq = e.seq, hash = e.hash FROM "
                          "(SELECT seq, hash FROM audit_event WHERE seq = :s) AS e"),
                     {"s": end - 3})
    found = _problems(core)
    assert f"saw event {end}: events were cut from the end" in found


def test_a_chain_recomputed_with_plain_sha256(core: Meldkamer) -> None:
    number = _shift(core)
    with core.store.engine.begin() as conn:
        _lift(core, conn)
        rows = conn.execute(text(
            "SELECT seq, at, \"user\", action, entity, entity_key, data FROM audit_event "
            "ORDER BY seq")).all()
        prev = audit.GENESIS
        for seq, at, user, action, entity, key, data in rows:
            if isinstance(at, str):
                at = datetime.fromisoformat(at)
            if at.tzinfo is None:
                from datetime import UTC

                at = at.replace(tzinfo=UTC)
            data = data.replace("BR.GEB.WON", "BR.GEB")  # a rewritten classification
            digest = audit._digest(seq, at, user, action, entity, key, data, prev)
            conn.execute(text("UPDATE audit_event SET data = :d, prev_hash = :p, hash = :h "
                              "WHERE seq = :s"), {"d": data, "p": prev, "h": digest, "s": seq})
            prev = digest
        conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    found = _problems(core)
    assert "was altered" in found  # the keyed part does not verify with plain SHA-256
    assert number  # the shift had its incident
    # ...and moving the keyed start away to pass the plain hashes off is caught too
    with core.store.engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '999999' WHERE key = 'audit_keyed_from'"))
    found = _problems(core)
    assert "the chain was replaced by a recomputed one" in found
    assert "the start was moved" in found


def test_emptying_the_table_and_resetting_the_head(core: Meldkamer) -> None:
    _shift(core)
    with core.store.engine.begin() as conn:
        with pytest.raises(DBAPIError, match="append-only"), conn.begin_nested():
            conn.execute(text("DELETE FROM audit_event"))
        _lift(core, conn)
        conn.execute(text("DELETE FROM audit_event"))
        conn.execute(text("UPDATE audit_head SET seq = 0, hash = :g"), {"g": audit.GENESIS})
    found = _problems(core)
    assert "the trail is empty" in found and "the table was emptied" in found


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(pg_url: str, ref: object) -> None:
    from tests.fixtures import demo_core

    for core in demo_core(pg_url, ref):  # type: ignore[arg-type]
        _shift(core)
        for table in ("audit_event", "audit_head", "log_entry"):
            with pytest.raises(DBAPIError, match="append-only"), \
                    core.store.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {table} CASCADE"))
        assert core.verify_audit().ok


@pytest.mark.parametrize(("table", "column", "value", "named"), [
    ("incident", "classification", "'AL'", "incident {n}: classification differs"),
    ("incident", "state", "'closed'", "incident {n}: state differs"),
    ("call", "caller_number", "'+5997009999'", "call {c} of {n}: caller_number differs"),
])
def test_direct_edits_are_named(core: Meldkamer, table: str, column: str, value: str,
                                named: str) -> None:
    number = _shift(core)
    inc = _incident_id(core, number)
    with core.store.engine.begin() as conn:
        call = conn.execute(text("SELECT min(id) FROM call WHERE incident_id = :i"),
                            {"i": inc}).scalar_one()
        where = "id = :i" if table == "incident" else "id = :c"
        conn.execute(text(f"UPDATE {table} SET {column} = {value} WHERE {where}"),
                     {"i": inc, "c": call})
    assert named.format(n=number, c=call) in _problems(core)


def test_a_whole_incident_deleted(core: Meldkamer) -> None:
    number = _shift(core)
    inc = _incident_id(core, number)
    with core.store.engine.begin() as conn:
        _lift(core, conn)
        conn.execute(text("UPDATE unit SET incident_id = NULL WHERE incident_id = :i"),
                     {"i": inc})
        for table in ("log_entry", "call", "assignment", "unit_status_change",
                      "incident_response"):
            conn.execute(text(f"DELETE FROM {table} WHERE incident_id = :i"), {"i": inc})
        conn.execute(text("DELETE FROM incident WHERE id = :i"), {"i": inc})
    found = _problems(core)
    assert f"incident {number} is missing" in found
    assert f"of {number} was deleted" in found


def test_deleting_log_lines(core: Meldkamer) -> None:
    number = _shift(core)
    inc = _incident_id(core, number)
    with core.store.engine.begin() as conn:
        with pytest.raises(DBAPIError, match="append-only"), conn.begin_nested():
            conn.execute(text("DELETE FROM log_entry"))
        with pytest.raises(DBAPIError, match="append-only"), conn.begin_nested():
            conn.execute(text("UPDATE log_entry SET text = 'niets'"))
        line = conn.execute(text("SELECT max(id) FROM log_entry WHERE incident_id = :i"),
                            {"i": inc}).scalar_one()
        _lift(core, conn)
        conn.execute(text("DELETE FROM log_entry WHERE id = :i"), {"i": line})
    assert f"log line {line} of {number} was deleted" in _problems(core)


def test_the_head_only_moves_to_a_stored_event(core: Meldkamer) -> None:
    _shift(core)
    with core.store.engine.begin() as conn:
        for statement in ("UPDATE audit_head SET seq = seq + 1",
                          "UPDATE audit_head SET hash = 'x'", "DELETE FROM audit_head",
                          "UPDATE meta SET value = '1' WHERE key = 'audit_keyed_from'",
                          "DELETE FROM meta WHERE key = 'audit_chain_id'"):
            with pytest.raises(DBAPIError), conn.begin_nested():
                conn.execute(text(statement))
    assert core.verify_audit().ok


def test_pseudonymising_a_line_needs_its_audit_event_in_the_same_transaction(
        core: Meldkamer) -> None:
    """The narrow way a retention pass changes a log line: its event first, in one commit."""
    number = _shift(core)
    with core.store.engine.connect() as conn:
        line = conn.execute(text("SELECT max(id) FROM log_entry WHERE incident_id = :i"),
                            {"i": _incident_id(core, number)}).scalar_one()
    with core.store.write() as session:
        head, row = audit.link(audit.read_head(session), at=core.clock(), user="retention",
                               action="log.pseudonymise", entity="log_entry", key=str(line),
                               data={"reason": "retention"})
        audit.insert_events(session, [row])
        session.execute(text("UPDATE log_entry SET text = '[removed]' WHERE id = :i"),
                        {"i": line})
        audit.store_head(session, head)
    with pytest.raises(DBAPIError, match="append-only"), core.store.engine.begin() as conn:
        conn.execute(text("UPDATE log_entry SET text = 'again' WHERE id = :i"), {"i": line})
    # a line changed without recording its new digest is still named
    assert f"log line {line} of {number} was altered" in _problems(core)


def test_a_trail_digest_holds_no_personal_field(core: Meldkamer) -> None:
    _shift(core)
    with core.store.engine.connect() as conn:
        rows = [json.loads(d)["rows"] for d in conn.execute(text(
            "SELECT data FROM audit_event WHERE data LIKE '%\"rows\":%'")).scalars()]
    assert rows and any("inc" in r and "call" in r and "log" in r for r in rows)
    held = json.dumps(rows)
    for personal in ("Jan Piet", "Kaya Grandi", "5997001234", "rook uit het dak"):
        assert personal not in held
