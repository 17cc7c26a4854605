"""The trainer console: load a scenario, run it, inject by hand, follow the trainee, debrief.

The console drives one ``Engine`` on the runtime's scheduler (``engine.attach``: job
``training``). Everything that reaches the engine (building it, start, pause, speed,
jump, injects, reset) runs on the console's own worker (``ui.ops``): those calls write
to the database or wait for the engine's lock, which the scheduler's tick holds while it
fires injects. The view refreshes from a QTimer, four times a second, from a copy of the
engine's records and log taken without waiting (``ui.trainer.follow.Snapshot``).

Keys: Ctrl+O open a scenario file, Ctrl+L load the chosen shipped scenario, F5 start,
F6 pause or resume, Ctrl+1..5 speed 1x/5x/10x/30x/60x, Ctrl+J jump, Ctrl+N inject a call,
Ctrl+S save the after-action report, Ctrl+W close.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from meldkamer.core import Meldkamer
from meldkamer.domain.views import local
from meldkamer.errors import InvalidInput, MeldkamerError
from meldkamer.i18n import N_, tr
from meldkamer.runtime import Runtime
from meldkamer.training.engine import MAX_SPEED, MIN_SPEED, Engine
from meldkamer.training.manual import FieldError, manual_call
from meldkamer.training.scenario import Scenario, ScenarioError, load, offset, shipped
from ui.dialogs.confirm import confirm
from ui.i18n import Texts
from ui.ops import Operations
from ui.qt import (
    QAbstractItemView,
    QAction,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStatusBar,
    Qt,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.trainer.follow import RecordsModel, Snapshot, clock, log_line
from ui.trainer.inject import CallInjectForm, DisturbanceInjectForm, StatusInjectForm
from ui.trainer.pilot import PilotThread
from ui.trainer.report import save_pdf, save_report

# A tick still running when the next is due is skipped on purpose (max_instances 1): at
# 60x with a busy trainee that is normal, not a warning for the trainer's terminal.
logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)

PRESETS = (1, 5, 10, 30, 60)
REFRESH_MS = 250
ERROR_STYLE = "color: #b00020; font-weight: bold;"


class TrainerConsole(QMainWindow):
    """One trainer's window on one training core and its runtime."""

    loaded = Signal()
    """A scenario was loaded and its engine built (not started)."""
    refreshed = Signal()
    """The view shows the engine's state as it was a moment ago."""
    engine_ready = Signal(object)
    """A new ``Engine`` is built for the loaded scenario (the trainee channel listens)."""

    def __init__(self, core: Meldkamer, runtime: Runtime, *, autopilot: bool = False,
                 wall: Callable[[], float] = time.monotonic,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if not core.training:
            raise MeldkamerError("the trainer console runs on a training database only")
        self.core, self.runtime, self.wall, self.autopilot = core, runtime, wall, autopilot
        self.setObjectName("trainer_console")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.ops = Operations(self)
        self.texts = Texts()
        self.scenario: Scenario | None = None
        self.engine: Engine | None = None
        self._log_shown = 0
        self._busy = 0
        self._scenarios: list[Scenario] = []
        self._pilot: PilotThread | None = None
        self.texts.bind(self._set_title, N_("Trainer console"))
        self._build()
        self._actions()
        self.setStatusBar(QStatusBar(self))
        self.statusBar().showMessage(tr("Database: {url}", url=core.store.safe_url))
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._list_shipped()
        self._load_roster()
        self._show_controls()
        self.shipped.setFocus()

    # -- building ----------------------------------------------------------------------

    def _set_title(self, text: str) -> None:
        name = f" — {self.scenario.title}" if self.scenario is not None else ""
        self.setWindowTitle(f"[{tr('TRAINING')}] {text}{name}")

    def _label(self, template: str, parent: QWidget) -> QLabel:
        label = QLabel(parent)
        self.texts.bind(label.setText, template)
        return label

    def _button(self, template: str, slot: Callable[[], Any], parent: QWidget,
                name: str) -> QPushButton:
        button = QPushButton(parent)
        self.texts.bind(button.setText, template)
        button.setObjectName(name)
        button.clicked.connect(lambda _=False: slot())
        return button

    def _build(self) -> None:
        centre = QWidget(self)
        outer = QVBoxLayout(centre)
        banner = self._label(N_("TRAINING — trainer console"), centre)
        banner.setObjectName("training_banner")
        banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        banner.setStyleSheet("#training_banner { background: #6a1b9a; color: white; "
                             "font-weight: bold; font-size: 13pt; padding: 3px; }")
        outer.addWidget(banner)
        outer.addWidget(self._control_bar(centre))
        split = QSplitter(Qt.Orientation.Horizontal, centre)
        split.addWidget(self._left_column(split))
        split.addWidget(self._right_column(split))
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([420, 1000])
        outer.addWidget(split, 1)
        self.setCentralWidget(centre)

    def _control_bar(self, parent: QWidget) -> QWidget:
        box = QGroupBox(parent)
        self.texts.bind(box.setTitle, N_("Run"))
        grid = QGridLayout(box)
        self.start_button = self._button(N_("Start (F5)"), self.start, box, "start_button")
        self.pause_button = self._button(N_("Pause (F6)"), self.toggle_pause, box,
                                         "pause_button")
        grid.addWidget(self.start_button, 0, 0)
        grid.addWidget(self.pause_button, 0, 1)
        grid.addWidget(self._label(N_("Speed"), box), 0, 2)
        self.speed = QSpinBox(box)
        self.speed.setObjectName("speed_input")
        self.speed.setRange(int(MIN_SPEED), int(MAX_SPEED))
        self.speed.setSuffix("x")
        self.speed.setValue(1)
        self.speed.editingFinished.connect(lambda: self.set_speed(self.speed.value()))
        grid.addWidget(self.speed, 0, 3)
        presets = QHBoxLayout()
        self.preset_buttons: list[QPushButton] = []
        for n, value in enumerate(PRESETS, 1):
            button = QPushButton(f"{value}x", box)
            button.setObjectName(f"speed_{value}")
            button.setToolTip(f"Ctrl+{n}")
            button.setFixedWidth(44)
            button.clicked.connect(lambda _=False, v=value: self.set_speed(v))
            presets.addWidget(button)
            self.preset_buttons.append(button)
        grid.addLayout(presets, 0, 4)
        grid.addWidget(self._label(N_("Jump to"), box), 0, 5)
        self.jump_to = QLineEdit(box)
        self.jump_to.setObjectName("jump_input")
        self.jump_to.setFixedWidth(90)
        self.jump_to.setPlaceholderText("h:mm:ss")
        self.jump_to.returnPressed.connect(self.jump)
        grid.addWidget(self.jump_to, 0, 6)
        self.jump_button = self._button(N_("Jump"), self.jump, box, "jump_button")
        grid.addWidget(self.jump_button, 0, 7)
        self.clock = QLabel("--:--:--", box)
        self.clock.setObjectName("clock")
        self.clock.setStyleSheet("font-size: 20pt; font-weight: bold; font-family: monospace;")
        grid.addWidget(self.clock, 0, 8, 2, 1)
        self.progress = QProgressBar(box)
        self.progress.setObjectName("progress")
        self.progress.setFormat(tr("%v of %m calls"))
        grid.addWidget(self.progress, 1, 0, 1, 2)
        self.totals = QLabel(box)
        self.totals.setObjectName("totals")
        self.totals.setStyleSheet("font-weight: bold;")
        grid.addWidget(self.totals, 1, 2, 1, 4)
        self.run_error = QLabel(box)
        self.run_error.setObjectName("run_error")
        self.run_error.setStyleSheet(ERROR_STYLE)
        self.run_error.setWordWrap(True)
        grid.addWidget(self.run_error, 1, 6, 1, 2)
        grid.setColumnStretch(8, 1)
        return box

    def _left_column(self, parent: QWidget) -> QWidget:
        column = QWidget(parent)
        column.setMaximumWidth(500)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        box = QGroupBox(column)
        self.texts.bind(box.setTitle, N_("Scenario"))
        inner = QVBoxLayout(box)
        self.shipped = QTableWidget(0, 4, box)
        self.shipped.setObjectName("shipped_list")
        self.shipped.setHorizontalHeaderLabels(
            [tr("Title"), tr("Islands"), tr("Calls"), tr("Duration")])
        self.shipped.verticalHeader().hide()
        self.shipped.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.shipped.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.shipped.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.shipped.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        self.shipped.setMaximumHeight(150)
        self.shipped.doubleClicked.connect(lambda _i: self.load_chosen())
        inner.addWidget(self.shipped)
        row = QHBoxLayout()
        row.addWidget(self._button(N_("Load (Ctrl+L)"), self.load_chosen, box, "load_button"))
        row.addWidget(self._button(N_("Open file… (Ctrl+O)"), self.open_file, box,
                                   "open_button"))
        inner.addLayout(row)
        self.current = QLabel(box)
        self.current.setObjectName("current_scenario")
        self.current.setWordWrap(True)
        inner.addWidget(self.current)
        self.scenario_error = QLabel(box)
        self.scenario_error.setObjectName("scenario_error")
        self.scenario_error.setStyleSheet(ERROR_STYLE)
        self.scenario_error.setWordWrap(True)
        self.scenario_error.hide()
        inner.addWidget(self.scenario_error)
        layout.addWidget(box)
        tabs = QTabWidget(column)
        tabs.setObjectName("inject_tabs")
        self.call_form = CallInjectForm(self.core.ref, tabs)
        self.call_form.submitted.connect(self.inject_call)
        self.status_form = StatusInjectForm(self.core.ref, tabs)
        self.status_form.submitted.connect(self.inject_status)
        self.disturbance_form = DisturbanceInjectForm(tabs)
        self.disturbance_form.submitted.connect(self.inject_disturbance)
        tabs.addTab(self.call_form, tr("Inject call"))
        tabs.addTab(self.status_form, tr("Unit status"))
        tabs.addTab(self.disturbance_form, tr("Disturbance"))
        self.inject_tabs = tabs
        layout.addWidget(tabs, 1)
        report = QGroupBox(column)
        self.texts.bind(report.setTitle, N_("After-action report and database"))
        buttons = QGridLayout(report)
        self.report_button = self._button(N_("Save report (Ctrl+S)"), self.ask_report, report,
                                          "report_button")
        self.pdf_button = self._button(N_("Save as PDF (Ctrl+P)"), self.ask_pdf, report,
                                       "pdf_button")
        self.reset_button = self._button(N_("Reset training database…"), self.ask_reset,
                                         report, "reset_button")
        buttons.addWidget(self.report_button, 0, 0)
        buttons.addWidget(self.pdf_button, 0, 1)
        buttons.addWidget(self.reset_button, 1, 0, 1, 2)
        layout.addWidget(report)
        return column

    def _right_column(self, parent: QWidget) -> QWidget:
        split = QSplitter(Qt.Orientation.Vertical, parent)
        self.model = RecordsModel(self.core.ref, self)
        self.table = QTableView(split)
        self.table.setObjectName("calls_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for key, width in (("units", 190), ("sent", 120)):  # cut; whole in the tooltip
            column = self.model.column(key)
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAlternatingRowColors(False)
        self.log = QPlainTextEdit(split)
        self.log.setObjectName("event_log")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.log.setStyleSheet("font-family: monospace;")
        split.addWidget(self.table)
        split.addWidget(self.log)
        split.setSizes([600, 260])
        return split

    def _actions(self) -> None:
        bar = self.menuBar()
        menus: dict[str, Any] = {}
        for key, title in (("scenario", N_("&Scenario")), ("run", N_("&Run")),
                           ("report", N_("Re&port"))):
            menu = bar.addMenu("")
            self.texts.bind(menu.setTitle, title)
            menus[key] = menu

        def add(menu: str, text: str, keys: str | None, slot: Callable[[], Any],
                **fields: Any) -> QAction:
            action = QAction(self)
            self.texts.bind(action.setText, text, **fields)
            if keys:
                action.setShortcut(QKeySequence(keys))
            action.triggered.connect(lambda _=False: slot())
            menus[menu].addAction(action)
            self.addAction(action)
            return action

        add("scenario", N_("Open file…"), "Ctrl+O", self.open_file)
        add("scenario", N_("Load the chosen scenario"), "Ctrl+L", self.load_chosen)
        add("scenario", N_("Reset training database…"), None, self.ask_reset)
        add("scenario", N_("Close"), "Ctrl+W", self.close)
        add("run", N_("Start"), "F5", self.start)
        add("run", N_("Pause or resume"), "F6", self.toggle_pause)
        for n, value in enumerate(PRESETS, 1):
            add("run", N_("Speed {speed}x"), f"Ctrl+{n}", partial(self.set_speed, value),
                speed=value)
        add("run", N_("Jump to…"), "Ctrl+J", self.jump_to.setFocus)
        add("run", N_("Inject a call"), "Ctrl+N", self._focus_call_form)
        add("report", N_("Save report (HTML)…"), "Ctrl+S", self.ask_report)
        add("report", N_("Save report as PDF…"), "Ctrl+P", self.ask_pdf)

    def _focus_call_form(self) -> None:
        self.inject_tabs.setCurrentWidget(self.call_form)
        self.call_form.caller.setFocus()

    # -- worker ------------------------------------------------------------------------

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[Exception], None] | None = None) -> None:
        """``fn`` on the worker; errors shown on the run line unless handled."""
        self._busy += 1

        def done(result: Any) -> None:
            self._busy -= 1
            if on_done is not None:
                on_done(result)
            self._show_controls()

        def failed(exc: Exception) -> None:
            self._busy -= 1
            if on_error is not None:
                on_error(exc)
            else:
                self.run_error.setText(str(exc))
            self._show_controls()

        self.ops.run(fn, done, failed)

    @property
    def busy(self) -> bool:
        """Work for the engine is queued or running on the worker."""
        return self._busy > 0

    def _load_roster(self) -> None:
        core = self.core

        def fetch() -> list[tuple[str, str]]:
            return [(u.callsign, u.island) for u in core.units.list_units()]

        self._run(fetch, self.status_form.set_units)

    # -- scenarios ---------------------------------------------------------------------

    def _list_shipped(self) -> None:
        """The shipped scenarios (read and validated from their files: no database)."""
        self._scenarios = []
        for path in shipped():
            try:
                self._scenarios.append(load(path, self.core.ref))
            except ScenarioError as exc:  # a site's edited copy: listed as broken, not hidden
                self.scenario_error.setText(str(exc))
                self.scenario_error.show()
        self.shipped.setRowCount(len(self._scenarios))
        for row, s in enumerate(self._scenarios):
            cells = [s.title, " ".join(s.islands), str(len(s.calls)), clock(s.duration)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(f"{s.title}\n{s.description}" if s.description else s.title)
                self.shipped.setItem(row, col, item)
        if self._scenarios:
            self.shipped.selectRow(0)

    def load_chosen(self) -> None:
        rows = self.shipped.selectionModel().selectedRows()
        if rows:
            self.use(self._scenarios[rows[0].row()])

    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Open a scenario"), "",
                                              tr("Scenarios (*.toml)"))
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> bool:
        """Read and validate a scenario file; errors (file, line, field) are shown and
        nothing else changes."""
        try:
            scenario = load(path, self.core.ref)
        except ScenarioError as exc:
            self.scenario_error.setText(str(exc))
            self.scenario_error.show()
            return False
        self.use(scenario)
        return True

    def load_name(self, text: str) -> bool:
        """A shipped scenario by name, or a file."""
        for s in self._scenarios:
            if text in (s.name, Path(s.path).stem):
                self.use(s)
                return True
        return self.load_file(text)

    def use(self, scenario: Scenario) -> None:
        """Make ``scenario`` the console's: a fresh engine for it (not started). A run in
        progress is ended first, after asking."""
        if self.engine is not None and self.engine.started and not self._ended() and \
                not confirm(self, tr("Load another scenario"),
                            tr("A run is in progress. End it and load {title}?",
                               title=scenario.title),
                            tr("End the run"), tr("Keep running")):
            return
        self.scenario_error.hide()
        self.run_error.clear()
        self.scenario = scenario
        for row, shipped_one in enumerate(self._scenarios):
            if shipped_one.path == scenario.path:
                self.shipped.selectRow(row)
        self.texts.apply()
        self.current.setText(tr("{title}: {calls} calls, {duration}, islands {islands}",
                                title=scenario.title, calls=len(scenario.calls),
                                duration=clock(scenario.duration),
                                islands=", ".join(scenario.islands)))
        self.call_form.set_scenario_calls(list(scenario.calls))
        self._new_engine(scenario)

    def _ended(self) -> bool:
        snap = self._snapshot(wait=True)
        return snap is None or snap.finished

    def _new_engine(self, scenario: Scenario) -> None:
        old, self.engine = self.engine, None
        core, wall, speed, autopilot = self.core, self.wall, self.speed.value(), self.autopilot

        def build() -> Engine:
            if old is not None:
                old.detach()
                old.close()
            if self._pilot is not None:
                self._pilot.close()
                self._pilot = None
            engine = Engine(core, scenario, speed=speed, wall=wall)
            if autopilot:
                self._pilot = PilotThread(engine)
            return engine

        def ready(engine: Engine) -> None:
            self.engine = engine
            self._log_shown = 0
            self.log.clear()
            self.refresh()
            self.engine_ready.emit(engine)
            self.loaded.emit()

        self._run(build, ready)

    # -- the run -----------------------------------------------------------------------

    def start(self) -> None:
        engine, runtime = self.engine, self.runtime
        if engine is None:
            return
        self.run_error.clear()

        def go() -> None:
            engine.start()
            engine.attach(runtime)

        self._run(go)

    def toggle_pause(self) -> None:
        engine = self.engine
        if engine is None or not engine.started:
            return

        def flip() -> None:
            with engine.lock:
                engine.resume() if engine.paused else engine.pause()

        self._run(flip)

    def set_speed(self, value: float) -> None:
        self.speed.setValue(int(value))
        engine = self.engine
        if engine is None:
            return
        self._run(lambda: engine.set_speed(float(value)))

    def jump(self) -> None:
        """Jump forward to the time typed (h:mm:ss, mm:ss or seconds from the start)."""
        engine = self.engine
        self.run_error.clear()
        if engine is None:
            return
        to = offset(self.jump_to.text().strip())
        if to is None:
            self.run_error.setText(tr("{text!r} is not a time: type h:mm:ss, mm:ss or "
                                      "seconds", text=self.jump_to.text()))
            return

        def go() -> int:
            if not engine.started:
                engine.start()
                engine.attach(self.runtime)
            return engine.jump(to)

        self._run(go, lambda fired: self.statusBar().showMessage(
            tr("Jumped to {at}: {fired} injects fired", at=clock(to), fired=fired), 8000))

    def play_to(self, to: float, step: float = 10.0) -> None:
        """Demonstrations: jump to ``to`` in steps, letting the autopilot trainee take
        each call before the clock moves on (so its times read like a quick operator's)."""
        engine, pilot, runtime = self.engine, self._pilot, self.runtime
        if engine is None:
            return

        def go() -> None:
            if not engine.started:
                engine.start()
                engine.attach(runtime)
            at = engine.now
            while at < to:
                at = min(to, at + step)
                engine.jump(at)
                if pilot is not None:
                    pilot.pool.submit(lambda: None).result()  # its queue taken

        self._run(go)

    # -- injects -----------------------------------------------------------------------

    def inject_call(self, form: Any) -> None:
        engine = self.engine
        self.call_form.clear_errors()
        if engine is None or not engine.started:
            self.call_form.show_error("general", tr("start the scenario first"))
            return
        snap = self._snapshot(wait=True)
        taken = [c.id for c in engine.scenario.calls] + \
            ([r.call.id for r in snap.records] if snap is not None else [])
        try:
            call = manual_call(self.core.ref, form, taken)
        except FieldError as exc:
            self.call_form.show_error(exc.field, str(exc))
            return

        def ring() -> Any:
            return engine.inject_call(call)

        def rang(record: Any) -> None:
            self.statusBar().showMessage(tr("Call {call} rings", call=record.call.id), 8000)
            self.call_form.copy.setCurrentIndex(0)

        self._run(ring, rang, lambda exc: self.call_form.show_error("general", str(exc)))

    def inject_status(self, callsign: str, status: str, radio: str) -> None:
        engine = self.engine
        if engine is None or not engine.started:
            self.status_form.show_error("general", tr("start the scenario first"))
            return

        def failed(exc: Exception) -> None:
            text = str(exc)
            field = "status" if isinstance(exc, InvalidInput) and "status" in text else "unit"
            self.status_form.show_error(field, text)

        self._run(lambda: engine.inject_status(callsign, status, radio), None, failed)

    def inject_disturbance(self, kind: str, duration: float) -> None:
        engine = self.engine
        if engine is None or not engine.started:
            self.disturbance_form.show_error("general", tr("start the scenario first"))
            return
        self._run(lambda: engine.inject_disturbance(kind, duration), None,
                  lambda exc: self.disturbance_form.show_error("duration", str(exc)))

    # -- following ---------------------------------------------------------------------

    def _snapshot(self, *, wait: bool = False, log_from: int = 0) -> Snapshot | None:
        engine = self.engine
        if engine is None:
            return None
        snap = Snapshot.take(engine, log_from)
        if snap is None and wait:  # a tick in progress: it is short, wait for it
            with engine.lock:
                pass
            snap = Snapshot.take(engine, log_from)
        return snap

    def refresh(self) -> None:
        """Show the engine's state (its calls, the totals, the clock and new log lines)."""
        snap = self._snapshot(log_from=self._log_shown)
        if snap is None:
            return
        self.model.show(snap)
        for entry in snap.log:
            self.log.appendPlainText(log_line(self.core.ref, entry))
        self._log_shown += len(snap.log)
        engine = self.engine
        assert engine is not None
        shown = local(engine.sim_time(snap.now))
        self.clock.setText(f"{shown:%H:%M:%S}  +{clock(snap.now)}" if shown else "--")
        self.progress.setMaximum(max(1, snap.total))
        self.progress.setValue(len(snap.records))
        share = round(100 * snap.score.within_target)
        speed, score = format(snap.speed or 0, "g"), format(snap.score.score, "g")
        state = (tr("finished") if snap.finished else tr("paused") if snap.paused
                 else tr("running at {speed}x", speed=speed)) \
            if snap.started else tr("not started")
        self.totals.setText(tr("Score {score} / 100 · dispatched within 60 s: {share}% · "
                               "answered within 15 s: {answered}% · {ringing} ringing · "
                               "{state}", score=score, share=share,
                               answered=round(100 * snap.score.answered_in_time),
                               ringing=snap.ringing, state=state))
        self._show_controls(snap)
        self.refreshed.emit()

    def _show_controls(self, snap: Snapshot | None = None) -> None:
        have = self.engine is not None
        started = snap.started if snap is not None else bool(have and self.engine
                                                             and self.engine.started)
        self.start_button.setEnabled(have and not started)
        self.pause_button.setEnabled(have and started)
        if snap is not None:
            self.pause_button.setText(tr("Resume (F6)") if snap.paused and snap.started
                                      else tr("Pause (F6)"))
        self.jump_button.setEnabled(have)
        self.report_button.setEnabled(have and started)
        self.pdf_button.setEnabled(have and started)

    # -- report and reset --------------------------------------------------------------

    def ask_report(self) -> None:
        if self.engine is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, tr("Save the after-action report"),
                                              f"{self.engine.scenario.name}.html",
                                              tr("Web page (*.html)"))
        if path:
            self.save_report(path)

    def save_report(self, path: str | Path) -> Path | None:
        """Write the run's after-action report (HTML) to ``path``; None if it failed (the
        message is shown)."""
        snap = self._snapshot(wait=True)
        if self.engine is None or snap is None:
            return None
        try:
            out = save_report(path, self.engine.scenario, snap.records, snap.score,
                              speed=snap.speed)
        except InvalidInput as exc:
            self.run_error.setText(str(exc))
            return None
        self.statusBar().showMessage(tr("Report saved: {path}", path=str(out)), 8000)
        return out

    def ask_pdf(self) -> None:
        if self.engine is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, tr("Save the after-action report"),
                                              f"{self.engine.scenario.name}.pdf",
                                              tr("PDF (*.pdf)"))
        if path:
            self.save_pdf(path)

    def save_pdf(self, path: str | Path) -> Path | None:
        """Write the run's after-action report as a PDF to ``path``; None if it failed
        (the message is shown)."""
        snap = self._snapshot(wait=True)
        if self.engine is None or snap is None:
            return None
        self.statusBar().showMessage(tr("Writing the PDF…"))
        try:
            out = save_pdf(path, self.engine.scenario, snap.records, snap.score,
                           speed=snap.speed)
        except MeldkamerError as exc:
            self.run_error.setText(str(exc))
            self.statusBar().clearMessage()
            return None
        self.statusBar().showMessage(tr("Report saved: {path}", path=str(out)), 8000)
        return out

    def ask_reset(self) -> None:
        if confirm(self, tr("Reset training database"),
                   tr("Delete every incident, call, log line and audit event of the training "
                      "database {url} and load the demo roster again? A run in progress "
                      "ends.", url=self.core.store.safe_url),
                   tr("Reset"), tr("Keep the data")):
            self.reset()

    def reset(self) -> None:
        """Reset the training database (on the worker); the loaded scenario gets a fresh
        engine."""
        from meldkamer.training.reset import reset_training

        old, self.engine = self.engine, None
        core = self.core

        def go() -> dict[str, int]:
            if old is not None:
                old.detach()
                old.close()
            return reset_training(core)

        def done(result: dict[str, int]) -> None:
            self.model.show(Snapshot(0.0, [], [], _empty_score(), 0, 0, True, False, False,
                                     None))
            self.log.clear()
            self._log_shown = 0
            self.statusBar().showMessage(
                tr("Training database reset: {units} units loaded",
                   units=result["units_loaded"]), 8000)
            self._load_roster()
            if self.scenario is not None:
                self._new_engine(self.scenario)

        self._run(go, done)

    # -- closing -----------------------------------------------------------------------

    def closeEvent(self, event: Any) -> None:
        self.timer.stop()
        engine, self.engine = self.engine, None
        if engine is not None:
            def stop() -> None:
                engine.detach()
                engine.close()

            self.ops.run(stop)
        self.ops.wait()
        if self._pilot is not None:
            self._pilot.close()
            self._pilot = None
        super().closeEvent(event)


def _empty_score() -> Any:
    from meldkamer.training.scoring import score_run

    return score_run([])

