"""The login dialog and the first start: real widgets, the password checked on the worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.roles import Role
from tests.fixtures import TESTER, TESTER_PASSWORD, open_core
from tests.ui.dbguard import db_allowed
from ui.login import FirstStartDialog, LoginDialog
from ui.ops import Operations
from ui.qt import QLineEdit, Qt


@pytest.fixture
def mk(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    with db_allowed():
        core = open_core(sqlite_url, ref, user="nobody-yet")
    yield core
    core.close()


def type_login(qtbot: QtBot, dialog: LoginDialog | None, name: str, password: str,
               form: object | None = None) -> None:
    target = form or dialog.form  # type: ignore[union-attr]
    target.name.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(target.name, name)  # type: ignore[attr-defined]
    qtbot.keyClick(target.name, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    qtbot.keyClicks(target.password, password)  # type: ignore[attr-defined]
    qtbot.keyClick(target.password, Qt.Key.Key_Return)  # type: ignore[attr-defined]


def test_the_right_password_logs_in_and_sets_the_actor(qtbot: QtBot, mk: Meldkamer) -> None:
    ops = Operations()
    dialog = LoginDialog(mk, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.form.password.echoMode() == QLineEdit.EchoMode.Password
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        type_login(qtbot, dialog, TESTER, TESTER_PASSWORD)
    assert dialog.actor is not None and dialog.actor.user == TESTER
    assert mk.actor.user == TESTER and mk.actor.role == Role.SUPERVISOR and mk.user == TESTER
    ops.wait()


def test_a_wrong_password_is_refused_with_a_message(qtbot: QtBot, mk: Meldkamer) -> None:
    ops = Operations()
    dialog = LoginDialog(mk, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.form.refused, timeout=10_000):
        type_login(qtbot, dialog, TESTER, "not-the-password")
    assert dialog.form.message.text() == "wrong name or password"
    assert dialog.form.password.text() == "" and dialog.isVisible()
    assert dialog.actor is None and mk.actor.user == "nobody-yet"
    ops.wait()


def test_the_dialog_is_in_the_workstation_language_and_names_demo_accounts(
        qtbot: QtBot, mk: Meldkamer) -> None:
    from meldkamer import i18n
    from meldkamer.auth.users import DEMO_PASSWORD

    with db_allowed():
        i18n.set_language("nl")
        try:
            dialog = LoginDialog(mk, Operations(), demo_accounts=[])
            qtbot.addWidget(dialog)
            assert not dialog.form.hint.text()
            from meldkamer.auth.users import UserView

            demo = [UserView("demo", "", "operator", True, True, mk.clock(), mk.clock(),
                             None)]
            shown = LoginDialog(mk, Operations(), demo_accounts=demo)
            qtbot.addWidget(shown)
        finally:
            i18n.set_language("en")
    assert "demo" in shown.form.hint.text() and DEMO_PASSWORD in shown.form.hint.text()


def test_the_first_start_creates_the_administrator(qtbot: QtBot, mk: Meldkamer) -> None:
    from sqlalchemy import delete

    from meldkamer.store.models import AppUser, LoginToken

    with db_allowed(), mk.store.write() as s:
        s.execute(delete(LoginToken))
        s.execute(delete(AppUser))
    ops = Operations()
    dialog = FirstStartDialog(mk, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name, "beheer")
    qtbot.keyClicks(dialog.password, "beheer-wachtwoord")
    qtbot.keyClicks(dialog.again, "anders-wachtwoord")
    dialog.submit()
    assert "differ" in dialog.message.text() and dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, "beheer-wachtwoord")
    qtbot.keyClicks(dialog.again, "beheer-wachtwoord")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.submit()
    assert mk.actor.user == "beheer" and mk.actor.role == Role.ADMINISTRATOR
    with db_allowed():
        assert mk.users.count() == 1
    ops.wait()
