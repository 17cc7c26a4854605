"""Build a database with years of closed incidents, as a busy control room would have.

100,000 closed incidents from 2021 to 2025, each with its call, ten log lines (so one
million log lines for the full-text search), one assignment, its unit status changes and
two audit events that extend the real hash chain (``audit verify`` passes on the result).
Rows go in with executemany on one connection; the database is cached under
``bench/results`` so the next run reuses it.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.services.audit import GENESIS, _digest
from meldkamer.store.db import Store

GENERATOR_VERSION = 3
STREETS = ["Kaya Grandi", "Kaya Gob. N. Debrot", "Kaya Korona", "Kaya Nikiboko Zuid",
           "Kaya Internashonal", "Kaya Industria", "Kaya Amsterdam", "Kaya Simon Bolivar",
           "Kaya Brasil", "Kaya Bonaire", "Fort Oranjestraat", "Van Tonningenweg",
           "The Road", "Booby Hill Road", "Kaya Soeur Bartola", "Kaya Hulanda"]
WORDS = ("auto scooter pick-up blauwe rode witte zwarte man vrouw kind dader getuige buren "
         "hond geit ezel boot duiker strand haven vliegveld winkel supermarkt hotel bar "
         "geluid ruzie wapen mes glas deur raam tas telefoon portemonnee fiets brommer "
         "rook vuur water stroom kabel boom storm regen letsel bloed pijn onwel").split()
UNITS_BO = ["P-101", "P-102", "P-103", "P-104", "P-105", "A-101", "A-102", "B-101"]


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def build(path: Path, ref: Reference, incidents: int = 100_000, seed: int = 7) -> Path:
    """Create (or reuse) a database with ``incidents`` closed incidents of history."""
    marker = path.with_suffix(f".v{GENERATOR_VERSION}-{incidents}.done")
    if path.exists() and marker.exists():
        return path
    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    core = Meldkamer(Store(str(path)), ref, user="bench")
    load_demo(core, incidents=False)
    core.close()

    rng = random.Random(seed)
    leaves = [c for c in ref.classifications.values() if c.level == 3]
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # a generator, not the application: speed only
    unit_ids = dict(db.execute("SELECT callsign, id FROM unit").fetchall())
    head_seq, head_hash = db.execute("SELECT seq, hash FROM audit_head").fetchone()
    prev = head_hash if head_seq else GENESIS
    seq = head_seq
    db.execute("BEGIN")
    start = datetime(2021, 1, 1, 4, tzinfo=UTC)
    span = (datetime(2025, 12, 31, tzinfo=UTC) - start).total_seconds()
    counters: dict[tuple[str, int], int] = {}
    inc_rows, call_rows, log_rows, asg_rows, chg_rows, audit_rows = [], [], [], [], [], []
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(incidents))
    for n, created in enumerate(times, start=1):
        island = rng.choices(["BO", "SE", "SA"], weights=[80, 12, 8])[0]
        year = created.year
        counters[(island, year)] = counters.get((island, year), 0) + 1
        number = f"{ref.islands[island].prefix}-{year}-{counters[(island, year)]:06d}"
        cls = rng.choice(leaves)
        street = rng.choice(STREETS)
        closed = created + timedelta(minutes=rng.randint(20, 240))
        lat, lon = ref.islands[island].centre
        inc_rows.append((n, number, island, year, "closed", "island", lat, lon,
                         f"{street} {rng.randint(1, 120)}", cls.code, cls.priority,
                         cls.urgency, _iso(created), _iso(closed), _iso(closed), "HANDLED",
                         "bench", 3))
        caller = f"+599 7{rng.randint(10, 99)} {rng.randint(1000, 9999)}"
        call_rows.append((n, _iso(created), caller, "", "", "bench"))
        unit = rng.choice(UNITS_BO)
        texts = [
            ("call", f"Melding van {caller}"),
            ("location", f"Locatie {street} {rng.randint(1, 120)} [{island}]"),
            ("classification", f"Classificatie {cls.code} {cls.name('nl')}, prio {cls.priority}"),
            ("dispatch", f"{unit} gealarmeerd"),
            ("status", f"{unit}: Aanrijdend"),
            ("status", f"{unit}: Ter plaatse"),
            ("note", " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))),
            ("note", " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 10)))),
            ("status", f"{unit}: Vrij (mobiel), vrijgegeven"),
            ("close", "Gesloten: HANDLED Afgehandeld"),
        ]
        for kind, text in texts:
            log_rows.append((n, _iso(created), "bench", kind, text))
        asg_rows.append((n, unit_ids[unit], _iso(created), _iso(closed), "bench", ""))
        chg_rows.append((unit_ids[unit], n, "available_station", "dispatched", _iso(created),
                         "bench", "dispatch", ""))
        chg_rows.append((unit_ids[unit], n, "on_scene", "available_mobile", _iso(closed),
                         "bench", "operator", ""))
        for at, action in ((created, "incident.create"), (closed, "incident.close")):
            seq += 1
            data = '{"history":true}'
            digest = _digest(seq, at, "bench", action, "incident", number, data, prev)
            audit_rows.append((seq, _iso(at), "bench", action, "incident", number, data, prev,
                               digest))
            prev = digest
    db.executemany(
        "INSERT INTO incident (id, number, island, year, state, location_state, lat, lon, "
        "address, classification, priority, urgency, created_at, updated_at, closed_at, "
        "disposition, created_by, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        inc_rows)
    db.executemany("INSERT INTO call (incident_id, at, caller_number, caller_name, "
                   "callback_number, taken_by) VALUES (?,?,?,?,?,?)", call_rows)
    db.executemany("INSERT INTO log_entry (incident_id, at, user, kind, text) "
                   "VALUES (?,?,?,?,?)", log_rows)
    db.executemany("INSERT INTO assignment (incident_id, unit_id, dispatched_at, cleared_at, "
                   "dispatched_by, override_reason) VALUES (?,?,?,?,?,?)", asg_rows)
    db.executemany("INSERT INTO unit_status_change (unit_id, incident_id, from_status, "
                   "to_status, at, user, source, reason) VALUES (?,?,?,?,?,?,?,?)", chg_rows)
    db.executemany("INSERT INTO audit_event (seq, at, user, action, entity, entity_key, data, "
                   "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)", audit_rows)
    db.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))
    db.executemany("INSERT INTO incident_counter (island, year, last) VALUES (?,?,?)",
                   [(i, y, last) for (i, y), last in counters.items()])
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    marker.touch()
    return path


def copy(src: Path, dst: Path) -> Path:
    """A fresh copy of a generated database for one benchmark run."""
    for p in dst.parent.glob(dst.name + "*"):
        p.unlink()
    shutil.copyfile(src, dst)
    return dst
