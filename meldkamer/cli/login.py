"""Who runs a CLI command: the user of the token file, else a login asked on the terminal.

``--user`` names the login to ask for (or checks that the token is that user's). Without a
valid token and without a terminal, a command fails with exit 11 and says how to log in.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING

from meldkamer.auth import tokens
from meldkamer.errors import InvalidInput, NotLoggedIn
from meldkamer.i18n import tr
from meldkamer.roles import Actor

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer


def interactive() -> bool:
    """True when there is a person at a terminal to ask for a name and password."""
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def wanted_name(args: argparse.Namespace) -> str | None:
    """The login name given with --user (or MELDKAMER_USER), lower case; None when not given."""
    from meldkamer.auth.users import login_name

    name = getattr(args, "user", None) or os.environ.get("MELDKAMER_USER")
    return login_name(name) if name else None


def ask_name(default: str | None) -> str:
    """The login name, asked on the terminal (Enter keeps ``default``)."""
    prompt = (tr("Name [{name}]: ", name=default) if default else tr("Name: "))
    print(prompt, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        raise NotLoggedIn("no name given; nothing was done")
    return line.strip() or default or ""


def ask_password(prompt: str) -> str:
    """A password read on the terminal without echo."""
    return getpass.getpass(tr(prompt), stream=sys.stderr)


def password_from(args: argparse.Namespace, *, twice: bool) -> str:
    """A password: the first line of stdin with --password-stdin, else asked without echo
    (``twice``: typed again to confirm). Without a terminal and without --password-stdin,
    refused."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        return password[:-1] if password.endswith("\r") else password
    if not interactive():
        raise NotLoggedIn("no terminal to ask for the password on: give it on stdin with "
                          "--password-stdin")
    first = ask_password("Password: ")
    if twice and ask_password("Password again: ") != first:
        raise InvalidInput("the two passwords differ; nothing was changed")
    return first


def no_users_message() -> NotLoggedIn:
    return NotLoggedIn("this database has no users yet: create the administrator with "
                       "'meldkamer user init'")


def establish(core: Meldkamer, args: argparse.Namespace) -> Actor:
    """Log the command in (token file, else the terminal) and act as that user."""
    path = tokens.token_path(getattr(args, "token_file", None))
    wanted = wanted_name(args) if getattr(args, "user", None) else None
    problem: NotLoggedIn | None = None
    token = tokens.read(path)
    if token is not None:
        try:
            actor = core.users.actor_for_token(token)
        except NotLoggedIn as exc:
            problem = exc
        else:
            if wanted is None or wanted == actor.user:
                core.set_actor(actor)
                return actor
            problem = NotLoggedIn("the token in {path} logs in {token_user}, not {user}",
                                  path=str(path), token_user=actor.user, user=wanted)
    if not interactive():
        if core.users.count() == 0:
            raise no_users_message()
        if problem is not None:
            raise problem
        raise NotLoggedIn("not logged in: run 'meldkamer login' first (or give a token file "
                          "with --token-file or MELDKAMER_TOKEN_FILE); there is no terminal "
                          "to ask for a password on")
    if problem is not None:
        print("meldkamer: " + str(problem), file=sys.stderr)
    if core.users.count() == 0:
        raise no_users_message()
    name = ask_name(wanted or wanted_name(args))
    return core.users.log_in(name, ask_password("Password: "))
