"""The people who log in (``core.users``): user management, login with lockout, CLI tokens.

Managing users is for an administrator (``core.actor.role``); every change writes an
audit event naming who made it, and never a password. A login that fails
``MAX_FAILURES`` times in a row locks the account for ``LOCKOUT``; a good login whose hash
was made with older argon2 parameters stores a new hash. Demo accounts exist only in
databases with demo data.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select

from meldkamer.auth import commands as c
from meldkamer.auth import passwords, tokens
from meldkamer.commands.base import writes
from meldkamer.domain.source import Source
from meldkamer.errors import Conflict, InvalidInput, NotFound, NotLoggedIn, Refused
from meldkamer.roles import ROLE_NAMES as ROLE_NAMES  # the names moved to roles
from meldkamer.roles import Actor, Role
from meldkamer.roles import role_name as role_name
from meldkamer.store.models import AppUser, LoginToken, Unit

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)
TOKEN_LIFETIME = timedelta(hours=12)  # a shift
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,59}")
# The demo accounts, documented in docs/users.md and shown by the login dialog.
DEMO_PASSWORD = "demo-kpcn"
DEMO_ACCOUNTS: tuple[tuple[str, Role, str], ...] = (
    ("demo", Role.OPERATOR, "Demo centralist"),
    ("sup", Role.SUPERVISOR, "Demo supervisor"),
)

@dataclass(frozen=True)
class UserView:
    """A user as shown: never the hash."""

    name: str
    full_name: str
    role: str
    active: bool
    demo: bool
    created_at: datetime
    password_changed_at: datetime
    locked_until: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _view(u: AppUser) -> UserView:
    return UserView(u.name, u.full_name, u.role, u.active, u.demo, u.created_at,
                    u.password_changed_at, u.locked_until)


def login_name(name: str) -> str:
    """A login name as stored: lower case, 1 to 60 of a-z, 0-9, '.', '_', '-'."""
    cleaned = name.strip().lower()
    if not NAME.fullmatch(cleaned):
        raise InvalidInput("{name!r} is not a login name: use 1 to 60 letters a-z, digits, "
                           "'.', '_' or '-', starting with a letter or digit", name=name[:80])
    return cleaned


def role_of(text: str) -> Role:
    """A role by its stored name."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise InvalidInput("{role!r} is not a role: one of {roles}", role=text[:40],
                           roles=", ".join(r.value for r in Role)) from None


