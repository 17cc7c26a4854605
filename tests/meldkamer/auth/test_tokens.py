"""The CLI's token file: created 0600, refused when others may read it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from meldkamer.auth import tokens
from meldkamer.errors import InvalidInput, NotLoggedIn


def test_written_0600_in_a_new_0700_folder_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "config" / "token"
    token = tokens.new_token()
    tokens.write(path, token)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert tokens.read(path) == token
    assert tokens.digest(token) != token and len(tokens.digest(token)) == 64


def test_a_token_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "token"
    tokens.write(path, tokens.new_token())
    path.chmod(0o644)
    with pytest.raises(NotLoggedIn) as err:
        tokens.read(path)
    assert str(path) in str(err.value) and "644" in str(err.value)
    path.chmod(0o640)
    with pytest.raises(NotLoggedIn):
        tokens.read(path)


def test_no_file_is_no_token_and_garbage_is_refused(tmp_path: Path) -> None:
    assert tokens.read(tmp_path / "none") is None
    junk = tmp_path / "junk"
    junk.write_bytes(b"\xff" * 50)
    junk.chmod(0o600)
    with pytest.raises(NotLoggedIn):
        tokens.read(junk)


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(InvalidInput):
        tokens.read(fifo)


def test_where_the_token_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tokens.ENV, raising=False)
    assert tokens.token_path() == tokens.default_path()
    assert tokens.default_path().parent == Path(os.environ["MELDKAMER_CONFIG_DIR"])
    assert not tokens.explicit()
    monkeypatch.setenv(tokens.ENV, str(tmp_path / "env"))
    assert tokens.token_path() == tmp_path / "env" and tokens.explicit()
    assert tokens.token_path(str(tmp_path / "opt")) == tmp_path / "opt"
