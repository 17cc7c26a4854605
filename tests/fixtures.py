"""Shared fixtures: fresh SQLite and PostgreSQL databases, cores with demo units."""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference, load_reference
from meldkamer.store.db import Store
from tests.tcpproxy import TcpProxy

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# One template per test session, so parallel runs (CI and a developer) never collide.
PG_TEMPLATE = f"mk_template_{os.getpid()}"
# One installation key for the whole session: a database made by a session-wide fixture
# (a template, a populated copy) verifies in every test, as on one installation.
SESSION_AUDIT_KEY = secrets.token_hex(32)


@pytest.fixture(scope="session", autouse=True)
def _session_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Before any module-wide fixture writes a database: its audit key is the session's."""
    conf = tmp_path_factory.mktemp("session-config")
    key = conf / "audit.key"
    key.write_text(SESSION_AUDIT_KEY + "\n", encoding="ascii")
    key.chmod(0o600)
    conf.chmod(0o700)
    before = os.environ.get("MELDKAMER_CONFIG_DIR")
    os.environ["MELDKAMER_CONFIG_DIR"] = str(conf)
    yield
    if before is None:
        os.environ.pop("MELDKAMER_CONFIG_DIR", None)
    else:
        os.environ["MELDKAMER_CONFIG_DIR"] = before


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the developer's real data, config or database."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MELDKAMER_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("MELDKAMER_CONFIG_DIR", str(base / "config"))
    (base / "config").mkdir(mode=0o700)
    key = base / "config" / "audit.key"
    key.write_text(SESSION_AUDIT_KEY + "\n", encoding="ascii")
    key.chmod(0o600)
    monkeypatch.setenv("MELDKAMER_CACHE_DIR", str(base / "cache"))
    monkeypatch.delenv("MELDKAMER_DB", raising=False)
    monkeypatch.delenv("MELDKAMER_REFERENCE_DIR", raising=False)
    monkeypatch.setenv("MELDKAMER_USER", "tester")
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):  # the CLI follows these: English here
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


# The test supervisor every CLI test acts as: a real user with a real token in each
# template database, and the token file (0600) that logs it in (``_logged_in``).
TESTER = "tester"
TESTER_PASSWORD = "tester-password"
TESTER_TOKEN = "mkt_" + uuid.uuid4().hex + uuid.uuid4().hex


def seed_tester(url: str, name: str = TESTER, role: str = "supervisor") -> None:
    """Add the test user (a supervisor by default) and a long-lived login token for it."""
    from datetime import UTC, datetime

    from meldkamer.auth import passwords, tokens
    from meldkamer.store.models import AppUser, LoginToken

    store = Store(url)
    try:
        now = datetime.now(UTC)
        with store.write() as session:
            session.add(AppUser(name=name, full_name="Test " + role, role=role,
                                password_hash=_tester_hash(passwords), active=True,
                                demo=False, created_at=now, password_changed_at=now,
                                failed_logins=0))
            session.add(LoginToken(token_hash=tokens.digest(_token_of(name)), user_name=name,
                                   workstation="tests", created_at=now,
                                   expires_at=datetime(2100, 1, 1, tzinfo=UTC)))
    finally:
        store.dispose()


_HASHES: list[str] = []


def _tester_hash(passwords: object) -> str:
    if not _HASHES:
        from argon2 import PasswordHasher, profiles

        _HASHES.append(PasswordHasher.from_parameters(profiles.CHEAPEST).hash(TESTER_PASSWORD))
    return _HASHES[0]


def _token_of(name: str) -> str:
    return TESTER_TOKEN if name == TESTER else TESTER_TOKEN + "_" + name


def write_token_file(path: Path, name: str = TESTER) -> Path:
    """A 0600 token file logging in ``name`` (seeded with ``seed_tester``)."""
    from meldkamer.auth import tokens

    tokens.write(path, _token_of(name))
    return path


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2's cheapest parameters in tests (its defaults take most of a second here);
    tests of the parameters themselves build their own hasher."""
    from argon2 import PasswordHasher, profiles

    from meldkamer.auth import passwords

    monkeypatch.setattr(passwords, "hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture(autouse=True)
def _logged_in(_isolated_dirs: None, tmp_path_factory: pytest.TempPathFactory,
               monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every CLI command in a test acts as the test supervisor, through a real token file."""
    path = write_token_file(tmp_path_factory.mktemp("login") / "token")
    monkeypatch.setenv("MELDKAMER_TOKEN_FILE", str(path))
    return path


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """Every test starts and ends in English; a language switched in one stays there."""
    import sys

    from meldkamer import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")
    if "ui.i18n" in sys.modules:  # Qt's own translations too, when a window was used
        sys.modules["ui.i18n"].set_language("en")


@pytest.fixture(scope="session")
def ref() -> Reference:
    return load_reference(None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    Store(str(path)).dispose()
    seed_tester(str(path))
    return path


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN.replace("postgresql://", "postgresql://"),
                             connect_timeout=2):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not _pg_available():
        pytest.skip("no PostgreSQL server reachable on 127.0.0.1:5432")
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_TEMPLATE}")
    url = f"postgresql://postgres@127.0.0.1:5432/{PG_TEMPLATE}"
    Store(url).dispose()
    seed_tester(url)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)")


def new_pg_database(template: str | None = None) -> str:
    """Create an empty (or templated) database; returns its URL."""
    import psycopg

    name = f"mk_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "meldkamer.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return str(path)


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    url = new_pg_database(PG_TEMPLATE)
    yield url
    drop_pg_database(url)


@pytest.fixture
def pg_proxy(pg_template: str) -> Iterator[TcpProxy]:
    """A TCP proxy to the PostgreSQL server that the test switches: pass, refuse, silent."""
    proxy = TcpProxy(("127.0.0.1", 5432))
    yield proxy
    proxy.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database on each backend."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


def open_core(url: str, ref: Reference, user: str = "tester") -> Meldkamer:
    return Meldkamer(Store(url), ref, user=user)


def demo_core(url: str, ref: Reference, user: str = "tester") -> Iterator[Meldkamer]:
    """A core with the demo stations and units (no incidents), closed afterwards."""
    from meldkamer.demo import load_demo

    mk = open_core(url, ref, user)
    load_demo(mk, incidents=False)
    yield mk
    mk.close()


@pytest.fixture
def core(db_url: str, ref: Reference) -> Iterator[Meldkamer]:
    """A core on a fresh database (each backend) with the demo roster."""
    yield from demo_core(db_url, ref)


@pytest.fixture
def sqlite_core(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    """Like ``core`` but on SQLite only."""
    yield from demo_core(sqlite_url, ref)
