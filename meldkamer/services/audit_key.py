"""The installation key that signs the audit chain and its checkpoints.

A 256-bit secret in ``audit.key`` in the config directory, made with ``secrets`` the first
time it is needed and readable by its owner only. It lives outside the database, so write
access to the database is not enough to forge the chain. Every workstation of one
PostgreSQL set-up holds a copy of the same file (copied at install; see docs/audit.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import threading
from pathlib import Path

from meldkamer import config
from meldkamer.errors import InvalidInput, Refused
from meldkamer.i18n import N_

KEY_FILE = "audit.key"
KEY_BYTES = 32
OPEN_KEY = N_("the audit key {path} is readable by other users: make it readable by its "
              "owner only (chmod 600) and check who copied it")
BAD_KEY = N_("the audit key {path} is not a key written by meldkamer (64 hex digits)")
NOT_A_FILE = N_("the audit key {path} is not a regular file")

_lock = threading.Lock()
_cache: dict[Path, bytes] = {}


def key_path() -> Path:
    """Where this installation's key lives."""
    return config.config_dir() / KEY_FILE


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first: read theirs
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(KEY_BYTES) + "\n")
        out.flush()
        os.fsync(out.fileno())


def _read(path: Path) -> bytes:
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(NOT_A_FILE, path=str(path))
    if os.name == "posix" and info.st_mode & 0o077:
        raise Refused(OPEN_KEY, path=str(path))
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise InvalidInput(BAD_KEY, path=str(path))
    return key


def installation_key() -> bytes:
    """The key, created at first use; refused when others can read it."""
    path = key_path()
    with _lock:
        key = _cache.get(path)
        if key is None:
            if not path.exists():
                _create(path)
            key = _read(path)
            _cache[path] = key
        return key


def forget() -> None:
    """Drop cached keys (a key file replaced or its permissions changed while running)."""
    with _lock:
        _cache.clear()


def subkey(purpose: str) -> bytes:
    """A key for one use (chain, rows, checkpoints), derived so one never stands for another."""
    return hmac.new(installation_key(), purpose.encode("ascii"), hashlib.sha256).digest()
