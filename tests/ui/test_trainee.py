"""The trainee's workstation: a scenario call rings, F2 answers it, the caller answers when
asked, and the engine (another core on the same training file) sees it dispatched.

The engine's core stands for the trainer's process: its events reach the window's core
only through the change feed (its watcher polled by the test).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.services.changes import ChangeWatcher
from meldkamer.settings import SPEECH
from meldkamer.training import parse
from meldkamer.training.engine import Engine
from meldkamer.training.scoring import score_run
from tests.fixtures import open_core
from tests.meldkamer.training.test_channel import BURGLARY
from tests.meldkamer.training.test_training import HEAD, FakeWall, training_core
from tests.ui.dbguard import allowed, db_allowed
from tests.ui.test_workstation import Keyboard, open_window
from ui.main_window import MainWindow
from ui.qt import QAction, Qt
from ui.widgets.phone import shown_number

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


class Trainer:
    """The engine on its own core (the trainer's process), on the window's training file."""

    def __init__(self, url: str, ref: Reference) -> None:
        self.wall = FakeWall()
        self.core = training_core(url, ref)
        self.watcher = ChangeWatcher(self.core)
        self.engine = Engine(self.core, parse(HEAD + BURGLARY, ref), speed=1,
                             wall=self.wall, epoch=self.wall, publish=True)

    def close(self) -> None:
        self.engine.close()
        self.core.close()


@pytest.fixture
def trainer(sqlite_url: str, ref: Reference) -> Iterator[Trainer]:
    with db_allowed():
        t = Trainer(sqlite_url, ref)
    yield t
    with db_allowed():
        t.close()


@pytest.fixture
def trainee(sqlite_url: str, ref: Reference, trainer: Trainer) -> Iterator[Meldkamer]:
    with db_allowed():
        core = open_core(sqlite_url, ref, "trainee")
    assert core.training
    yield core
    with db_allowed():
        core.close()


def test_a_scenario_call_rings_and_is_taken_by_keyboard(qtbot: QtBot, trainer: Trainer,
                                                         trainee: Meldkamer,
                                                         tmp_path: Path) -> None:
    win = open_window(qtbot, trainee, tmp_path)
    assert win.trainee is not None and win.phone_bar is not None
    with db_allowed():
        watcher = ChangeWatcher(trainee)  # the window's runtime would poll it
    win.trainee.wall = trainer.wall  # the trainer's clock, injected
    bar, dock = win.phone_bar, win.caller_dock
    first, second = shown_number("+599 555 1104"), shown_number("+599 555 9002")
    assert first.startswith("+599 ")  # as the phone system presents it
    assert not dock.isVisible()
    engine = trainer.engine
    with db_allowed():
        engine.start()
        trainer.wall.t += 60
        engine.tick()  # c1 rings at 1:00
        watcher.poll()
    qtbot.waitUntil(lambda: first in bar.queue.text(), timeout=5000)
    assert bar.indicator.text().endswith("Incoming call")
    with db_allowed():
        trainer.wall.t += 65
        engine.tick()  # c2 rings at 2:00; c1 has rung 1:05
        watcher.poll()
    qtbot.waitUntil(lambda: second in bar.queue.text(), timeout=5000)
    assert "2 waiting" in bar.indicator.text() and "1:05" in bar.queue.text()

    kb = Keyboard(qtbot)
    kb.press(Key.Key_F2)  # answers the oldest: c1
    intake = win.intake_dock
    assert intake.caller.text() == first  # caller ID
    assert kb.focus() is intake.name
    assert dock.isVisible() and dock.call is not None and dock.call.id == "c1"
    assert "Nederlands" in dock.header.text() and "achterdeur" in dock.says.text()
    assert first not in bar.queue.text() and second in bar.queue.text()
    assert dock.answer_shown("name") == "…"
    kb.press(Key.Key_1, CTRL)  # "Your name?"
    assert dock.answer_shown("name") == "Fam. de Vries"
    kb.type("Fam. de Vries")
    kb.press(Key.Key_Tab)
    kb.press(Key.Key_2, CTRL)  # "Where are you?"
    assert dock.answer_shown("location") == "Belnem"
    assert kb.focus() is intake.location_edit
    kb.type("belnem")
    kb.press(Key.Key_Return)
    assert intake.location is not None and intake.location.island == "BO"
    kb.type("inb wo")
    kb.press(Key.Key_Return)
    assert intake.cls is not None and intake.cls.code == "BZ.INB.WON"
    # the class's questions: their answers only once asked
    keys = [r.key for r in dock.rows]
    assert keys[:2] == ["name", "location"] and "weapon" in keys
    row = keys.index("weapon")
    assert dock.answer_shown("weapon") == "…"
    kb.press(getattr(Key, f"Key_{row + 1}"), CTRL)
    assert dock.answer_shown("weapon") not in ("…", "")
    assert not dock.buttons[row].isEnabled()
    fields = dict(zip([q.id for q in intake.questions.questions], intake.questions.fields(),
                      strict=True))
    for qid, answer in dock.call.answers.items():  # asked, and given in the form
        dock.ask(qid)
        fields[qid].setCurrentIndex(fields[qid].findData(answer))
    assert intake.session.answers == dock.call.answers
    qtbot.waitUntil(lambda: intake.session.top_unit is not None, timeout=5000)
    dock.raise_()
    qtbot.wait(50)
    shot = tmp_path / "trainee.png"
    win.set_language("nl")  # as the trainee sees it: in Dutch, the call still there
    qtbot.wait(600)  # laid out again, and the bar has blinked
    assert dock.answer_shown("weapon") == "Onbekend" and intake.caller.text() == first
    assert "Ctrl+1" in dock.buttons[0].text() and dock.buttons[-1].text().startswith("Vraag")
    assert win.grab().save(str(shot), "PNG")
    win.set_language("en")

    kb.press(Key.Key_F5)  # the whole turnout
    qtbot.waitUntil(intake.is_empty, timeout=5000)
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=5000)
    win.ops.wait()
    record = engine.records[0]
    qtbot.waitUntil(allowed(lambda: (trainer.watcher.poll() >= 0
                                     and record.dispatched != ())), timeout=5000)
    with db_allowed():
        inc = trainee.incidents.get(record.incident or "")
    assert set(record.dispatched) == {a.callsign for a in inc.assignments}
    assert record.answered_at == 125 and record.classification == "BZ.INB.WON"
    assert record.answered == {"in_progress", "persons_home", "weapon"}
    scored = score_run(engine.records).calls[0]
    assert scored.score == 100 and scored.time_to_answer == 65
    # the next F2 answers the call still ringing
    kb.press(Key.Key_F2)
    assert intake.caller.text() == second and dock.call is not None
    assert dock.call.id == "c2" and second not in bar.queue.text()
    assert bar.indicator.text() == "No calls waiting"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_the_caller_is_spoken_when_asked(qtbot: QtBot, trainer: Trainer, trainee: Meldkamer,
                                         tmp_path: Path) -> None:
    """With speech on, what the caller says and answers goes to the speaker in the
    caller's language, as a WAV espeak-ng made; switched off, nothing more is said."""
    win = open_window(qtbot, trainee, tmp_path)
    with db_allowed():
        watcher = ChangeWatcher(trainee)
    win.trainee.wall = trainer.wall
    spoken: list[bytes] = []  # each WAV's header, read when it is ready (removed once played)

    def ready(path: str) -> None:
        with open(path, "rb") as wav:
            spoken.append(wav.read(4))

    win.speaker.synthesized.connect(ready)
    said: list[tuple[str, str]] = []
    win.caller_dock.said.connect(lambda text, lang: said.append((text, lang)))
    action = win.findChild(QAction, "speech_action")
    assert action is not None and action.isChecked() and action.isEnabled()
    with db_allowed():
        trainer.engine.start()
        trainer.wall.t += 60
        trainer.engine.tick()
        watcher.poll()
    qtbot.waitUntil(lambda: win.trainee.oldest() is not None, timeout=5000)
    Keyboard(qtbot).press(Key.Key_F2)
    assert said and "achterdeur" in said[0][0] and said[0][1] == "nl"
    qtbot.waitUntil(lambda: bool(spoken), timeout=20_000)  # espeak-ng wrote the first line
    assert spoken[0] == b"RIFF"
    action.trigger()  # off
    assert not win.prefs.get(SPEECH) and not win.speaker.busy()
    Keyboard(qtbot).press(Key.Key_1, CTRL)  # the caller answers, silently now
    assert len(said) == 2 and not win.speaker.busy()


def test_f2_without_a_ringing_call_is_an_ordinary_call(qtbot: QtBot, trainer: Trainer,
                                                      trainee: Meldkamer,
                                                      tmp_path: Path) -> None:
    win: MainWindow = open_window(qtbot, trainee, tmp_path)
    assert win.phone_bar is not None
    assert win.phone_bar.indicator.text() == "Phone: no scenario running"
    kb = Keyboard(qtbot)
    kb.press(Key.Key_F2)
    assert kb.focus() is win.intake_dock.caller and win.intake_dock.caller.text() == ""
    assert not win.caller_dock.isVisible()
    keys = dict(win.shortcut_list())
    assert "Ctrl+1 … Ctrl+9" in keys


def test_a_live_workstation_has_no_phone(qtbot: QtBot, sqlite_url: str, ref: Reference,
                                         tmp_path: Path) -> None:
    from meldkamer.store.db import Store

    with db_allowed():
        live = Meldkamer(Store(sqlite_url), ref, user="centralist")
    try:
        win = open_window(qtbot, live, tmp_path)
        assert win.trainee is None and win.phone_bar is None and win.caller_dock is None
    finally:
        with db_allowed():
            live.close()
