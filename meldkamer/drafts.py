"""The intake's draft journal: a call being taken survives a crash or a closed window.

``meldkamer.intake.IntakeSession`` owns it: every change of the call is written to a
small JSON file (atomically: temporary file, fsync, rename; the format is
``meldkamer.intake.form.to_draft``); the next start restores it. A completed or
discarded call removes it.

A draft belongs to one user *and one database*: a live call is never offered in a
training session, nor in a workstation pointed at another file or server. The file is
``drafts/<user>/<database>-<hash>.json`` in the user data directory, the hash taken over
the database URL without its password. Screenshots and demo runs keep no journal at all
(``DraftJournal(None)``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from meldkamer import config

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
# Names Windows refuses for a file or folder, whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def safe_name(name: str, *, fallback: str = "user", limit: int = 40) -> str:
    """``name`` as one harmless path component: lower-case letters, digits, ``_`` and
    ``-`` only (no dots, so never ``..`` nor a hidden file); a name that had to change,
    capitals included, gets a hash of the original, so two names never share a folder,
    also where the file system ignores case ("Jan" and "jan" on Windows or macOS)."""
    slug = _UNSAFE.sub("_", name.casefold()).strip("_")[:limit] or fallback
    if slug != name or slug.upper() in _RESERVED:
        slug = f"{slug}-{_digest(name, 10)}"
    return slug


def database_key(url: str) -> str:
    """A file name for the database at ``url``: a readable hint plus a hash of the URL
    without its password (a new password is still the same database). A SQLite file is
    named by its absolute path, however it was typed: ``sqlite:///live.db`` in two
    folders is two databases."""
    from sqlalchemy.engine import make_url

    from meldkamer.store.db import normalise_url

    try:
        parsed = make_url(normalise_url(url))
    except Exception:  # not a URL SQLAlchemy reads: the text itself still names it
        return safe_name(url[-24:], fallback="database") + "-" + _digest(url, 16)
    parsed = parsed.set(query={k: v for k, v in parsed.query.items()
                               if k.lower() != "password"})._replace(password=None)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            parsed = parsed.set(database=str(Path(parsed.database).expanduser().resolve()))
        hint = Path(parsed.database or "").stem
    else:
        hint = parsed.database or parsed.host or ""
    canonical = parsed.render_as_string(hide_password=False)
    # The digest tells databases apart: the hint only has to be readable.
    return f"{safe_name(hint.casefold(), fallback='database', limit=24)}-{_digest(canonical, 16)}"


class DraftJournal:
    """Where one call in progress is kept; ``path`` None keeps nothing."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.rejected: Path | None = None  # where the last unreadable draft was moved

    @classmethod
    def for_database(cls, url: str, user: str, root: Path | None = None) -> DraftJournal:
        """The journal of ``user`` working on the database at ``url``."""
        base = root if root is not None else config.data_dir() / "drafts"
        return cls(base / safe_name(user) / f"{database_key(url)}.json")

    def save(self, draft: dict[str, Any]) -> None:
        """Write the draft durably; an empty draft removes the journal."""
        if self.path is None:
            return
        if not any(v for v in draft.values()):
            self.clear()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(draft, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def load(self) -> dict[str, Any] | None:
        """The saved draft, or None: also for one that cannot be read (bad JSON, nested too
        deep, too big, not a file, not an object), which is moved aside (``set_aside``)."""
        self.rejected = None
        if self.path is None:
            return None
        from meldkamer.errors import InvalidInput
        from meldkamer.files import DRAFT_LIMIT, read_text

        if not os.path.lexists(self.path):
            return None
        try:
            data = json.loads(read_text(self.path, DRAFT_LIMIT))
        except (InvalidInput, ValueError, RecursionError):
            self.set_aside()
            return None
        if not isinstance(data, dict):
            self.set_aside()
            return None
        return data

    def set_aside(self) -> Path | None:
        """Move a draft that cannot be restored into ``rejected/`` beside the journal, for a
        technician (never deleted); returns where it went, None if there was none."""
        if self.path is None or not os.path.lexists(self.path):
            return None
        from datetime import UTC, datetime

        folder = self.path.parent / "rejected"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"{self.path.stem}-{stamp}{self.path.suffix}"
        os.replace(self.path, target)
        self.rejected = target
        return target

    def clear(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