class UserService:
    """Users, logins and tokens for one core."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core

    # -- reading ------------------------------------------------------------------------

    def count(self) -> int:
        """How many users there are (0: the first start still has to create one)."""
        with self.core.store.read() as s:
            return int(s.scalar(select(func.count()).select_from(AppUser)) or 0)

    def list_users(self) -> list[UserView]:
        """Every user, by name (an administrator's view)."""
        self.require_admin()
        with self.core.store.read() as s:
            return [_view(u) for u in s.scalars(select(AppUser).order_by(AppUser.name))]

    def demo_accounts(self) -> list[UserView]:
        """The active demo accounts (the login dialog names them; none in a live database)."""
        with self.core.store.read() as s:
            rows = s.scalars(select(AppUser).where(AppUser.demo.is_(True),
                                                   AppUser.active.is_(True))
                             .order_by(AppUser.name))
            return [_view(u) for u in rows]

    # -- management -----------------------------------------------------------------------

    def require_admin(self) -> None:
        actor = self.core.actor
        if actor.role != Role.ADMINISTRATOR:
            raise Refused("only an administrator manages users; {user} is logged in as "
                          "{role}", user=actor.user, role=actor.role.value)

    def init_admin(self, name: str, password: str, full_name: str = "") -> UserView:
        """Create the first user, an administrator: only while there is no user at all."""
        name = login_name(name)
        # The new administrator acts, not whoever ran it (an OS user, the workstation's
        # default): the command, its record and its audit event name them.
        command = replace(c.InitAdmin.build(self.core, login=name,
                                            password_hash=passwords.hash_password(password),
                                            full_name=full_name),
                          user=name, source_kind="operator", source_detail="")
        self.core.execute(command)
        return self._view_of(name)

    @writes(c.InitAdmin, "users")
    def _init_admin(self, login: str, password_hash: str, full_name: str = "",
                    source: Source | None = None) -> None:
        name = login
        with self.core.transaction() as tx:
            if tx.session.scalar(select(func.count()).select_from(AppUser)):
                raise Refused("there are users already: the first administrator is created "
                              "only on an empty database; ask an administrator")
            user = self._insert(tx.session, name, Role.ADMINISTRATOR, password_hash,
                                full_name, tx.now, demo=False)
            tx.audit("user.create", "user", name, role=Role.ADMINISTRATOR.value,
                     full_name=user.full_name, first=True)

    def _view_of(self, name: str) -> UserView:
        with self.core.store.read() as s:
            return _view(self._get(s, name))

    def add(self, name: str, role: Role | str, password: str, full_name: str = "") -> UserView:
        """Add a user with a role (administrator only)."""
        self.require_admin()
        name, role = login_name(name), role_of(str(role))
        self._add(name, role.value, passwords.hash_password(password), full_name)
        return self._view_of(name)

    @writes(c.AddUser, "users")
    def _add(self, login: str, role: str, password_hash: str, full_name: str = "") -> None:
        name = login
        self.require_admin()
        with self.core.transaction() as tx:
            if tx.session.scalar(select(AppUser.id).where(AppUser.name == name)) is not None:
                raise Conflict("there is already a user {name}", name=name)
            user = self._insert(tx.session, name, Role(role), password_hash, full_name,
                                tx.now, demo=False)
            tx.audit("user.create", "user", name, role=role, full_name=user.full_name)

    @staticmethod
    def _insert(session: Any, name: str, role: Role, digest: str, full_name: str,
                now: datetime, *, demo: bool) -> AppUser:
        full = full_name.strip()
        if len(full) > 120:
            raise InvalidInput("the full name is too long: at most {count} characters",
                               count=120)
        user = AppUser(name=name, full_name=full, role=role.value, password_hash=digest,
                       active=True, demo=demo, created_at=now, password_changed_at=now,
                       failed_logins=0)
        session.add(user)
        session.flush()
        return user

    def _get(self, session: Any, name: str) -> AppUser:
        user = session.scalar(select(AppUser).where(AppUser.name == login_name(name)))
        if user is None:
            raise NotFound("no user {name}", name=name.strip().lower()[:60])
        return user

    def set_password(self, name: str, password: str) -> UserView:
        """Give a user a new password (an administrator, or the user themself). Ends the
        user's CLI logins and any lockout."""
        if login_name(name) != self.core.actor.user:
            self.require_admin()
        self._set_password(login_name(name), passwords.hash_password(password))
        return self._view_of(name)

    @writes(c.SetPassword, "users")
    def _set_password(self, login: str, password_hash: str) -> None:
        name = login
        if name != self.core.actor.user:
            self.require_admin()
        with self.core.transaction() as tx:
            user = self._get(tx.session, name)
            user.password_hash = password_hash
            user.password_changed_at = tx.now
            user.failed_logins = 0
            user.locked_until = None
            tx.session.execute(delete(LoginToken).where(LoginToken.user_name == user.name))
            tx.audit("user.password", "user", user.name)

    def set_role(self, name: str, role: Role | str) -> UserView:
        """Change a user's role (administrator only; the last administrator stays one)."""
        self.require_admin()
        self._set_role(login_name(name), role_of(str(role)).value)
        return self._view_of(name)

    @writes(c.SetRole, "users")
    def _set_role(self, login: str, role: str) -> None:
        name = login
        with self.core.transaction() as tx:
            user = self._get(tx.session, name)
            old = user.role
            if old == role:
                return
            if old == Role.ADMINISTRATOR.value:
                self._keep_an_admin(tx.session, user)
            user.role = role
            tx.session.execute(delete(LoginToken).where(LoginToken.user_name == user.name))
            tx.audit("user.role", "user", user.name, role=role, before=old)

    def disable(self, name: str) -> UserView:
        """End a user's access (administrator only). Users are never deleted: the audit
        trail names them."""
        self.require_admin()
        self._disable(login_name(name))
        return self._view_of(name)

    @writes(c.DisableUser, "users")
    def _disable(self, login: str) -> None:
        name = login
        with self.core.transaction() as tx:
            user = self._get(tx.session, name)
            if not user.active:
                return
            if user.role == Role.ADMINISTRATOR.value:
                self._keep_an_admin(tx.session, user)
            user.active = False
            tx.session.execute(delete(LoginToken).where(LoginToken.user_name == user.name))
            tx.audit("user.disable", "user", user.name)

    @staticmethod
    def _keep_an_admin(session: Any, user: AppUser) -> None:
        others = session.scalar(select(func.count()).select_from(AppUser).where(
            AppUser.role == Role.ADMINISTRATOR.value, AppUser.active.is_(True),
            AppUser.id != user.id))
        if not others:
            raise Refused("{name} is the last active administrator; make another user an "
                          "administrator first", name=user.name)

    # -- logging in -----------------------------------------------------------------------

    def authenticate(self, name: str, password: str) -> Actor:
        """The actor for a good name and password, at this workstation.

        A wrong password counts; the ``MAX_FAILURES``-th in a row locks the account for
        ``LOCKOUT``. A wrong name and a wrong password get the same message.
        """
        wrong = NotLoggedIn("wrong name or password")
        try:
            key = login_name(name)
        except InvalidInput:
            passwords.waste_time(password)
            raise wrong from None
        with self.core.store.read() as s:
            user = s.scalar(select(AppUser).where(AppUser.name == key))
            found = (user.password_hash, user.active, user.locked_until) if user else None
        if found is None or not found[1]:
            passwords.waste_time(password)
            raise wrong
        digest, _, locked_until = found
        now = self.core.clock()
        if locked_until is not None and locked_until > now:
            raise self._locked(key, locked_until)
        good = passwords.verify(digest, password)
        new_hash = (passwords.hasher.hash(password)
                    if good and passwords.needs_rehash(digest) else None)
        role, locked = self._record_login(key, good, new_hash, source=Source.operator(key))
        if not good:
            if locked is not None and locked > now:
                raise self._locked(key, locked)
            raise wrong
        return Actor(key, Role(role), self.core.workstation)

    @writes(c.RecordLogin, "users")
    def _record_login(self, login: str, good: bool, new_hash: str | None = None,
                      source: Source | None = None) -> tuple[str, datetime | None]:
        name = login
        with self.core.transaction() as tx:
            user = self._get(tx.session, name)
            if good:
                if user.failed_logins or user.locked_until is not None:
                    user.failed_logins, user.locked_until = 0, None
                if new_hash is not None:
                    user.password_hash = new_hash
            else:
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILURES:
                    user.failed_logins = 0
                    user.locked_until = tx.now + LOCKOUT
                    tx.audit("user.locked", "user", user.name,
                             minutes=int(LOCKOUT.total_seconds() // 60))
            return user.role, user.locked_until

    @staticmethod
    def _locked(name: str, until: datetime) -> NotLoggedIn:
        from meldkamer.domain.views import local

        shown = local(until)
        return NotLoggedIn("{user} is locked after {count} wrong passwords; try again after "
                           "{at}", user=name, count=MAX_FAILURES,
                           at=shown.strftime("%H:%M") if shown else "-")

    def log_in(self, name: str, password: str) -> Actor:
        """Authenticate and act as that user from now on (``core.set_actor``)."""
        actor = self.authenticate(name, password)
        self.core.set_actor(actor)
        return actor

    # -- CLI tokens -----------------------------------------------------------------------

    def issue_token(self, actor: Actor) -> tuple[str, datetime]:
        """A new login token for ``actor`` (just authenticated) and when it expires. Only its
        hash is stored; expired tokens are removed on the way."""
        token = tokens.new_token()
        expires = self.core.clock() + TOKEN_LIFETIME
        self._issue_token(actor.user, tokens.digest(token), expires,
                          source=Source.operator(actor.user))
        return token, expires

    @writes(c.IssueToken, "users")
    def _issue_token(self, login: str, token_hash: str, expires_at: datetime,
                     source: Source | None = None) -> None:
        name = login
        with self.core.transaction() as tx:
            tx.session.execute(delete(LoginToken).where(LoginToken.expires_at <= tx.now))
            tx.session.add(LoginToken(token_hash=token_hash, user_name=name,
                                      workstation=self.core.workstation, created_at=tx.now,
                                      expires_at=expires_at))

    def actor_for_token(self, token: str) -> Actor:
        """The actor a token logs in, at this workstation; refused when unknown or expired,
        or when its user was disabled."""
        with self.core.store.read() as s:
            row = s.get(LoginToken, tokens.digest(token))
            user = (s.scalar(select(AppUser).where(AppUser.name == row.user_name))
                    if row is not None else None)
            if row is None or user is None:
                raise NotLoggedIn("the login token is not known to this database (logged "
                                  "out, or made for another database); log in with "
                                  "'meldkamer login'")
            if row.expires_at <= self.core.clock():
                raise NotLoggedIn("the login of {user} has expired; log in again with "
                                  "'meldkamer login'", user=user.name)
            if not user.active:
                raise NotLoggedIn("{user} is disabled", user=user.name)
            return Actor(user.name, Role(user.role), self.core.workstation)

    def actor_for_token_file(self, option: str | None) -> tuple[Actor | None, str]:
        """The actor of a token file named with --token-file or MELDKAMER_TOKEN_FILE (the
        GUI's and the trainer console's login without a dialog), and why not when it fails:
        (None, "") when no file was named."""
        from meldkamer.errors import MeldkamerError

        if not tokens.explicit(option):
            return None, ""
        try:
            token = tokens.read(tokens.token_path(option))
            return (self.actor_for_token(token) if token is not None else None), ""
        except MeldkamerError as exc:
            return None, str(exc)

    def revoke_token(self, token: str) -> bool:
        """Forget a token (``meldkamer logout``); False when it was not known."""
        return self._revoke_token(tokens.digest(token))

    @writes(c.RevokeToken, "users")
    def _revoke_token(self, token_hash: str) -> bool:
        with self.core.transaction() as tx:
            gone = tx.session.execute(delete(LoginToken).where(
                LoginToken.token_hash == token_hash))
            return bool(getattr(gone, "rowcount", 0))

    # -- demo -----------------------------------------------------------------------------

    def create_demo_accounts(self) -> list[str]:
        """Create the missing demo accounts in a database with demo data and no real users.

        Once an administrator (or any other real user) exists, no account with a public
        password appears by loading demo data: the administrator adds users.
        """
        with self.core.store.read() as s:
            has_demo = s.scalar(select(Unit.id).where(Unit.demo.is_(True)).limit(1))
            real = s.scalar(select(AppUser.id).where(AppUser.demo.is_(False)).limit(1))
            taken = set(s.scalars(select(AppUser.name)))
        if has_demo is None:
            raise Refused("demo accounts exist only in a database with demo data; this one "
                          "has none")
        missing = [a for a in DEMO_ACCOUNTS if a[0] not in taken]
        if real is not None or not missing:
            return []
        return self._create_demo_accounts(passwords.hash_password(DEMO_PASSWORD))

    @writes(c.CreateDemoAccounts, "users")
    def _create_demo_accounts(self, password_hash: str) -> list[str]:
        with self.core.transaction() as tx:
            taken = set(tx.session.scalars(select(AppUser.name)))
            made = []
            for name, role, full_name in DEMO_ACCOUNTS:
                if name in taken:
                    continue
                self._insert(tx.session, name, role, password_hash, full_name, tx.now,
                             demo=True)
                tx.audit("user.create", "user", name, role=role.value, full_name=full_name,
                         demo=True)
                made.append(name)
            return made
