"""``audit verify``: the chain, its checkpoints outside the database, and a replay.

The walk reads the events with Core (no ORM object per event) and checks each link and
hash by its part's rule (plain SHA-256 before the keyed start, HMAC from it). Then every
checkpoint this workstation wrote must match a stored event; then the row digests the
trail carries are folded into what the tables should hold and compared with them.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from meldkamer.domain.views import AuditReport
from meldkamer.i18n import N_, tr
from meldkamer.services import anchors as anchor_file
from meldkamer.services import audit, audit_rows
from meldkamer.store.models import AuditEvent, AuditHead

MISSING = N_("event {seq} is missing (next stored event is {next})")
UNLINKED = N_("event {seq} does not link to event {before}")
ALTERED = N_("event {seq} ({action} {key}) was altered")
CUT = N_("the chain ends at event {end} but the head says {head}: events were removed "
         "from the end")
HEAD_MOVED = N_("the head says event {head} but the chain goes on to event {end}: the head "
                "was moved back")
SINCE_GONE = N_("event {seq}, verified before, is gone or changed")
EMPTIED = N_("the trail is empty but the checkpoint of {at} on {workstation} saw event "
             "{seq}: the table was emptied and its head reset")
CUT_ANCHOR = N_("the chain ends at event {end} but the checkpoint of {at} on {workstation} "
                "saw event {seq}: events were cut from the end")
REPLACED = N_("event {seq} differs from the checkpoint of {at} on {workstation}: the chain "
              "was replaced by a recomputed one")
KEYED_MOVED = N_("the chain's keyed start is event {now} but the checkpoint of {at} saw "
                 "{then}: the start was moved to pass off plain hashes")
LINE_ALTERED = N_("line {line} of the checkpoint file {path} was altered or not signed "
                  "with this installation's key")
LINE_UNLINKED = N_("line {line} of the checkpoint file {path} does not follow the line "
                   "before: lines were removed or inserted")
INC_MISSING = N_("incident {number} is missing")
INC_DIFFERS = N_("incident {number}: {field} differs from the trail")
INC_ADDED = N_("incident {number} was added outside the trail")
ROW_MISSING = N_("{row} {id} of {number} was deleted")
ROW_DIFFERS = N_("{row} {id} of {number}: {field} differs from the trail")
ROW_ADDED = N_("{row} {id} of {number} was added outside the trail")
LOG_MISSING = N_("log line {id} of {number} was deleted")
LOG_ALTERED = N_("log line {id} of {number} was altered")
LOG_ADDED = N_("log line {id} of {number} was added outside the trail")

_EVENTS = select(AuditEvent.seq, AuditEvent.at, AuditEvent.user, AuditEvent.action,
                 AuditEvent.entity, AuditEvent.entity_key, AuditEvent.data,
                 AuditEvent.prev_hash, AuditEvent.hash).order_by(AuditEvent.seq)
MAX_PROBLEMS = 200  # enough to see what was done; a million deleted lines need not be listed
ROW_NAMES = {"call": N_("call"), "assignment": N_("assignment")}


class Verification:
    """One run of verify over a session (read-only)."""

    def __init__(self, session: Session, *, since: audit.Head | None, replay: bool,
                 anchors: bool) -> None:
        self.session = session
        self.since = since
        self.replay = replay
        self.use_anchors = anchors
        self.facts = audit.facts(session)
        self.keyed_from = audit.keyed_from(self.facts)
        self.problems: list[str] = []
        self.first: int | None = None
        # the folded trail: what each table should hold
        self.incidents: dict[int, dict[str, str] | None] = {}
        self.children: dict[str, dict[int, tuple[int, dict[str, str]]]] = {
            "call": {}, "assignment": {}}
        self.by_incident: dict[str, dict[int, set[int]]] = {"call": {}, "assignment": {}}
        self.lines: dict[int, tuple[int, str]] = {}

    def broken(self, first: int | None, template: str, /, **fields: Any) -> None:
        if self.first is None and first is not None:
            self.first = first
        if len(self.problems) >= MAX_PROBLEMS:
            return
        self.problems.append(tr(template, **fields))

    def run(self) -> AuditReport:
        points, bad = (anchor_file.read(self.facts.get("audit_chain_id", ""))
                       if self.use_anchors else ([], []))
        watched = {p.seq for p in points}
        seen: dict[int, str] = {}
        count, end, end_hash = self.walk(watched, seen)
        self.check_head(end, end_hash, count)
        self.check_anchors(points, bad, seen, end, count)
        not_covered = self.compare() if self.replay and not self.problems else 0
        return audit.report(not self.problems, count, self.first, self.problems,
                            not_covered=not_covered, checkpoints=len(points))

    def walk(self, watched: set[int], seen: dict[int, str]) -> tuple[int, int, str]:
        """Check every link and hash; returns (events walked, last good seq, its hash)."""
        keyed = audit.chain_key() if self.keyed_from < audit.NOT_KEYED else None
        prev, expected, count = audit.GENESIS, 1, 0
        query = _EVENTS
        if self.since is not None:
            seq, digest = self.since
            if seq > 0:
                stored = self.session.execute(
                    select(AuditEvent.hash).where(AuditEvent.seq == seq)).scalar()
                if stored != digest:
                    self.broken(seq, SINCE_GONE, seq=seq)
                    return 0, 0, audit.GENESIS
            prev, expected = digest, seq + 1
            query = query.where(AuditEvent.seq > seq)
        conn = self.session.connection().execution_options(yield_per=5000)
        rows = conn.execute(query)
        for seq, at, user, action, entity, key, data, prev_hash, digest in rows:
            count += 1
            if seq != expected:
                self.broken(expected, MISSING, seq=expected, next=seq)
                break
            if prev_hash != prev:
                self.broken(seq, UNLINKED, seq=seq, before=seq - 1)
                break
            rule = keyed if seq >= self.keyed_from else None
            if not hmac.compare_digest(
                    audit._digest(seq, at, user, action, entity, key, data, prev_hash, rule),
                    digest):
                self.broken(seq, ALTERED, seq=seq, action=action, key=key)
                break
            if seq in watched:
                seen[seq] = digest
            if self.replay and rule is not None and '"rows":' in data:
                self.fold(json.loads(data).get("rows") or {})
            prev, expected = digest, expected + 1
        rows.close()
        return count, expected - 1, prev

    def check_head(self, end: int, end_hash: str, count: int) -> None:
        if self.problems:
            return
        head = self.session.get(AuditHead, 1)
        if head is None or head.seq < end:
            self.broken(end, HEAD_MOVED, head=head.seq if head else 0, end=end)
        elif head.seq != end or head.hash != end_hash:
            self.broken(end + 1, CUT, end=end, head=head.seq)

    def check_anchors(self, points: list[anchor_file.Checkpoint], bad: list[tuple[int, str]],
                      seen: dict[int, str], end: int, count: int) -> None:
        path = str(anchor_file.path_for(self.facts.get("audit_chain_id", "")))
        for line, what in bad:
            self.broken(None, LINE_ALTERED if what == "altered" else LINE_UNLINKED,
                        line=line, path=path)
        since = self.since[0] if self.since else 0
        highest = max(points, key=lambda p: p.seq, default=None)
        if highest is not None and highest.seq > end:
            empty = end == 0 and since == 0
            self.broken(end + 1, EMPTIED if empty else CUT_ANCHOR, end=end, seq=highest.seq,
                        at=highest.at, workstation=highest.workstation)
        for p in points:
            if p.seq == 0 or p.seq <= since or p.seq > end:
                continue
            if seen.get(p.seq) != p.hash:
                self.broken(p.seq, REPLACED, seq=p.seq, at=p.at, workstation=p.workstation)
                break
        for p in points:
            if p.keyed_from != self.keyed_from:
                self.broken(min(p.keyed_from, self.keyed_from), KEYED_MOVED,
                            now=self.keyed_from, then=p.keyed_from, at=p.at)
                break

    def fold(self, rows: dict[str, Any]) -> None:
        """Take one transaction's row digests into the expected state."""
        for key, fields in (rows.get("inc") or {}).items():
            inc = int(key)
            self.incidents[inc] = fields
            for name in ("call", "assignment"):
                for old in self.by_incident[name].pop(inc, set()):
                    self.children[name].pop(old, None)
        for name, short in (("call", "call"), ("assignment", "asg")):
            for key, (inc, fields) in (rows.get(short) or {}).items():
                self.children[name][int(key)] = (int(inc), fields)
                self.by_incident[name].setdefault(int(inc), set()).add(int(key))
        for key, (inc, digest) in (rows.get("log") or {}).items():
            self.lines[int(key)] = (int(inc), digest)

    def compare(self) -> int:
        """Compare the tables with the folded trail; returns the incidents not covered."""
        try:
            start = {k: int(v) for k, v in json.loads(self.facts["audit_rows_from"]).items()}
        except (KeyError, ValueError, AttributeError):
            start = {}
        d = audit_rows.Digester()
        conn = self.session.connection().execution_options(yield_per=5000)
        numbers: dict[int, str] = {}
        not_covered = 0
        inc_t = audit_rows.TABLES["incident"]
        present: set[int] = set()
        for row in conn.execute(select(inc_t)):
            inc = int(row.id)
            numbers[inc] = row.number
            present.add(inc)
            expected = self.incidents.get(inc)
            if inc not in self.incidents:
                if inc > start.get("incident", 0):
                    self.broken(None, INC_ADDED, number=row.number)
                else:
                    not_covered += 1
                continue
            if expected is None:
                self.broken(None, INC_ADDED, number=row.number)
                continue
            self.differs(expected, d.fields("incident", row), INC_DIFFERS,
                         number=row.number)
        for inc, expected in self.incidents.items():
            if expected is not None and inc not in present:
                numbers[inc] = expected.get("#", str(inc))
                self.broken(None, INC_MISSING, number=numbers[inc])
        for name in ("call", "assignment"):
            self.compare_children(name, conn, d, numbers, start)
        self.compare_lines(conn, d, numbers, start)
        return not_covered

    def differs(self, expected: dict[str, str], actual: dict[str, str], template: str,
                **fields: Any) -> None:
        for name in sorted(set(expected) | set(actual)):
            if name != "#" and expected.get(name) != actual.get(name):
                self.broken(None, template, field=name, **fields)

    def compare_children(self, name: str, conn: Any, d: audit_rows.Digester,
                         numbers: dict[int, str], start: dict[str, int]) -> None:
        table = audit_rows.TABLES[name]
        expected = self.children[name]
        label = tr(ROW_NAMES[name])
        present: set[int] = set()
        for row in conn.execute(select(table)):
            rid, inc = int(row.id), int(row.incident_id)
            present.add(rid)
            number = numbers.get(inc, str(inc))
            if rid not in expected:
                if inc in self.incidents or rid > start.get(name, 0):
                    self.broken(None, ROW_ADDED, row=label, id=rid, number=number)
                continue
            self.differs(expected[rid][1], d.fields(name, row), ROW_DIFFERS, row=label,
                         id=rid, number=number)
        for rid, (inc, _fields) in expected.items():
            if rid not in present:
                self.broken(None, ROW_MISSING, row=label, id=rid,
                            number=numbers.get(inc, str(inc)))

    def compare_lines(self, conn: Any, d: audit_rows.Digester, numbers: dict[int, str],
                      start: dict[str, int]) -> None:
        table = audit_rows.TABLES["log_entry"]
        cols = [c for c in table.c if c.name != "text_tsv"]
        present: set[int] = set()
        for row in conn.execute(select(*cols)):
            rid, inc = int(row.id), int(row.incident_id)
            present.add(rid)
            number = numbers.get(inc, str(inc))
            found = self.lines.get(rid)
            if found is None:
                if rid > start.get("log_entry", 0):
                    self.broken(None, LOG_ADDED, id=rid, number=number)
            elif found[1] != d.line(row):
                self.broken(None, LOG_ALTERED, id=rid, number=number)
        for rid, (inc, _digest) in self.lines.items():
            if rid not in present:
                self.broken(None, LOG_MISSING, id=rid, number=numbers.get(inc, str(inc)))
