"""The intake's draft journal: a call being taken survives a crash or a closed window.

``meldkamer.intake.IntakeSession`` owns it: every change of the call is written to a
small JSON file (atomically: temporary file, fsync, rename; the format is
``meldkamer.intake.form.to_draft``); the next start restores it. A completed or
discarded call removes it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from meldkamer import config


class DraftJournal:
    """One draft per workstation user, in the user data directory."""

    def __init__(self, path: Path | None = None, user: str = "") -> None:
        name = f"draft-{user}.json" if user else "draft.json"
        self.path = path or config.data_dir() / "drafts" / name

    def save(self, draft: dict[str, Any]) -> None:
        """Write the draft durably; an empty draft removes the journal."""
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
        """The saved draft, or None (also for a damaged file, which is set aside)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self.set_aside()
            return None
        return data if isinstance(data, dict) else None

    def set_aside(self) -> None:
        """Keep a draft that cannot be restored next to the journal, for a technician."""
        if self.path.exists():
            self.path.replace(self.path.with_suffix(".damaged"))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
