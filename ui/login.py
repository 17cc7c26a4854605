"""Logging in at the workstation: the first administrator, then the login dialog.

Both dialogs check the password on the operations worker (argon2 takes a moment and the
GUI thread never touches the database); the core's actor is set only after a good login.
Texts follow the current UI language (Dutch by default).
"""

from __future__ import annotations

from typing import Any

from meldkamer.auth.users import DEMO_PASSWORD, UserView
from meldkamer.core import Meldkamer
from meldkamer.errors import InvalidInput
from meldkamer.i18n import tr
from meldkamer.roles import Actor, role_name
from ui.ops import Operations
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    Signal,
)


def demo_hint(accounts: list[UserView]) -> str:
    """The line naming the demo accounts (only a database with demo data has any)."""
    if not accounts:
        return ""
    listed = ", ".join(tr("{name} ({role})", name=u.name, role=role_name(u.role))
                       for u in accounts)
    return tr("Demo accounts: {accounts}; password: {password}", accounts=listed,
              password=DEMO_PASSWORD)


class LoginForm(QWidget):
    """Name, password and a message line; checks a login on the worker.

    Shared by the login dialog and the lock screen.
    """

    logged_in = Signal(object)
    """A good login: the ``Actor`` (the core already acts as them)."""
    refused = Signal(str)
    """A login was refused: the message shown."""

    def __init__(self, core: Meldkamer, ops: Operations, parent: QWidget | None = None, *,
                 name: str = "", hint: str = "") -> None:
        super().__init__(parent)
        self.core, self.ops = core, ops
        self.busy = False
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(name)
        self.name.setObjectName("login_name")
        self.name.setMaxLength(60)
        self.password = QLineEdit()
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(256)
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("Password"), self.password)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setObjectName("login_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.hint = QLabel(hint)
        self.hint.setObjectName("login_demo_accounts")
        self.hint.setWordWrap(True)
        self.hint.setVisible(bool(hint))
        layout.addWidget(self.hint)
        self.name.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)

    def focus(self) -> None:
        """Put the cursor where typing starts: the name, or the password when it is known."""
        (self.password if self.name.text() else self.name).setFocus()

    def submit(self) -> None:
        """Check the name and password on the worker."""
        if self.busy:
            return
        name, password = self.name.text().strip(), self.password.text()
        if name and not password:  # Enter after the name: on to the password
            self.password.setFocus()
            return
        if not name:
            self._refuse(InvalidInput("type your name and password"))
            self.name.setFocus()
            return
        self.busy = True
        self.message.setText(tr("Checking…"))
        self.ops.run(lambda: self.core.users.authenticate(name, password), self._done,
                     self._refuse)

    def _done(self, actor: Actor) -> None:
        self.busy = False
        self.password.clear()
        self.message.setText("")
        self.core.set_actor(actor)
        self.logged_in.emit(actor)

    def _refuse(self, exc: Exception) -> None:
        self.busy = False
        self.password.clear()
        text = str(exc)
        self.message.setText(text)
        self.password.setFocus()
        self.refused.emit(text)


class LoginDialog(QDialog):
    """Who works at this workstation: asked before the main window opens."""

    def __init__(self, core: Meldkamer, ops: Operations, parent: QWidget | None = None, *,
                 name: str = "", demo_accounts: list[UserView] | None = None,
                 message: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("login_dialog")
        title = tr("Meldkamer KPCN — log in")
        self.setWindowTitle(f"[{tr('TRAINING')}] {title}" if core.training else title)
        self.actor: Actor | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Log in with your name and password.")))
        self.form = LoginForm(core, ops, self, name=name,
                              hint=demo_hint(demo_accounts or []))
        if message:
            self.form.message.setText(message)
        layout.addWidget(self.form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Log in"))
        buttons.accepted.connect(self.form.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.form.logged_in.connect(self._accepted)
        self.form.focus()

    def _accepted(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()


class FirstStartDialog(QDialog):
    """The first start: no user exists yet, so this person becomes the administrator."""

    def __init__(self, core: Meldkamer, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_start_dialog")
        self.core, self.ops = core, ops
        self.actor: Actor | None = None
        self.busy = False
        self.setWindowTitle(tr("Meldkamer KPCN — first start"))
        layout = QVBoxLayout(self)
        intro = QLabel(tr("There are no users yet. Create the administrator: they add the "
                          "operators, supervisors and other users."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setObjectName("admin_name")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("admin_full_name")
        self.password = QLineEdit()
        self.password.setObjectName("admin_password")
        self.again = QLineEdit()
        self.again.setObjectName("admin_password_again")
        for edit in (self.password, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(256)
        form.addRow(tr("Login name"), self.name)
        form.addRow(tr("Full name"), self.full_name)
        form.addRow(tr("Password"), self.password)
        form.addRow(tr("Password again"), self.again)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setObjectName("admin_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Create administrator"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name.setFocus()

    def submit(self) -> None:
        """Create the administrator and log them in, on the worker."""
        if self.busy:
            return
        if self.password.text() != self.again.text():
            self._refuse(InvalidInput("the two passwords differ; nothing was changed"))
            return
        name, full, password = self.name.text(), self.full_name.text(), self.password.text()
        users = self.core.users

        def create() -> Actor:
            made = users.init_admin(name, password, full)
            return users.authenticate(made.name, password)

        self.busy = True
        self.message.setText(tr("Creating…"))
        self.ops.run(create, self._done, self._refuse)

    def _done(self, actor: Actor) -> None:
        self.busy = False
        self.core.set_actor(actor)
        self.actor = actor
        self.accept()

    def _refuse(self, exc: Exception) -> None:
        self.busy = False
        self.message.setText(str(exc))
        for edit in (self.password, self.again):
            edit.clear()


def run_dialog(dialog: Any) -> Actor | None:
    """Show a login dialog modally; the actor, or None when cancelled."""
    dialog.exec()
    actor: Actor | None = dialog.actor
    return actor
