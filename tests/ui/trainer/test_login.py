"""Who runs the trainer console: a login like the workstation's, by a role that may train.

Real login dialogs (the password checked on the worker), a real training database.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.errors import NotLoggedIn
from meldkamer.roles import Actor, Role
from tests.fixtures import TESTER_PASSWORD, seed_tester, write_token_file
from tests.meldkamer.training.test_training import training_core
from tests.ui.dbguard import db_allowed
from ui.login import LoginDialog
from ui.ops import Operations
from ui.qt import QApplication, Qt, QTimer
from ui.trainer.login import TrainerLogin, log_in, read_login, refusal


def before_gui(core: Meldkamer, args: argparse.Namespace, unattended: bool) -> TrainerLogin:
    """``read_login`` as ``launch`` calls it, before there is a GUI thread: here on a
    thread of its own (the guard allows no database work on the GUI thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(read_login, core, args, unattended).result()


@pytest.fixture
def training(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    """A training database with the demo roster, an operator and a trainer."""
    with db_allowed():
        core = training_core(sqlite_url, ref)
        seed_tester(sqlite_url, "jansen", "operator")
        seed_tester(sqlite_url, "instructeur", "trainer")
    yield core
    core.close()


def test_a_trainer_and_on_a_training_database_a_supervisor_may_train(
        training: Meldkamer) -> None:
    def actor(role: Role) -> Actor:
        return Actor("x", role, training.workstation)

    assert refusal(training, actor(Role.TRAINER)) is None
    assert refusal(training, actor(Role.SUPERVISOR)) is None
    for role in (Role.OPERATOR, Role.TECHNICIAN, Role.ADMINISTRATOR):
        refused = refusal(training, actor(role))
        assert refused is not None
        assert str(refused) == (f"the role {role.value} may not run a training "
                                "(training.run); nothing was changed")


def test_an_unattended_run_logs_in_a_demo_account_that_may_train(
        training: Meldkamer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MELDKAMER_TOKEN_FILE")
    with db_allowed():
        assert training.users.create_demo_accounts() == []  # real users: no demo accounts
    login = before_gui(training, argparse.Namespace(), unattended=True)
    assert login.actor is None and not login.ask
    with pytest.raises(NotLoggedIn, match="nobody who may run a training"):
        log_in(training, Operations(), login)


def test_a_token_file_of_a_trainer_logs_in_and_an_operators_is_refused(
        training: Meldkamer, tmp_path: Path) -> None:
    token = write_token_file(tmp_path / "trainer.token", "instructeur")
    login = before_gui(training, argparse.Namespace(token_file=str(token)), unattended=True)
    assert login.actor is not None and login.actor.role == Role.TRAINER
    assert log_in(training, Operations(), login) == login.actor
    assert training.actor.user == "instructeur"
    token = write_token_file(tmp_path / "jansen.token", "jansen")
    login = before_gui(training, argparse.Namespace(token_file=str(token)), unattended=False)
    assert login.actor is None and "the role operator may not run a training" in login.message


def test_the_console_asks_again_until_someone_who_may_train_logs_in(
        qtbot: QtBot, training: Meldkamer) -> None:
    login = TrainerLogin(None, True, 3)
    typed = [("jansen", TESTER_PASSWORD), ("instructeur", TESTER_PASSWORD)]
    shown: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, LoginDialog) or dialog.form.busy or not typed:
            return
        if dialog.property("answered"):
            return
        dialog.setProperty("answered", True)
        shown.append(dialog.form.message.text())
        name, password = typed.pop(0)
        dialog.form.name.setText(name)
        qtbot.keyClicks(dialog.form.password, password)
        qtbot.keyClick(dialog.form.password, Qt.Key.Key_Return)

    timer = QTimer()
    timer.timeout.connect(answer)
    timer.start(20)
    ops = Operations()
    try:
        actor = log_in(training, ops, login)
    finally:
        timer.stop()
        ops.wait()
    assert typed == []
    assert actor is not None and actor.user == "instructeur" and actor.role == Role.TRAINER
    assert training.actor == actor
    assert shown == ["", "the role operator may not run a training (training.run); "
                         "nothing was changed"]


def test_a_cancelled_login_opens_no_console(qtbot: QtBot, training: Meldkamer) -> None:
    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, LoginDialog):
            dialog.reject()

    timer = QTimer()
    timer.timeout.connect(cancel)
    timer.start(20)
    try:
        assert log_in(training, Operations(), TrainerLogin(None, True, 3)) is None
    finally:
        timer.stop()


def test_a_training_database_without_users_says_how_to_make_them(
        training: Meldkamer) -> None:
    with pytest.raises(NotLoggedIn, match="--training user init"):
        log_in(training, Operations(), TrainerLogin(None, True, 0))


def test_unattended_on_a_demo_training_database_the_demo_supervisor_trains(
        tmp_path: Path, ref: Reference, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MELDKAMER_TOKEN_FILE")
    with db_allowed():
        core = training_core(str(tmp_path / "training.sqlite3"), ref)
        assert core.users.create_demo_accounts() == ["demo", "sup"]
    try:
        login = before_gui(core, argparse.Namespace(), unattended=True)
        assert [u.name for u in login.demo] == ["sup"]  # the demo operator may not train
        assert login.actor is not None and login.actor.user == "sup"
        assert log_in(core, Operations(), login) == login.actor
        assert core.actor.role == Role.SUPERVISOR
    finally:
        core.close()
