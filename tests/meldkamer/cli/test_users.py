"""``meldkamer user ...``, ``login``, ``logout`` and ``whoami``: first start, tokens, roles."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from meldkamer.cli import main
from meldkamer.store.db import Store
from meldkamer.store.models import LoginToken

PASSWORD = "beheer-wachtwoord"


class Run:
    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                 db: str) -> None:
        self.capsys, self.monkeypatch, self.db = capsys, monkeypatch, db

    def __call__(self, *args: str, stdin: str = "") -> tuple[int, str, str]:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        rc = main(["--db", self.db, *args])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err
        return rc, out, err


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        db_url: str) -> Run:
    return Run(capsys, monkeypatch, db_url)


@pytest.fixture
def fresh(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
          tmp_path: Path) -> Run:
    """A database without any user; the token goes to a file of its own."""
    monkeypatch.setenv("MELDKAMER_TOKEN_FILE", str(tmp_path / "login" / "token"))
    return Run(capsys, monkeypatch, str(tmp_path / "new.sqlite3"))


def test_first_start_then_login_then_an_administrator_adds_a_user(fresh: Run,
                                                                  tmp_path: Path) -> None:
    rc, _, err = fresh("incident", "list")
    assert rc == 11 and "user init" in err
    rc, out, err = fresh("user", "init", "--name", "beheer", "--password-stdin",
                         stdin=PASSWORD + "\n")
    assert rc == 0, err
    assert "beheer" in out and PASSWORD not in out + err
    rc, _, err = fresh("user", "init", "--name", "ander", "--password-stdin",
                       stdin=PASSWORD + "\n")
    assert rc == 4 and "users already" in err
    rc, _, err = fresh("login", "--user", "beheer", "--password-stdin", stdin="fout-fout\n")
    assert rc == 11 and "wrong name or password" in err
    token = tmp_path / "login" / "token"
    assert not token.exists()
    rc, out, err = fresh("login", "--user", "beheer", "--password-stdin", stdin=PASSWORD + "\n")
    assert rc == 0, err
    assert token.stat().st_mode & 0o777 == 0o600 and PASSWORD not in token.read_text()
    rc, out, _ = fresh("whoami", "--json")
    assert rc == 0 and json.loads(out)["user"] == "beheer"
    assert json.loads(out)["role"] == "administrator"
    rc, _, err = fresh("user", "add", "jansen", "--role", "operator", "--password-stdin",
                       stdin="jansen-wachtwoord\n")
    assert rc == 0, err
    rc, out, _ = fresh("user", "list", "--json")
    assert [(u["name"], u["role"]) for u in json.loads(out)] == [
        ("beheer", "administrator"), ("jansen", "operator")]
    assert "password" not in out.replace("password_changed_at", "")
    rc, _, _ = fresh("user", "role", "jansen", "supervisor")
    assert rc == 0
    rc, _, _ = fresh("user", "disable", "jansen")
    assert rc == 0
    rc, _, err = fresh("login", "--user", "jansen", "--password-stdin",
                       stdin="jansen-wachtwoord\n")
    assert rc == 11
    rc, out, _ = fresh("logout")
    assert rc == 0 and not token.exists()
    rc, _, err = fresh("user", "list")
    assert rc == 11 and "meldkamer login" in err
    rc, out, _ = fresh("audit", "verify", "--token-file", str(tmp_path / "none"))
    assert rc == 11


def test_user_commands_are_refused_for_a_non_administrator(run: Run) -> None:
    for args in (["user", "list"], ["user", "add", "x1", "--role", "operator",
                                    "--password-stdin"],
                 ["user", "role", "tester", "administrator"], ["user", "disable", "tester"],
                 ["user", "passwd", "someone", "--password-stdin"]):
        rc, _, err = run(*args, stdin="whatever-password\n")
        assert rc == 4, args
        assert "only an administrator" in err and "tester" in err
    rc, out, _ = run("whoami")
    assert rc == 0 and "tester" in out


def test_a_token_file_readable_by_others_is_refused(run: Run, _logged_in: Path) -> None:
    _logged_in.chmod(0o644)
    rc, _, err = run("incident", "list")
    assert rc == 11
    assert str(_logged_in) in err and "644" in err and "meldkamer login" in err


def test_an_expired_token_is_refused(run: Run, db_url: str) -> None:
    store = Store(db_url)
    try:
        with store.write() as s:
            s.execute(update(LoginToken).values(expires_at=datetime(2020, 1, 1, tzinfo=UTC)))
    finally:
        store.dispose()
    rc, _, err = run("incident", "list")
    assert rc == 11 and "expired" in err and "meldkamer login" in err


def test_without_a_token_and_without_a_terminal_a_command_fails_clearly(
        run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MELDKAMER_TOKEN_FILE", str(tmp_path / "no-such-token"))
    rc, out, err = run("incident", "list", "--json")
    assert rc == 11
    assert err.startswith("meldkamer: not logged in") and "meldkamer login" in err
    assert json.loads(out)["error"]["kind"] == "login"


def _pty_run(args: list[str], env: dict[str, str], answers: list[tuple[bytes, bytes]]
             ) -> tuple[int, bytes]:
    """Run meldkamer on a real pseudo-terminal, answering each prompt as a person would."""
    import os
    import pty
    import select
    import sys

    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its terminal (stdin, stdout, stderr, /dev/tty)
        os.execve(sys.executable, [sys.executable, "-m", "meldkamer", *args], env)
    seen = b""
    pending = list(answers)
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child has closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if pending and pending[0][0] in seen.rsplit(b"\n", 1)[-1]:
                os.write(fd, pending.pop(0)[1])
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), seen


def test_without_a_token_a_terminal_asks_for_name_and_password(sqlite_url: str,
                                                               tmp_path: Path) -> None:
    import os

    from tests.fixtures import TESTER_PASSWORD

    env = dict(os.environ, MELDKAMER_DB=sqlite_url,
               MELDKAMER_TOKEN_FILE=str(tmp_path / "no-token"))
    env.pop("MELDKAMER_USER", None)
    rc, seen = _pty_run(["incident", "list", "--json"], env,
                        [(b"Name: ", b"tester\n"), (b"Password: ", TESTER_PASSWORD.encode()
                                                     + b"\n")])
    assert rc == 0, seen.decode(errors="replace")
    assert TESTER_PASSWORD.encode() not in seen  # typed without echo
    assert seen.rstrip().endswith(b"[]")
    rc, seen = _pty_run(["incident", "list"], env,
                        [(b"Name: ", b"tester\n"), (b"Password: ", b"fout-wachtwoord\n")])
    assert rc == 11 and b"wrong name or password" in seen


def test_user_init_names_the_new_administrator_in_the_audit_trail(
        fresh: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import select

    from meldkamer.store.models import AuditEvent, CommandRecord

    monkeypatch.setenv("USER", "root")  # the OS user who runs it is not the actor
    monkeypatch.setenv("MELDKAMER_USER", "root")
    rc, _, err = fresh("user", "init", "--name", "Beheer", "--password-stdin",
                       stdin=PASSWORD + "\n")
    assert rc == 0, err
    store = Store(fresh.db)
    try:
        with store.read() as s:
            created = s.scalars(select(AuditEvent).where(AuditEvent.action == "user.create"))
            events = [(e.user, e.entity_key, json.loads(e.data)["source"]) for e in created]
            record = s.scalar(select(CommandRecord).where(CommandRecord.name == "user.init"))
    finally:
        store.dispose()
    assert len(events) == 1
    user, key, source = events[0]
    assert (user, key) == ("beheer", "beheer")
    assert source["kind"] == "operator" and source["user"] == "beheer"
    assert record is not None and record.user == "beheer"
