"""``core.users``: the first administrator, user management by role, login with lockout
and rehash, CLI tokens and demo accounts, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import delete, select

from meldkamer.auth import passwords
from meldkamer.auth.users import DEMO_PASSWORD, LOCKOUT, MAX_FAILURES, TOKEN_LIFETIME
from meldkamer.core import Meldkamer, utcnow
from meldkamer.domain.reference import Reference
from meldkamer.errors import Conflict, InvalidInput, NotFound, NotLoggedIn, Refused
from meldkamer.roles import Actor, Role
from meldkamer.store.models import AppUser, AuditEvent, LoginToken
from tests.fixtures import TESTER, TESTER_PASSWORD, open_core

ADMIN_PASSWORD = "admin-password-1"


class Clock:
    """A clock the test moves: lockouts and expiries without sleeping."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mk(db_url: str, ref: Reference, clock: Clock) -> Iterator[Meldkamer]:
    core = open_core(db_url, ref)
    core.clock = clock
    yield core
    core.close()


@pytest.fixture
def admin(mk: Meldkamer) -> Meldkamer:
    """The core acting as an administrator (a real one, logged in)."""
    with mk.store.write() as s:
        s.execute(delete(LoginToken))
        s.execute(delete(AppUser))
    mk.users.init_admin("beheer", ADMIN_PASSWORD, "Beheerder")
    mk.users.log_in("beheer", ADMIN_PASSWORD)
    assert mk.actor.role == Role.ADMINISTRATOR
    return mk


def audit_rows(core: Meldkamer) -> list[AuditEvent]:
    with core.store.read() as s:
        rows = list(s.scalars(select(AuditEvent).where(AuditEvent.entity == "user")
                              .order_by(AuditEvent.seq)))
        s.expunge_all()
        return rows


def test_first_start_creates_the_administrator_once(mk: Meldkamer) -> None:
    with mk.store.write() as s:
        s.execute(delete(LoginToken))
        s.execute(delete(AppUser))
    assert mk.users.count() == 0
    made = mk.users.init_admin("Beheer", ADMIN_PASSWORD, "Beheerder")
    assert (made.name, made.role, made.active) == ("beheer", "administrator", True)
    assert mk.users.authenticate("beheer", ADMIN_PASSWORD).role == Role.ADMINISTRATOR
    with pytest.raises(Refused):
        mk.users.init_admin("tweede", ADMIN_PASSWORD)
    events = audit_rows(mk)
    assert [(e.action, e.entity_key, e.user) for e in events] == [
        ("user.create", "beheer", "beheer")]  # the new administrator acts, not who ran it
    with mk.store.read() as s:
        stored = s.scalar(select(AppUser.password_hash).where(AppUser.name == "beheer"))
    assert stored is not None and stored.startswith("$argon2id$")
    assert ADMIN_PASSWORD not in stored and ADMIN_PASSWORD not in events[0].data
    assert mk.verify_audit().ok


def test_login_with_the_right_password_only(mk: Meldkamer) -> None:
    actor = mk.users.log_in(TESTER, TESTER_PASSWORD)
    assert actor == Actor(TESTER, Role.SUPERVISOR, mk.workstation) == mk.actor
    for name, password in ((TESTER, "wrong-password"), ("nobody", TESTER_PASSWORD),
                           ("Not a name!", "x")):
        with pytest.raises(NotLoggedIn) as err:
            mk.users.authenticate(name, password)
        assert str(err.value) == "wrong name or password"  # the same for a wrong name


def test_lockout_after_five_wrong_passwords_for_five_minutes(mk: Meldkamer,
                                                             clock: Clock) -> None:
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(NotLoggedIn, match="wrong name or password"):
            mk.users.authenticate(TESTER, "wrong-password")
    with pytest.raises(NotLoggedIn) as err:
        mk.users.authenticate(TESTER, "wrong-password")
    assert "locked" in str(err.value) and "5 wrong passwords" in str(err.value)
    with pytest.raises(NotLoggedIn, match="locked"):  # the right password does not help now
        mk.users.authenticate(TESTER, TESTER_PASSWORD)
    assert [e.action for e in audit_rows(mk)] == ["user.locked"]
    clock.now += LOCKOUT + timedelta(seconds=1)
    assert mk.users.authenticate(TESTER, TESTER_PASSWORD).user == TESTER
    with mk.store.read() as s:
        user = s.scalar(select(AppUser).where(AppUser.name == TESTER))
        assert user is not None and (user.failed_logins, user.locked_until) == (0, None)


