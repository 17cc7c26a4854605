"""``meldkamer login``, ``logout``, ``whoami`` and ``user ...``: who may use the system.

``user init`` creates the first administrator on a database without users; the other
``user`` commands are an administrator's. Passwords are asked twice without echo, or read
from the first line of stdin with ``--password-stdin``; they are never printed or logged.
"""

from __future__ import annotations

import argparse
from typing import Any

from meldkamer.cli.commands import _core, _emit, _open, _t, _table
from meldkamer.cli.login import ask_name, interactive, password_from, wanted_name
from meldkamer.errors import InvalidInput, Refused
from meldkamer.i18n import tr
from meldkamer.roles import Role


def add_commands(sub: Any, cmd: Any) -> None:
    roles = [r.value for r in Role]

    def stdin_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of stdin (scripts)")

    p = cmd(sub, "login", "log in: ask name and password, write a token (12 hours) to the "
                          "token file (0600)")
    stdin_option(p)
    p.set_defaults(func=login)
    cmd(sub, "logout", "end this login: forget the token").set_defaults(func=logout)
    cmd(sub, "whoami", "who the token logs in, with which role").set_defaults(func=whoami)

    us = cmd(sub, "user", "users and their roles (an administrator's)").add_subparsers(
        dest="user_cmd", required=True)
    p = cmd(us, "init", "create the first administrator (a database without users)")
    p.add_argument("--name", help="the administrator's login name (asked when left out)")
    p.add_argument("--full-name", default="")
    stdin_option(p)
    p.set_defaults(func=user_init)
    p = cmd(us, "add", "add a user with a role")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=roles)
    p.add_argument("--full-name", default="")
    stdin_option(p)
    p.set_defaults(func=user_add)
    cmd(us, "list", "list the users").set_defaults(func=user_list)
    p = cmd(us, "passwd", "give a user a new password (yours, or as administrator anyone's)")
    p.add_argument("name")
    stdin_option(p)
    p.set_defaults(func=user_passwd)
    p = cmd(us, "role", "change a user's role")
    p.add_argument("name")
    p.add_argument("role", choices=roles)
    p.set_defaults(func=user_role)
    p = cmd(us, "disable", "end a user's access (users are never deleted)")
    p.add_argument("name")
    p.set_defaults(func=user_disable)


def _user_text(u: Any) -> str:
    return tr("{name} ({role})", name=u.name, role=u.role)


def login(args: argparse.Namespace) -> int:
    from meldkamer.auth import tokens

    core = _open(args)
    if core.users.count() == 0:
        from meldkamer.cli.login import no_users_message

        raise no_users_message()
    name = wanted_name(args) if getattr(args, "user", None) else None
    if name is None:  # asked on a terminal (MELDKAMER_USER the default), else that name
        scripted = getattr(args, "password_stdin", False) or not interactive()
        name = wanted_name(args) if scripted else ask_name(wanted_name(args))
        if not name:
            raise InvalidInput("give the login name with --user NAME")
    password = password_from(args, twice=False)
    actor = core.users.log_in(name, password)
    token, expires = core.users.issue_token(actor)
    path = tokens.token_path(getattr(args, "token_file", None))
    tokens.write(path, token)
    _emit(args, {"user": actor.user, "role": actor.role.value, "expires_at": expires,
                 "token_file": str(path)},
          tr("logged in as {user} ({role}) until {at}; token in {path}", user=actor.user,
             role=actor.role.value, at=_t(expires), path=str(path)))
    return 0


def logout(args: argparse.Namespace) -> int:
    from meldkamer.auth import tokens

    path = tokens.token_path(getattr(args, "token_file", None))
    token = tokens.read(path)
    if token is not None:
        core = _open(args)
        core.users.revoke_token(token)
        tokens.remove(path)
    _emit(args, {"logged_out": token is not None, "token_file": str(path)},
          tr("logged out ({path} removed)", path=str(path)) if token is not None
          else tr("not logged in ({path} does not exist)", path=str(path)))
    return 0


def whoami(args: argparse.Namespace) -> int:
    core = _core(args)
    actor = core.actor
    _emit(args, {"user": actor.user, "role": actor.role.value,
                 "workstation": actor.workstation},
          tr("{user} ({role}) at {workstation}", user=actor.user, role=actor.role.value,
             workstation=actor.workstation))
    return 0


def user_init(args: argparse.Namespace) -> int:
    core = _open(args)
    if core.users.count():
        raise Refused("there are users already: the first administrator is created only on "
                      "an empty database; ask an administrator")
    name = args.name
    if not name:
        if getattr(args, "password_stdin", False) or not interactive():
            raise InvalidInput("give the administrator's login name with --name NAME")
        name = ask_name(None)
    password = password_from(args, twice=True)
    u = core.users.init_admin(name, password, args.full_name)
    _emit(args, u.to_dict(), tr("administrator {name} created; log in with 'meldkamer login "
                                "--user {name}'", name=u.name))
    return 0


def user_add(args: argparse.Namespace) -> int:
    core = _core(args)
    core.users.require_admin()  # before a password is asked for
    u = core.users.add(args.name, args.role, password_from(args, twice=True), args.full_name)
    _emit(args, u.to_dict(), tr("user {user} added", user=_user_text(u)))
    return 0


def user_list(args: argparse.Namespace) -> int:
    core = _core(args)
    users = core.users.list_users()
    _emit(args, [u.to_dict() for u in users], _table(
        [[u.name, u.role, u.full_name, tr("active") if u.active else tr("disabled"),
          tr("demo") if u.demo else "", _t(u.locked_until) if u.locked_until else ""]
         for u in users],
        [tr("NAME"), tr("ROLE"), tr("FULL NAME"), tr("STATE"), "", tr("LOCKED UNTIL")]))
    return 0


def user_passwd(args: argparse.Namespace) -> int:
    core = _core(args)
    from meldkamer.auth.users import login_name

    if login_name(args.name) != core.actor.user:
        core.users.require_admin()  # before a password is asked for
    u = core.users.set_password(args.name, password_from(args, twice=True))
    _emit(args, u.to_dict(), tr("new password for {user}; their CLI logins have ended",
                                user=u.name))
    return 0


def user_role(args: argparse.Namespace) -> int:
    core = _core(args)
    u = core.users.set_role(args.name, args.role)
    _emit(args, u.to_dict(), tr("{user} is now {role}", user=u.name, role=u.role))
    return 0


def user_disable(args: argparse.Namespace) -> int:
    core = _core(args)
    u = core.users.disable(args.name)
    _emit(args, u.to_dict(), tr("{user} is disabled", user=u.name))
    return 0
