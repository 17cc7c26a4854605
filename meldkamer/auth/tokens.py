"""The CLI's login token file: created 0600 in the config directory, refused when others
may read it.

The file holds one random token (``meldkamer login`` writes it); the database keeps only
its SHA-256, with the user and an expiry (``UserService.issue_token``).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from pathlib import Path

from meldkamer import config
from meldkamer.errors import InvalidInput, NotLoggedIn

ENV = "MELDKAMER_TOKEN_FILE"
PREFIX = "mkt_"
MAX_SIZE = 1024


def default_path() -> Path:
    """The token file in the user config directory."""
    return config.config_dir() / "token"


def token_path(option: str | None = None) -> Path:
    """Where the token lives: ``--token-file``, MELDKAMER_TOKEN_FILE, else the config dir."""
    chosen = option or os.environ.get(ENV)
    return Path(chosen).expanduser() if chosen else default_path()


def explicit(option: str | None = None) -> bool:
    """True when a token file was named (option or environment), not just the default."""
    return bool(option or os.environ.get(ENV))


def new_token() -> str:
    """A fresh token: 32 random bytes, URL-safe."""
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database stores of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def write(path: Path, token: str) -> None:
    """Write the token to a file only its owner can read (created 0600, replaced whole)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (token + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read(path: Path) -> str | None:
    """The token in ``path``; None when there is no such file.

    Refused when the file is not a regular file, belongs to someone else, or may be read
    by the group or others: a token is as good as a password.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise NotLoggedIn("cannot read the token file {path}: {error}", path=str(path),
                          error=exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput("{path} is not a regular file", path=str(path))
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise NotLoggedIn("the token file {path} belongs to another user; log in with "
                              "'meldkamer login'", path=str(path))
        if info.st_mode & 0o077:
            raise NotLoggedIn("the token file {path} may be read by other users (mode "
                              "{mode}); it is not used. Remove it and log in again with "
                              "'meldkamer login' (the new file is created 0600)",
                              path=str(path), mode=oct(stat.S_IMODE(info.st_mode))[2:])
        raw = os.read(fd, MAX_SIZE + 1)
    finally:
        os.close(fd)
    text = raw.decode("ascii", "replace").strip()
    if len(raw) > MAX_SIZE or not text.startswith(PREFIX):
        raise NotLoggedIn("the token file {path} holds no login token; log in again with "
                          "'meldkamer login'", path=str(path))
    return text


def remove(path: Path) -> bool:
    """Delete the token file; False when there was none."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
