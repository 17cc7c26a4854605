"""Intake type-ahead benchmarks: classification and location search, shipped data.

Run alone with ``python -m bench.lookup_bench``. Each keystroke in the intake searches in
memory on the GUI thread, so a query must answer in a few milliseconds. Locations are
searched over the shipped places and the demo stations (no imported street data), with
places, posts, address-looking text that finds nothing, and typed coordinates.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import Row, median, p95, table, timed
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.store.db import Store

CLASS_QUERIES = ["inbraak", "inbr wo", "brand woning", "duikongeval", "reanimatie", "kandela",
                 "accident", "vaartuig", "verkeersongeval", "burglary", "house fire", "letsel",
                 "geluidsoverlast", "vee op de weg", "steekpartij", "drowning", "hòrtò",
                 "b", "br", "bra", "bran", "brand", "brand w", "brand wo"]
LOCATION_QUERIES = ["windwardside", "rinc", "kralendijk", "the bottom", "playa", "oranjestad",
                    "politiepost windwardside", "hospitaal", "sorobon", "airport",
                    "kaya grandi 12", "kaya gr", "xyzzy", "12.15, -68.27", "w", "wi", "win"]
TYPED = ["inbraak woning", "brand woning", "duikongeval", "reanimatie", "kandela den kas",
         "car accident", "vaartuig in nood", "geluidsoverlast", "burglary", "hende hogá"]
REPEAT = 400


def keystrokes(ref: Reference) -> list[float]:
    """Each query typed letter by letter on a fresh index: every keystroke a new word."""
    from meldkamer.domain.lookup import ClassificationIndex

    classes = ClassificationIndex(ref)
    typed = [q[:n] for q in TYPED for n in range(1, len(q) + 1) if q[n - 1] != " "]
    it = iter(typed)
    return timed(lambda: classes.search(next(it), limit=8), len(typed))


def run(ref: Reference) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("MELDKAMER_GEODATA", str(Path(tmp) / "geodata"))  # none imported
        core = Meldkamer(Store(str(Path(tmp) / "lookup.sqlite3")), ref, user="bench")
        load_demo(core, incidents=False)
        t0 = time.perf_counter()
        classes = core.intake.classes
        class_build = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        locations = core.intake.locations()
        locations.search("warm-up", limit=8)  # builds the gazetteer
        location_build = (time.perf_counter() - t0) * 1000
        cq = itertools.cycle(CLASS_QUERIES)
        lq = itertools.cycle(LOCATION_QUERIES)
        class_ms = timed(lambda: classes.search(next(cq), limit=8), REPEAT)
        typed_ms = keystrokes(ref)
        location_ms = timed(lambda: locations.search(next(lq), limit=8), REPEAT)
        core.close()
    note_c = f"{len(ref.classifications)} classes, {len(CLASS_QUERIES)} queries"
    note_l = f"shipped places and demo stations, {len(LOCATION_QUERIES)} queries"
    return [
        Row("lookup: classification index build", "once", class_build, None),
        Row("lookup: classification query", "p95", p95(class_ms), 10, note_c),
        Row("lookup: classification query", "median", median(class_ms), None),
        Row("lookup: classification keystroke, typed letter by letter", "p95", p95(typed_ms),
            10, f"{len(typed_ms)} keystrokes"),
        Row("lookup: classification keystroke, typed letter by letter", "median",
            median(typed_ms), None),
        Row("lookup: location index build", "once", location_build, None),
        Row("lookup: location query", "p95", p95(location_ms), 10, note_l),
        Row("lookup: location query", "median", median(location_ms), None),
    ]


if __name__ == "__main__":
    from meldkamer.domain.reference import load_reference

    print(table(run(load_reference(None))), file=sys.stdout)
