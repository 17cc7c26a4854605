"""Issue 3 budgets: start-up, intake step handlers, keystrokes for a standard call.

Issue 8 budgets (bench/incident_list.py): sorting and filtering 600 open incidents, and
the GUI event loop while 200 statuses per second arrive.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import history, incident_list
from bench.stats import Row, median, p99
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo, play_shift
from meldkamer.domain.reference import Reference
from meldkamer.store.db import Store

RESULTS = Path(__file__).parent / "results"
STARTS = 7


def _startup(db: Path, home: Path) -> list[float]:
    """Seconds from launching ``meldkamer gui`` to its window having loaded, per run."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MELDKAMER_DB=str(db),
               MELDKAMER_CONFIG_DIR=str(home / "config"), MELDKAMER_DATA_DIR=str(home / "data"))
    exe = Path(sys.executable).with_name("meldkamer")
    cmd = [str(exe), "gui", "--exit-when-loaded"]
    from bench.cli_bench import log_in

    log_in(env, home)  # the window opens logged in (the token), not locked
    subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=120)  # warm caches
    out = []
    for _ in range(STARTS):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=120)
        out.append(time.perf_counter() - t0)
    return out


def _intake(db: Path, ref: Reference, home: Path) -> list[Row]:
    """Each intake step from the operator's action to the view showing its result."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from meldkamer.drafts import DraftJournal
    from meldkamer.settings import Settings
    from ui.main_window import MainWindow
    from ui.ops import Operations

    app = QApplication.instance() or QApplication([])
    core = Meldkamer(Store(str(db)), ref, user="bench")
    ops = Operations()
    win = MainWindow(core, ops, None, Settings(home / "s.toml"), DraftJournal(home / "d.json"))
    win.show()

    def settle() -> None:
        while ops.pending:
            app.processEvents()
            time.sleep(0.0005)
        app.processEvents()

    settle()
    intake = win.intake_dock
    while intake.location_search is None:  # built on the worker just after the first loads
        app.processEvents()
        time.sleep(0.001)
    settle()
    with core.store.read() as s:
        from sqlalchemy import text

        callers = [r[0] for r in s.execute(text(
            "SELECT caller_number FROM call GROUP BY caller_number ORDER BY count(*) DESC "
            "LIMIT 100"))]
    places = [*core.intake.locations().search("kaya", limit=1)] + [
        c for q in ("rincon", "playa", "belnem", "antriol", "hato", "the bottom",
                    "oranjestad", "windwardside", "sorobon", "airport")
        for c in core.intake.locations().search(q, limit=1)]
    classes = [m.cls for q in ("inbraak woning", "letsel", "reanimatie", "brand woning",
                               "geluidsoverlast", "duikongeval", "vee op de weg")
               for m in core.intake.classes.search(q, limit=1)]
    steps: dict[str, list[float]] = {k: [] for k in (
        "caller number -> history", "type location -> matches", "location -> nearby, "
        "proposals, duplicates", "type class -> matches", "class -> proposals, questions")}
    names = list(steps)
    for i in range(100):
        t0 = time.perf_counter()
        intake.caller.setText(callers[i % len(callers)])
        intake.lookup_caller()
        settle()
        steps[names[0]].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        intake.location_edit.refresh(("rinc", "kaya gr", "playa", "the bot")[i % 4])
        app.processEvents()
        steps[names[1]].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        intake.set_location(places[i % len(places)])
        settle()
        steps[names[2]].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        intake.class_edit.refresh(("inbr wo", "letsel", "reanim", "brand")[i % 4])
        app.processEvents()
        steps[names[3]].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        intake.set_classification(classes[i % len(classes)])
        settle()
        steps[names[4]].append((time.perf_counter() - t0) * 1000)
        intake.clear_form()
    rows = [Row(f"intake: {name} (100k history)", "p99", p99(samples), 50)
            for name, samples in steps.items()]

    # The standard call: a local 7-digit number (shown back as +599 ...), the caller's
    # name, a burglary at a known place, F5 sends its turnout; the shortest queries an
    # operator learns ("rin", "inb wo") that pick the place and the class first.
    win.activateWindow()
    app.processEvents()
    keys = 0

    def press(key: Qt.Key) -> None:
        nonlocal keys
        QTest.keyClick(QApplication.focusWidget(), key)
        keys += 1

    def type_(text: str) -> None:
        nonlocal keys
        for ch in text:
            QTest.keyClicks(QApplication.focusWidget(), ch)
            keys += 1

    before = len(core.incidents.list_incidents(active=True, limit=10_000))
    press(Qt.Key.Key_F2)
    type_("7171234")
    press(Qt.Key.Key_Tab)
    type_("Jan")
    press(Qt.Key.Key_Tab)
    type_("rin")
    press(Qt.Key.Key_Return)
    type_("inb wo")
    press(Qt.Key.Key_Return)
    settle()
    press(Qt.Key.Key_F5)
    settle()
    after = core.incidents.list_incidents(active=True, limit=10_000)
    new = [a for a in after if a.calls and a.calls[0].caller_name == "Jan"]
    made = (len(after) == before + 1 and len(new) == 1 and bool(new[0].assignments)
            and new[0].calls[0].caller_number == "+5997171234"
            and new[0].classification == "BZ.INB.WON")
    sent = len(new[0].assignments) if new else 0
    rows.append(Row("keystrokes for a standard call, local number and a name (target <= 25)",
                    "count", float(keys), 25,
                    f"incident created, number +599 717 1234, turnout of {sent} dispatched"
                    if made else "FAILED", unit="keys"))
    win.close()
    core.close()
    return rows


def run(ref: Reference) -> list[Row]:
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        empty = home / "empty.sqlite3"
        core = Meldkamer(Store(str(empty)), ref, user="bench")
        load_demo(core)
        core.close()
        big = history.copy(history.build(RESULTS / "history-100k.sqlite3", ref),
                           home / "big.sqlite3")
        core = Meldkamer(Store(str(big)), ref, user="bench")
        play_shift(core, core.clock)
        core.close()
        start_empty = median(_startup(empty, home))
        start_big = median(_startup(big, home))
        ratio = start_big / start_empty
        rows = [
            Row("start to main window loaded (empty history)", "median", start_empty * 1000,
                1500),
            Row("start to main window loaded (100k history)", "median", start_big * 1000, 1500,
                f"x{ratio:.2f} of empty (budget x1.2: {'ok' if ratio <= 1.2 else 'OVER'})"),
        ]
        rows += _intake(big, ref, home)
        rows += incident_list.in_own_process(home)
    return rows
