"""Files handed in from outside (rosters, scenarios, settings, CAP, map data, drafts): read
only when they are regular files under a size cap, and output paths that stay where meant.

A FIFO or a device is refused before a single byte is read: the file is opened with
``O_NONBLOCK`` (so opening a FIFO with no writer returns at once instead of blocking) and
checked with ``fstat`` on that very descriptor (no race between a check and the open).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from meldkamer.errors import InvalidInput
from meldkamer.i18n import N_, Text

KIB = 1024
MIB = 1024 * KIB
# The caps, by what a file is: generous for real data, far below what would hurt.
ROSTER_LIMIT = 4 * MIB
SCENARIO_LIMIT = 4 * MIB
SETTINGS_LIMIT = 1 * MIB
REFERENCE_LIMIT = 8 * MIB
DRAFT_LIMIT = 1 * MIB
CAP_LIMIT = 1 * MIB
MAP_DATA_LIMIT = 4 * 1024 * MIB  # an OpenStreetMap extract or MBTiles of the islands


def _kind(mode: int) -> Text:
    """What a non-regular file is, for the message (translated when shown)."""
    if stat.S_ISDIR(mode):
        return Text(N_("a folder"))
    if stat.S_ISFIFO(mode):
        return Text(N_("a pipe (FIFO)"))
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return Text(N_("a device"))
    if stat.S_ISSOCK(mode):
        return Text(N_("a socket"))
    return Text(N_("a special file"))


def open_regular(path: str | Path, limit: int) -> int:
    """A read-only descriptor on ``path`` once it is known to be a regular file of at most
    ``limit`` bytes (InvalidInput otherwise); the caller closes it."""
    p = Path(path)
    if str(path) == "":
        raise InvalidInput("give a file name (an empty path names no file)")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(p, flags)
    except IsADirectoryError:
        raise InvalidInput("{path} is a folder, not a file", path=str(p)) from None
    except OSError as exc:
        raise InvalidInput("cannot read {path}: {error}", path=str(p),
                           error=exc.strerror or str(exc)) from None
    except ValueError:  # a NUL character: no file can have that name
        raise InvalidInput("the path {path!r} holds a NUL character", path=str(p)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput("{path} is {kind}, not a regular file; nothing was read",
                               path=str(p), kind=_kind(info.st_mode))
        if info.st_size > limit:
            raise InvalidInput("{path} is larger than the limit of {limit} bytes ({size} "
                               "bytes); nothing was read", path=str(p), size=info.st_size,
                               limit=limit)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes (InvalidInput for a
    FIFO, device, folder, missing or oversized file, checked before reading)."""
    fd = open_regular(path, limit)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)  # a file that grew after the check is still capped
    if len(data) > limit:
        raise InvalidInput("{path} is larger than the limit of {limit} bytes; nothing was read",
                           path=str(path), limit=limit)
    return data


def read_text(path: str | Path, limit: int) -> str:
    """``read_regular`` decoded as UTF-8 (InvalidInput naming the file if it is not)."""
    data = read_regular(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("{path} is not UTF-8 text (byte {position})", path=str(path),
                           position=exc.start) from None


def output_file(path: str | Path, *, suffixes: tuple[str, ...] = ()) -> Path:
    """An output path that names a file: not empty, not a folder, not ``.``/``..``, not an
    existing FIFO or device, and with one of ``suffixes`` when given."""
    text = str(path)
    if not text.strip():
        raise InvalidInput("give an output file name (an empty path would write into the "
                           "current folder's parent)")
    if "\x00" in text:
        raise InvalidInput("the output path {path!r} holds a NUL character", path=text)
    p = Path(text)
    if p.name in ("", ".", "..") or text.endswith(("/", os.sep)):
        raise InvalidInput("{path} names a folder, not a file", path=text)
    try:
        info = os.stat(p)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InvalidInput("cannot write {path}: {error}", path=text,
                           error=exc.strerror or str(exc)) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise InvalidInput("{path} is {kind}; give the name of a file to write",
                           path=text, kind=_kind(info.st_mode))
    if suffixes and p.suffix.lower() not in suffixes:
        raise InvalidInput("{path} should end in {suffixes}", path=text,
                           suffixes=" or ".join(suffixes))
    return p
