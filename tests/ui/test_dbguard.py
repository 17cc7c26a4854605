"""The guard itself: GUI-thread statements fail, the worker and the test's own reads do not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from tests.fixtures import demo_core
from tests.ui import dbguard
from tests.ui.dbguard import GuiThreadDatabaseAccess, allowed_steps, db_allowed
from ui.ops import Operations


@pytest.fixture
def core(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    yield from allowed_steps(demo_core(sqlite_url, ref))


def test_a_statement_on_the_gui_thread_fails(core: Meldkamer) -> None:
    with pytest.raises(GuiThreadDatabaseAccess, match="GUI thread"):
        core.units.list_units()
    dbguard.violations().clear()  # seen: this test provoked it


def test_ui_code_fails_even_inside_db_allowed(core: Meldkamer) -> None:
    code = compile("core.units.list_units()", "ui/pretend.py", "exec")
    with db_allowed(), pytest.raises(GuiThreadDatabaseAccess, match=r"from ui\.pretend"):
        exec(code, {"__name__": "ui.pretend", "core": core})
    dbguard.violations().clear()
    with db_allowed():
        assert len(core.units.list_units()) > 10  # the test's own read is fine


def test_the_worker_may(qtbot: QtBot, core: Meldkamer) -> None:
    ops = Operations()
    got: list[int] = []
    ops.run(lambda: len(core.units.list_units()), got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got[0] > 10 and dbguard.violations() == []
