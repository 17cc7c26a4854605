"""The workstation during a database outage: the banner, F5 keeps taking calls, the list."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.journal.outage import Outage
from meldkamer.journal.store import JournalFile
from meldkamer.store import db
from tests.fixtures import demo_core
from tests.ui.dbguard import allowed_steps
from tests.ui.test_workstation import Keyboard, open_window

Key = Qt.Key


@pytest.fixture
def station(sqlite_url: str, ref: Reference, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Meldkamer, Path, str]]:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.3)  # the locked file fails fast
    for core in allowed_steps(demo_core(sqlite_url, ref, "centralist")):
        outage = Outage.attach(core, JournalFile(tmp_path / "journal.sqlite3"))
        yield core, tmp_path, sqlite_url
        outage.journal.close()


def test_banner_and_pending_incidents_while_the_database_is_away(
        qtbot: QtBot, station: tuple[Meldkamer, Path, str]) -> None:
    core, home, url = station
    win = open_window(qtbot, core, home)
    assert not win.outage.bar.isVisible()
    holder = sqlite3.connect(url, isolation_level=None)  # another program locks the file
    holder.execute("BEGIN EXCLUSIVE")
    try:
        kb = Keyboard(qtbot)
        kb.press(Key.Key_F2)
        kb.type("7171234")
        kb.press(Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # the first call: Ctrl+S
        qtbot.waitUntil(lambda: "(1 pending)" in win.outage.banner.label.text(),
                        timeout=10_000)
        assert win.outage.bar.isVisible()
        assert "No connection to the database" in win.outage.banner.label.text()
        kb.press(Key.Key_F2)
        kb.type("7175678")
        kb.press(Key.Key_F5)  # intake keeps working: F5 makes a pending incident
        qtbot.waitUntil(lambda: "(2 pending)" in win.outage.banner.label.text(),
                        timeout=10_000)
        qtbot.waitUntil(lambda: win.incidents.rowCount() == 2, timeout=10_000)
        qtbot.waitUntil(lambda: all(win.incidents.incident_at(r) is not None for r in range(2)),
                        timeout=5000)
        shown = [win.incidents.data(win.incidents.index(r, 0)) for r in range(2)]
        assert all("-P0" in text and "(pending)" in text for text in shown)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    outage = core.outage
    assert outage is not None
    win.ops.run(outage.probe)  # the prober's work, off the GUI thread
    qtbot.waitUntil(lambda: "2 journaled commands replayed" in
                    win.outage.banner.label.text(), timeout=10_000)

    def real_rows() -> bool:
        rows = [win.incidents.incident_at(r) for r in range(win.incidents.rowCount())]
        return len(rows) == 2 and all(v is not None and v.state == "open" for v in rows)

    qtbot.waitUntil(real_rows, timeout=10_000)  # the real numbers replace the provisional
    shown = [win.incidents.data(win.incidents.index(r, 0)) for r in range(2)]
    assert not any("-P0" in text or "(pending)" in text for text in shown)
