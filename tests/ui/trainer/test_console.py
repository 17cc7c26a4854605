"""The trainer console with real widgets (offscreen): load, run on an injected wall clock
on the runtime's scheduler, follow an autopilot trainee, inject by hand, report, reset.

The GUI-thread database guard (tests/ui/conftest.py) is active throughout: everything
the console asks of the engine runs on its worker."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.runtime import Runtime
from meldkamer.store.models import Incident
from tests.meldkamer.training.test_training import FakeWall, training_core
from tests.ui.dbguard import allowed, db_allowed
from tests.ui.dialogs.test_confirm import answer
from ui.trainer.console import TrainerConsole

ROOT = Path(__file__).resolve().parents[3]
SABA = "saba-medevac-statia-fire"


@pytest.fixture
def station(sqlite_url: str, ref: Reference) -> Iterator[tuple[Meldkamer, Runtime]]:
    with db_allowed():
        core = training_core(sqlite_url, ref)
        runtime = Runtime(core, watch=False).start()
    yield core, runtime
    with db_allowed():
        runtime.stop()


def console_on(qtbot: QtBot, station: tuple[Meldkamer, Runtime], *, autopilot: bool,
               wall: FakeWall) -> TrainerConsole:
    core, runtime = station
    console = TrainerConsole(core, runtime, autopilot=autopilot, wall=wall)
    qtbot.addWidget(console)
    console.resize(1500, 950)
    console.show()
    console.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is console, timeout=5000)
    return console


def load(qtbot: QtBot, console: TrainerConsole, name: str = SABA) -> None:
    with qtbot.waitSignal(console.loaded, timeout=10_000):
        assert console.load_name(name)
    assert console.engine is not None


def incidents(core: Meldkamer) -> int:
    with db_allowed(), core.store.read() as s:
        return int(s.scalar(select(func.count()).select_from(Incident)) or 0)


def test_a_shipped_scenario_at_60x_followed_with_an_autopilot(
        qtbot: QtBot, station: tuple[Meldkamer, Runtime], tmp_path: Path) -> None:
    wall = FakeWall()
    console = console_on(qtbot, station, autopilot=True, wall=wall)
    titles = [console.shipped.item(r, 0).text() for r in range(console.shipped.rowCount())]
    assert len(titles) == 4 and "A medevac on Saba while a fire burns on Statia" in titles
    row = titles.index("A medevac on Saba while a fire burns on Statia")
    assert console.shipped.item(row, 2).text() == "3"  # calls
    assert console.shipped.item(row, 3).text() == "0:30:00"  # duration
    console.shipped.selectRow(row)
    with qtbot.waitSignal(console.loaded, timeout=10_000):
        qtbot.keyClick(console, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert console.scenario is not None and console.scenario.name == SABA
    qtbot.keyClick(console, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)  # 60x
    qtbot.keyClick(console, Qt.Key.Key_F5)  # start
    qtbot.waitUntil(lambda: console.engine is not None and console.engine.started
                    and "training" in station[1].job_ids(), timeout=10_000)
    assert console.engine is not None and console.engine.speed == 60
    model = console.model
    engine = console.engine
    while not engine.finished:  # half a wall second at a time: 30 simulated seconds
        wall.t += 0.5
        qtbot.waitUntil(lambda: engine.now >= (wall.t - 1000 - 0.5) * 60
                        and not engine.ringing and all(
                            r.done_at is not None for r in engine.records), timeout=20_000)
    points = model.column("points")
    qtbot.waitUntil(lambda: model.rowCount() == 3
                    and all(model.index(r, points).data() == "100" for r in range(3)),
                    timeout=20_000)
    for r in range(3):  # answered, classified and dispatched: seconds after ringing
        steps = ("answered", "classified") + (("dispatched",) if r < 2 else ())
        assert all(model.index(r, model.column(c)).data().isdigit() for c in steps)
        assert int(model.index(r, model.column("answered")).data()) <= 30
        assert model.state(r) == "right"
    expected, chosen = (model.index(0, model.column(c)).data() for c in ("expected", "chosen"))
    assert expected == chosen and expected.startswith("BR.")
    assert model.index(0, model.column("sent")).data()  # units sent
    # The bush fire: its only fire engine is busy; nothing to send, and not held against
    # the trainee (unfillable).
    assert model.index(2, model.column("dispatched")).data() == ""
    qtbot.waitUntil(lambda: "100 / 100" in console.totals.text(), timeout=5000)
    assert console.progress.value() == 3 and console.progress.maximum() == 3
    qtbot.waitUntil(lambda: "+0:30:00" in console.clock.text()
                    and "finished" in console.totals.text(), timeout=5000)
    log = console.log.toPlainText()
    assert "call statia-house-fire rings" in log and "became STA-2026-" in log
    out = console.save_report(tmp_path / "run.html")
    assert out is not None
    html = out.read_text(encoding="utf-8")
    assert "A medevac on Saba" in html and "100 / 100" in html
    pdf = console.save_pdf(tmp_path / "run.pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    assert console.save_pdf(tmp_path / "no" / "such" / "folder.pdf") is None
    assert console.run_error.text()  # why, on the run line
    assert incidents(station[0]) == 3


def test_injects_by_hand_and_their_errors_next_to_the_field(
        qtbot: QtBot, station: tuple[Meldkamer, Runtime]) -> None:
    from ui.i18n import set_language

    set_language("nl")
    wall = FakeWall()
    console = console_on(qtbot, station, autopilot=False, wall=wall)
    load(qtbot, console)
    form = console.call_form
    form.button.click()  # before the start: nothing rings
    assert form.error_text("general")
    console.start()
    qtbot.waitUntil(lambda: console.engine is not None and console.engine.started,
                    timeout=10_000)
    qtbot.keyClick(console, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is form.caller
    qtbot.keyClicks(form.caller, "bel me")
    form.button.click()
    assert "telefoonnummer" in form.error_text("caller")
    assert QApplication.focusWidget() is form.caller
    form.caller.setText("+599 555 9100")
    form.island.setCurrentIndex(form.island.findData("BO"))
    form.location.setText("Nergenshuizen")
    form.button.click()
    assert not form.error_text("caller") and "Nergenshuizen" in form.error_text("location")
    form.location.setText("Dorp Antriol")
    form.classification.setEditText("XX.NOPE")
    form.button.click()
    assert "XX.NOPE" in form.error_text("classification")
    form.classification.setCurrentIndex(form.classification.findData("BZ.INB.WON"))
    assert form.units.text()  # the class's turnout on Bonaire, filled in
    form.units.setText("patrol_car, dragon")
    form.button.click()
    assert "dragon" in form.error_text("units")
    form.units.setText("patrol_car")
    form.button.click()
    assert not any(form.error_text(f) for f in form.errors)
    model = console.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.index(0, 0).data() == "T1",
                    timeout=10_000)
    assert model.index(0, model.column("expected")).data() == "BZ.INB.WON P2"
    # Copied from a scenario call: it rings under a new id.
    form.copy.setCurrentIndex(1)
    form.copy.activated.emit(1)
    assert form.caller.text() == console.scenario.calls[0].caller  # type: ignore[union-attr]
    form.button.click()
    qtbot.waitUntil(lambda: model.rowCount() == 2 and model.index(1, 0).data() == "T2",
                    timeout=10_000)
    # A unit status the rules refuse, then one they allow: both in the log.
    status = console.status_form
    qtbot.waitUntil(lambda: status.unit.count() > 0, timeout=10_000)
    status.unit.setCurrentIndex(status.unit.findData("P-101"))
    status.status.setCurrentIndex(status.status.findData("out_of_service"))
    status.button.click()
    qtbot.waitUntil(allowed(lambda: station[0].units.get("P-101").status
                            == "out_of_service"), timeout=10_000)
    # A disturbance of no length is refused next to its field; ten minutes is logged.
    dist = console.disturbance_form
    dist.minutes.setValue(0)
    dist.button.click()
    assert dist.error_text("duration")
    dist.kind.setCurrentIndex(dist.kind.findData("radio_outage"))
    dist.minutes.setValue(10)
    dist.button.click()
    qtbot.waitUntil(lambda: "radio-uitval begint" in console.log.toPlainText().lower()
                    or "radio outage begins" in console.log.toPlainText(), timeout=10_000)
    log = console.log.toPlainText()
    assert "T1" in log and "P-101" in log
    # A jump: to a time typed wrong is refused on the run line; a right one moves the clock.
    console.jump_to.setText("morgen")
    console.jump()
    assert "morgen" in console.run_error.text()
    console.jump_to.setText("0:20:00")
    qtbot.keyClick(console.jump_to, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "+0:20:00" in console.clock.text(), timeout=10_000)


def test_reset_from_the_console_empties_the_training_database(
        qtbot: QtBot, station: tuple[Meldkamer, Runtime]) -> None:
    wall = FakeWall()
    console = console_on(qtbot, station, autopilot=True, wall=wall)
    load(qtbot, console)
    console.jump_to.setText("0:30:00")
    console.jump()
    qtbot.waitUntil(lambda: console.model.rowCount() == 3 and all(
        console.model.index(r, console.model.column("points")).data() for r in range(3)),
        timeout=20_000)
    assert incidents(station[0]) == 3
    answer(None, click="confirm_keep")  # the safe answer: nothing happens
    console.reset_button.click()
    assert incidents(station[0]) == 3 and console.model.rowCount() == 3
    answer(None, click="confirm_action")
    with qtbot.waitSignal(console.loaded, timeout=20_000):  # a fresh engine, not started
        console.reset_button.click()
    assert incidents(station[0]) == 0
    assert console.model.rowCount() == 0 and console.log.toPlainText() == ""
    assert console.engine is not None and not console.engine.started
    with db_allowed():
        assert station[0].verify_audit().ok
        assert len(station[0].units.list_units()) > 20


def test_a_scenario_file_that_does_not_validate_starts_nothing(
        qtbot: QtBot, station: tuple[Meldkamer, Runtime], tmp_path: Path) -> None:
    console = console_on(qtbot, station, autopilot=False, wall=FakeWall())
    bad = tmp_path / "bad.toml"
    bad.write_text('format = 1\n[scenario]\nname = "x"\ntitle = "X"\nislands = ["BO"]\n'
                   'start = 2026-06-11T19:00:00-04:00\nseed = 1\n\n[[call]]\nat = 60\n'
                   'caller = "+599 555 1234"\nplace = "Dorp Antriol"\nclass = "XX.NOPE"\n',
                   encoding="utf-8")
    assert not console.load_file(bad)
    shown = console.findChild(QLabel, "scenario_error").text()
    assert "bad.toml" in shown and "line 13" in shown and "call[0].class" in shown
    assert console.engine is None and console.scenario is None
    assert not console.start_button.isEnabled()


def test_the_workstation_opens_the_console_with_ctrl_shift_t(
        qtbot: QtBot, station: tuple[Meldkamer, Runtime], tmp_path: Path) -> None:
    from tests.ui.test_workstation import open_window

    core, runtime = station
    win = open_window(qtbot, core, tmp_path)
    win.runtime = runtime  # type: ignore[attr-defined]  # as ui/app.py does
    # Triggered as the key would (a key click with Ctrl+Shift held leaves Qt believing the
    # modifiers are down for the tests after this one).
    found = [a for a in win.findChildren(QAction)
             if a.shortcut() == QKeySequence("Ctrl+Shift+T")]
    assert len(found) == 1 and found[0].text() == "Trainer console"
    found[0].trigger()
    console = getattr(win, "trainer_console", None)
    assert isinstance(console, TrainerConsole) and console.isVisible()
    assert console.core is core and console.runtime is runtime
    # The console's run rings at this workstation's phone (the training channel), and the
    # trainee's answer there reaches the console's table.
    load(qtbot, console)
    console.jump_to.setText("0:01:30")
    console.jump()
    qtbot.waitUntil(lambda: win.trainee is not None and len(win.trainee.ringing) == 1,
                    timeout=20_000)
    model = console.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10_000)
    assert model.index(0, model.column("answered")).data() == ""
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    win.new_call()  # F2: the oldest ringing call, its number filled in
    qtbot.waitUntil(lambda: model.index(0, model.column("answered")).data() != "",
                    timeout=20_000)
    assert "statia-house-fire" in console.log.toPlainText()
    console.close()
    win.ops.wait()


def test_meldkamer_trainer_screenshot(tmp_path: Path) -> None:
    """``launch`` (the 'trainer' frontend) in its own process: a screenshot mid-run."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               MELDKAMER_DATA_DIR=str(tmp_path / "data"),
               MELDKAMER_CONFIG_DIR=str(tmp_path / "config"))
    env.pop("MELDKAMER_DB", None)
    out = tmp_path / "console.png"
    code = ("import sys; from meldkamer.cli import build_parser; from ui.trainer import launch;"
            " sys.exit(launch(build_parser().parse_args(sys.argv[1:])))")
    done = subprocess.run(
        [sys.executable, "-c", code, "trainer", "--scenario", SABA, "--autopilot",
         "--jump", "0:10:00", "--screenshot", str(out)],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 10_000
    assert (tmp_path / "data" / "training.sqlite3").exists()  # the training database
    assert not (tmp_path / "data" / "meldkamer.sqlite3").exists()  # never the live one


def test_meldkamer_trainer_refuses_a_bad_jump_and_a_bad_scenario(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               MELDKAMER_DATA_DIR=str(tmp_path / "data"),
               MELDKAMER_CONFIG_DIR=str(tmp_path / "config"))
    code = ("import sys; from meldkamer.cli import build_parser; from ui.trainer import launch;"
            " sys.exit(launch(build_parser().parse_args(sys.argv[1:])))")
    done = subprocess.run([sys.executable, "-c", code, "trainer", "--jump", "morgen"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2 and "'morgen' is not a time" in done.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("format = 2\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", code, "trainer", "--scenario", str(bad)],
                          env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2 and "bad.toml, regel 1, format" in done.stderr  # Dutch
    assert "Traceback" not in done.stderr
