"""Rows written before the trail carried digests (migration 0013) are "not covered"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.store.db import Store
from meldkamer.store.migrations import run_upgrade
from tests.fixtures import drop_pg_database, new_pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "old" / "meldkamer.sqlite3")
        return
    request.getfixturevalue("pg_template")  # skips when no server is reachable
    url = new_pg_database()
    yield url
    drop_pg_database(url)


def test_an_incident_from_before_0013_is_not_covered_and_its_edit_is_not_guessed(
        empty_url: str, ref: Reference) -> None:
    store = Store(empty_url, upgrade=False)
    try:
        run_upgrade(store.engine, "0012")
        at = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
        naive = at.replace(tzinfo=None) if store.dialect == "sqlite" else at
        with store.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO incident (id, number, island, year, state, location_state, "
                "address, priority, created_at, updated_at, created_by, version, "
                "attention_noted) VALUES (1, 'BON-2026-000003', 'BO', 2026, 'open', "
                "'unknown', '', 1, :at, :at, 'oud', 1, '')"), {"at": naive})
            conn.execute(text(
                "INSERT INTO log_entry (incident_id, at, \"user\", kind, text) VALUES "
                "(1, :at, 'oud', 'note', 'van voor de sleutel')"), {"at": naive})
        assert store.upgrade() is True
        core = Meldkamer(store, ref, user="nieuw")
        report = core.verify_audit()
        assert report.ok and report.not_covered == 1
        core.incidents.add_note("BON-2026-000003", "na de upgrade")  # now it is covered
        report = core.verify_audit()
        assert report.ok and report.not_covered == 0
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE incident SET address = 'elders'"))
        assert "incident BON-2026-000003: address differs from the trail" in (
            core.verify_audit().problems)
    finally:
        store.dispose()
