"""Starting the workstation (ui/app.py): a screenshot run, with or without --demo, leaves
no call behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from meldkamer.drafts import DraftJournal


def test_a_demo_screenshot_writes_no_draft_and_leaves_the_real_one(tmp_path: Path) -> None:
    data, conf = tmp_path / "data", tmp_path / "config"
    live_db = data / "meldkamer.sqlite3"  # the embedded default: no --db, no MELDKAMER_DB
    real = DraftJournal.for_database(str(live_db), "centralist", root=data / "drafts")
    real.save({"caller": "+599 717 9999", "name": "Echte melder"})  # a call being taken
    assert real.path is not None
    real_path = real.path
    before = real_path.read_bytes()
    env = {k: v for k, v in os.environ.items() if k != "MELDKAMER_DB"}
    env.update(QT_QPA_PLATFORM="offscreen", MELDKAMER_DATA_DIR=str(data),
               MELDKAMER_CONFIG_DIR=str(conf), MELDKAMER_USER="centralist")
    out = tmp_path / "out.png"
    done = subprocess.run(
        [sys.executable, "-m", "meldkamer", "gui", "--demo", "--screenshot", str(out)],
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.exists() and live_db.exists()
    drafts = sorted(p for p in (data / "drafts").rglob("*") if p.is_file())
    assert drafts == [real_path]  # the demo call (M. Martis) was never written
    assert real_path.read_bytes() == before  # nor the real call taken or cleared
    assert json.loads(before)["name"] == "Echte melder"


def test_a_screenshot_without_demo_neither_restores_nor_touches_the_draft(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    live_db = data / "meldkamer.sqlite3"
    real = DraftJournal.for_database(str(live_db), "centralist", root=data / "drafts")
    real.save({"caller": "+599 717 9999", "name": "Echte melder"})
    assert real.path is not None
    before = real.path.read_bytes()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MELDKAMER_DATA_DIR=str(data),
               MELDKAMER_CONFIG_DIR=str(tmp_path / "config"), MELDKAMER_USER="centralist")
    env.pop("MELDKAMER_DB", None)
    out = tmp_path / "a.png"
    done = subprocess.run(  # the live database as it is: no --demo
        [sys.executable, "-m", "meldkamer", "gui", "--screenshot", str(out)],
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.exists() and live_db.exists()
    assert sorted(p for p in (data / "drafts").rglob("*") if p.is_file()) == [real.path]
    assert real.path.read_bytes() == before
