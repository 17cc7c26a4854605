"""Checkpoints of the audit chain's head, kept outside the database.

Each workstation appends a signed line to its own file in the data directory at start,
every ``EVERY`` events and on the runtime's schedule: the head's sequence and hash, the
time, the workstation and from which sequence the chain is keyed. Each line carries an
HMAC (the installation key) over its content and the MAC of the line before, so a line
cannot be edited, removed from the middle or forged without the key. The file is opened
O_APPEND, written in one ``write`` under an exclusive lock (processes on one machine share
it) and fsynced. Verify compares the chain with every line: a cut tail, a reset head, an
emptied table or a recomputed chain no longer matches what was seen.

Written here rather than with a library: no maintained package offers a keyed,
append-only local log; the pieces (``hmac``, ``os.open``, ``fcntl``/``msvcrt``) are the
standard library's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from meldkamer import config
from meldkamer.services import audit_key

EVERY = 100  # events between two checkpoints written by the transactions themselves
GENESIS_MAC = "0" * 64


@dataclass(frozen=True)
class Checkpoint:
    """One line of the file: what the chain's head was when a workstation looked."""

    line: int
    seq: int
    hash: str
    at: str
    workstation: str
    keyed_from: int
    reason: str
    mac: str


def path_for(chain_id: str) -> Path:
    """This workstation's checkpoint file for one chain (one database)."""
    safe = "".join(c for c in chain_id if c.isalnum())[:64] or "unknown"
    return config.data_dir() / "audit" / f"{safe}.checkpoints"


def _mac(body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(audit_key.subkey("checkpoint"), text.encode("ascii"),
                    hashlib.sha256).hexdigest()


@contextmanager
def _locked(fd: int) -> Iterator[None]:
    if sys.platform == "win32":  # pragma: no cover - the Windows build
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        try:
            yield
        finally:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _last_line(fd: int) -> str:
    size = os.fstat(fd).st_size
    if size == 0:
        return ""
    start = max(0, size - 8192)
    os.lseek(fd, start, os.SEEK_SET)
    tail = os.read(fd, size - start).decode("utf-8", "replace").rstrip("\n")
    return tail.rsplit("\n", 1)[-1]


def append(chain_id: str, *, seq: int, digest: str, workstation: str, keyed_from: int,
           reason: str, at: datetime | None = None) -> bool:
    """Append a checkpoint of the head (seq, digest); False when the last line holds it."""
    path = path_for(chain_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        with _locked(fd):
            last = _last_line(fd)
            prev, number = GENESIS_MAC, 1
            if last:
                try:
                    before = json.loads(last)
                    prev, number = str(before["mac"]), int(before["line"]) + 1
                    if (before["seq"], before["hash"]) == (seq, digest):
                        return False
                except (ValueError, KeyError, TypeError):
                    prev, number = hashlib.sha256(last.encode()).hexdigest(), 0
            body = {"line": number, "seq": seq, "hash": digest,
                    "at": (at or datetime.now(UTC)).isoformat(), "ws": workstation,
                    "keyed_from": keyed_from, "reason": reason, "prev": prev}
            body["mac"] = _mac(body)
            os.write(fd, (json.dumps(body, sort_keys=True, ensure_ascii=True) + "\n")
                     .encode("ascii"))
            os.fsync(fd)
            return True
    finally:
        os.close(fd)


def read(chain_id: str) -> tuple[list[Checkpoint], list[tuple[int, str]]]:
    """The file's checkpoints, and its damaged lines as (line number, what is wrong).

    A wrong line is ``"altered"`` (its MAC does not match: edited, or another key) or
    ``"unlinked"`` (it does not follow the line before: a line was removed or inserted).
    """
    path = path_for(chain_id)
    good: list[Checkpoint] = []
    bad: list[tuple[int, str]] = []
    if not path.exists():
        return good, bad
    prev = GENESIS_MAC
    with path.open("r", encoding="utf-8", errors="replace") as src:
        for number, text in enumerate(src, 1):
            text = text.strip()
            if not text:
                continue
            try:
                body = json.loads(text)
                mac = str(body.pop("mac"))
                ok = hmac.compare_digest(mac, _mac(body))
                point = Checkpoint(int(body["line"]), int(body["seq"]), str(body["hash"]),
                                   str(body["at"]), str(body["ws"]), int(body["keyed_from"]),
                                   str(body["reason"]), mac)
            except (ValueError, KeyError, TypeError, AttributeError):
                bad.append((number, "altered"))
                prev = GENESIS_MAC
                continue
            if not ok:
                bad.append((number, "altered"))
            elif body.get("prev") != prev:
                bad.append((number, "unlinked"))
                good.append(point)
            else:
                good.append(point)
            prev = mac
    return good, bad
