"""The checkpoint file: appended, signed line by line, each line chained to the last."""

from __future__ import annotations

import json
import stat

from sqlalchemy import text

from meldkamer.core import Meldkamer
from meldkamer.services import anchors, audit, trail_watch


def _chain(core: Meldkamer) -> str:
    with core.store.read() as session:
        return audit.facts(session)["audit_chain_id"]


def test_every_hundred_events_the_head_is_checkpointed(core: Meldkamer) -> None:
    chain = _chain(core)
    start = len(anchors.read(chain)[0])
    number = core.incidents.create(caller_number="112", island="BO").number
    for i in range(60):
        core.incidents.add_note(number, f"note {i}")
    for i in range(60):
        core.incidents.add_note(number, f"more {i}")
    points, bad = anchors.read(chain)
    assert bad == [] and len(points) > start
    assert all(p.reason == "events" and p.workstation == core.workstation
               for p in points[start:])
    assert stat.S_IMODE(anchors.path_for(chain).stat().st_mode) == 0o600
    report = core.verify_audit()
    assert report.ok and report.checkpoints == len(points)


def test_an_unchanged_head_is_not_written_twice(core: Meldkamer) -> None:
    chain = _chain(core)
    trail_watch.checkpoint(core, "start")
    before = len(anchors.read(chain)[0])
    trail_watch.checkpoint(core, "schedule")
    assert len(anchors.read(chain)[0]) == before


def test_an_edited_or_removed_line_is_named(core: Meldkamer) -> None:
    chain = _chain(core)
    path = anchors.path_for(chain)
    for i in range(3):
        core.incidents.create(caller_number=f"11{i}", island="BO")
        trail_watch.checkpoint(core, "schedule")
    lines = path.read_text().splitlines()
    assert len(lines) == 3
    edited = json.loads(lines[1])
    edited["seq"] -= 1  # a head moved back, written into the file without the key
    path.write_text("\n".join([lines[0], json.dumps(edited), lines[2]]) + "\n")
    problems = core.verify_audit().problems
    assert any(f"line 2 of the checkpoint file {path} was altered" in p for p in problems)
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    problems = core.verify_audit().problems
    assert any("does not follow the line before: lines were removed" in p for p in problems)


def test_each_database_has_its_own_file(core: Meldkamer) -> None:
    trail_watch.checkpoint(core, "start")
    with core.store.engine.connect() as conn:
        chain = conn.execute(text(
            "SELECT value FROM meta WHERE key = 'audit_chain_id'")).scalar_one()
    assert anchors.path_for(chain).exists()
    assert anchors.path_for(chain).parent.name == "audit"
