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


def test_conflicts_at_replay_open_a_list_the_operator_works_through(
        qtbot: QtBot, station: tuple[Meldkamer, Path, str]) -> None:
    core, home, url = station
    from tests.ui.dbguard import db_allowed

    with db_allowed():
        number = core.incidents.create(caller_number="717 1234", island="BO").number
    win = open_window(qtbot, core, home)
    outage = core.outage
    assert outage is not None
    holder = sqlite3.connect(url, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        win.ops.run(lambda: core.incidents.close(number, "handled"))  # journaled
        qtbot.waitUntil(lambda: "(1 pending)" in win.outage.banner.label.text(),
                        timeout=10_000)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with db_allowed():  # meanwhile another desk closed it
        outage.down = False
        core.incidents.close(number, "handled")
        outage.down = True
    win.ops.run(outage.probe)
    qtbot.waitUntil(lambda: win.outage.dialog is not None and win.outage.dialog.isVisible()
                    and win.outage.dialog.list.count() == 1, timeout=10_000)
    dialog = win.outage.dialog
    assert dialog is not None
    assert number in dialog.list.item(0).text()
    assert "(1 conflicts need your decision)" in win.outage.banner.label.text()
    qtbot.keyClicks(dialog.reason, "closed by the other desk")
    qtbot.mouseClick(dialog.dismiss_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=10_000)
    assert outage.journal.count("dismissed") == 1
    with db_allowed():
        texts = [line.text for line in core.incidents.get(number).log]
    assert any("closed by the other desk" in t for t in texts)
