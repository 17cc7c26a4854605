"""The user commands: every write of ``core.users`` goes through ``Meldkamer.execute``.

A command is stored (its result, the outage journal), so it carries a password's argon2
hash, never the password. Managing users is the administrator's; logging in, tokens and
one's own password are open to every role (the handler checks whose password it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from meldkamer.commands import permissions
from meldkamer.commands.base import Command, command
from meldkamer.i18n import N_
from meldkamer.roles import Role

USERS = "meldkamer.auth.users"


@command("user.init", USERS)
@dataclass(frozen=True, kw_only=True)
class InitAdmin(Command):
    """The first administrator, on a database without users."""

    login: str
    password_hash: str
    full_name: str = ""


@command("user.add", USERS)
@dataclass(frozen=True, kw_only=True)
class AddUser(Command):
    """A new user with a role."""

    login: str
    role: str
    password_hash: str
    full_name: str = ""


@command("user.password", USERS)
@dataclass(frozen=True, kw_only=True)
class SetPassword(Command):
    """A user's new password hash (an administrator's, or one's own)."""

    login: str
    password_hash: str


@command("user.role", USERS)
@dataclass(frozen=True, kw_only=True)
class SetRole(Command):
    """A user's new role."""

    login: str
    role: str


@command("user.disable", USERS)
@dataclass(frozen=True, kw_only=True)
class DisableUser(Command):
    """End a user's access."""

    login: str


@command("user.login", USERS)
@dataclass(frozen=True, kw_only=True)
class RecordLogin(Command):
    """A login attempt's outcome: a failure counts (and may lock), a success may rehash."""

    login: str
    good: bool
    new_hash: str | None = None


@command("user.token", USERS)
@dataclass(frozen=True, kw_only=True)
class IssueToken(Command):
    """A CLI login token (its hash) for a user, until ``expires_at``."""

    login: str
    token_hash: str
    expires_at: datetime


@command("user.logout", USERS)
@dataclass(frozen=True, kw_only=True)
class RevokeToken(Command):
    """Forget a CLI login token."""

    token_hash: str


@command("user.demo", USERS)
@dataclass(frozen=True, kw_only=True)
class CreateDemoAccounts(Command):
    """The demo accounts, in a database with demo data and no real users."""

    password_hash: str


_EVERYONE = tuple(Role)
permissions.register("user.add", [Role.ADMINISTRATOR], action=N_("add a user"))
permissions.register("user.role", [Role.ADMINISTRATOR], action=N_("change a user's role"))
permissions.register("user.disable", [Role.ADMINISTRATOR], action=N_("disable a user"))
for _name in ("user.init", "user.password", "user.login", "user.token", "user.logout"):
    permissions.register(_name, _EVERYONE)
permissions.register("user.demo", _EVERYONE, sources=["scenario"])