def test_a_good_login_rehashes_when_the_parameters_changed(
        mk: Meldkamer, monkeypatch: pytest.MonkeyPatch) -> None:
    with mk.store.read() as s:
        before = s.scalar(select(AppUser.password_hash).where(AppUser.name == TESTER))
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", stronger)
    with pytest.raises(NotLoggedIn):
        mk.users.authenticate(TESTER, "wrong-password")  # a wrong one changes no hash
    mk.users.authenticate(TESTER, TESTER_PASSWORD)
    with mk.store.read() as s:
        after = s.scalar(select(AppUser.password_hash).where(AppUser.name == TESTER))
    assert after != before and after is not None and "m=2048,t=2,p=1" in after
    assert not stronger.check_needs_rehash(after)
    assert mk.users.authenticate(TESTER, TESTER_PASSWORD).user == TESTER


def test_user_management_is_refused_for_a_non_administrator(mk: Meldkamer) -> None:
    assert mk.actor.role == Role.SUPERVISOR
    for attempt in (lambda: mk.users.add("nieuw", "operator", "password-123"),
                    mk.users.list_users, lambda: mk.users.set_role(TESTER, "administrator"),
                    lambda: mk.users.disable(TESTER),
                    lambda: mk.users.set_password("other", "password-123")):
        with pytest.raises(Refused, match="only an administrator"):
            attempt()
    assert mk.users.count() == 1 and audit_rows(mk) == []
    mk.users.set_password(TESTER, "a-new-password")  # one's own password: allowed
    assert mk.users.authenticate(TESTER, "a-new-password").user == TESTER


def test_an_administrator_adds_changes_and_disables_users(admin: Meldkamer) -> None:
    users = admin.users
    assert users.add("Jansen", Role.OPERATOR, "operator-pass", "J. Jansen").name == "jansen"
    with pytest.raises(Conflict):
        users.add("jansen", "operator", "operator-pass")
    with pytest.raises(InvalidInput):
        users.add("../x", "operator", "operator-pass")
    with pytest.raises(InvalidInput):
        users.add("kort", "operator", "short")
    with pytest.raises(InvalidInput):
        users.add("rol", "chef", "operator-pass")
    assert users.set_role("jansen", "supervisor").role == "supervisor"
    assert users.authenticate("jansen", "operator-pass").role == Role.SUPERVISOR
    assert not users.disable("jansen").active
    with pytest.raises(NotLoggedIn):
        users.authenticate("jansen", "operator-pass")
    with pytest.raises(NotFound):
        users.disable("niemand")
    with pytest.raises(Refused, match="last active administrator"):
        users.disable("beheer")
    with pytest.raises(Refused, match="last active administrator"):
        users.set_role("beheer", "operator")
    assert [(u.name, u.role, u.active) for u in users.list_users()] == [
        ("beheer", "administrator", True), ("jansen", "supervisor", False)]
    trail = [(e.action, e.entity_key, e.user) for e in audit_rows(admin)]
    assert trail == [("user.create", "beheer", "beheer"), ("user.create", "jansen", "beheer"),
                     ("user.role", "jansen", "beheer"), ("user.disable", "jansen", "beheer")]
    assert all("operator-pass" not in e.data for e in audit_rows(admin))
    assert admin.verify_audit().ok


def test_tokens_are_stored_hashed_and_expire(mk: Meldkamer, clock: Clock) -> None:
    actor = mk.users.authenticate(TESTER, TESTER_PASSWORD)
    token, expires = mk.users.issue_token(actor)
    assert expires == clock.now + TOKEN_LIFETIME
    with mk.store.read() as s:
        hashes = set(s.scalars(select(LoginToken.token_hash)))
    assert token not in hashes and len(hashes) == 2  # the tests' own token and this one
    assert mk.users.actor_for_token(token) == actor
    clock.now += TOKEN_LIFETIME
    with pytest.raises(NotLoggedIn, match="expired"):
        mk.users.actor_for_token(token)
    with pytest.raises(NotLoggedIn, match="not known"):
        mk.users.actor_for_token("mkt_made-up")


def test_a_new_password_ends_the_tokens(mk: Meldkamer) -> None:
    token, _ = mk.users.issue_token(mk.users.authenticate(TESTER, TESTER_PASSWORD))
    mk.users.set_password(TESTER, "another-password")
    with pytest.raises(NotLoggedIn, match="not known"):
        mk.users.actor_for_token(token)
    assert mk.users.revoke_token(token) is False


def test_demo_accounts_only_with_demo_data_and_no_real_users(mk: Meldkamer) -> None:
    from meldkamer.demo import load_demo

    with pytest.raises(Refused, match="demo data"):
        mk.users.create_demo_accounts()
    load_demo(mk, incidents=False)
    assert mk.users.create_demo_accounts() == []  # the tester is a real user
    assert mk.users.demo_accounts() == []
    with mk.store.write() as s:
        s.execute(delete(LoginToken))
        s.execute(delete(AppUser))
    assert mk.users.create_demo_accounts() == ["demo", "sup"]
    assert [(u.name, u.role, u.demo) for u in mk.users.demo_accounts()] == [
        ("demo", "operator", True), ("sup", "supervisor", True)]
    assert mk.users.authenticate("demo", DEMO_PASSWORD).role == Role.OPERATOR
    assert mk.users.create_demo_accounts() == []
