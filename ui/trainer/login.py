"""Who runs the trainer console: a login like the workstation's, by someone who may train.

``meldkamer trainer`` asks for a name and password before the console opens (the login
dialog of ``ui.login``), and only a role that may run training gets in
(``permissions.TRAIN``: a trainer, and on the training database a supervisor); anyone
else is told so and asked again. A token file named with ``--token-file`` or
``MELDKAMER_TOKEN_FILE`` logs in as at the workstation. A run nobody watches
(``--screenshot``) logs in a demo account that may train, with the documented demo
password, or is refused (exit 11).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from meldkamer.auth.users import DEMO_PASSWORD, UserView
from meldkamer.commands import permissions
from meldkamer.core import Meldkamer
from meldkamer.errors import NotLoggedIn, NotPermitted
from meldkamer.roles import Actor, Role
from ui.login import LoginDialog, run_dialog
from ui.ops import Operations


@dataclass
class TrainerLogin:
    """What the console's login needs, read before the GUI thread exists."""

    actor: Actor | None
    ask: bool
    users: int
    name: str = ""
    message: str = ""
    demo: list[UserView] = field(default_factory=list)


def refusal(core: Meldkamer, actor: Actor) -> NotPermitted | None:
    """Why ``actor`` may not run the console on this database, or None when they may."""
    try:
        permissions.check(actor.role, "operator", permissions.TRAIN, training=core.training)
    except NotPermitted as exc:
        return exc
    return None


def read_login(core: Meldkamer, args: argparse.Namespace, unattended: bool) -> TrainerLogin:
    """A token file's user or, unattended, a demo account that may train (database work:
    call it before the GUI thread exists)."""

    actor, message = core.users.actor_for_token_file(getattr(args, "token_file", None))
    if actor is not None:
        refused = refusal(core, actor)
        if refused is not None:
            actor, message = None, str(refused)
    trainers = [u for u in core.users.demo_accounts() if refusal(
        core, Actor(u.name, Role(u.role), core.workstation)) is None]
    if actor is None and unattended and trainers:
        try:
            actor = core.users.authenticate(trainers[0].name, DEMO_PASSWORD)
        except NotLoggedIn as exc:
            message = str(exc)
    return TrainerLogin(actor, not unattended, core.users.count(),
                        name=getattr(args, "user", None) or "", message=message,
                        demo=trainers)


def log_in(core: Meldkamer, ops: Operations, login: TrainerLogin) -> Actor | None:
    """Act as the person who runs the console: the one read already, else asked for until
    someone who may train logs in; None when the login was cancelled.

    Raises ``NotLoggedIn`` when nobody can be asked (unattended) or nobody can log in yet.
    """
    if login.actor is not None:
        core.set_actor(login.actor)
        return login.actor
    if not login.ask:
        raise NotLoggedIn("nobody who may run a training is logged in: give a trainer's "
                          "token file with --token-file or MELDKAMER_TOKEN_FILE{detail}",
                          detail=f" ({login.message})" if login.message else "")
    if not login.users:
        raise NotLoggedIn("the training database has no users yet: create the "
                          "administrator with 'meldkamer --training user init', then a "
                          "trainer with 'meldkamer --training user add'")
    message, name = login.message, login.name
    while True:
        dialog = LoginDialog(core, ops, name=name, demo_accounts=login.demo, message=message)
        actor = run_dialog(dialog)
        dialog.deleteLater()
        if actor is None:
            return None
        refused = refusal(core, actor)
        if refused is None:
            return actor
        message, name = str(refused), ""
