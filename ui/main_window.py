"""The workstation's main window: docks the operator arranges, restored at the next start."""

from __future__ import annotations

from datetime import UTC, datetime

from meldkamer.core import Meldkamer
from meldkamer.domain.views import IncidentView, UnitView
from meldkamer.errors import NotFound
from ui.bridge import EventBridge
from ui.docks.incidents import IncidentsDock
from ui.docks.status_board import StatusBoardDock
from ui.models.incidents import IncidentTableModel
from ui.models.units import UnitBoardModel
from ui.ops import Operations
from ui.qt import QByteArray, QLabel, QMainWindow, QSettings, QStatusBar, Qt, QTimer, Signal


class MainWindow(QMainWindow):
    """Active incidents and the unit status board, updating live from core events."""

    loaded = Signal()
    """The first load of incidents and units has reached the views."""

    def __init__(self, core: Meldkamer, ops: Operations, settings: QSettings | None = None):
        super().__init__()
        self.core, self.ops = core, ops
        self.settings = settings
        self.setObjectName("main_window")
        self.setWindowTitle(f"Meldkamer KPCN — {core.user}")
        self.setDockNestingEnabled(True)
        self.incidents = IncidentTableModel(core.ref)
        self.units = UnitBoardModel(core.ref)
        self.incidents_dock = IncidentsDock(self.incidents, self)
        self.status_board_dock = StatusBoardDock(self.units, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.incidents_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.status_board_dock)
        placeholder = QLabel("")
        placeholder.setMaximumWidth(0)
        self.setCentralWidget(placeholder)  # docks take all the room; the map dock joins later
        self.status = QStatusBar(self)
        self.setStatusBar(self.status)
        self.status.showMessage(f"Database: {core.store.safe_url}")
        self.bridge = EventBridge(core.bus, self)
        self.bridge.incident_changed.connect(self.reload_incident)
        self.bridge.unit_changed.connect(self.reload_unit)
        self.ops.failed.connect(lambda msg: self.status.showMessage(msg, 10_000))
        self._pending = 2
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick)
        self._clock.start(1000)
        self._restore()
        self.load()

    def load(self) -> None:
        """(Re)load everything, off the GUI thread."""
        self.ops.run(lambda: self.core.incidents.list_incidents(active=True),
                     self._incidents_loaded)
        self.ops.run(self.core.units.list_units, self._units_loaded)

    def _incidents_loaded(self, incidents: list[IncidentView]) -> None:
        self.incidents.reset(incidents)
        self._one_loaded()

    def _units_loaded(self, units: list[UnitView]) -> None:
        self.units.reset(units)
        self._one_loaded()

    def _one_loaded(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.loaded.emit()

    def reload_incident(self, number: str) -> None:
        """Fetch one incident and update its row in place."""
        def fetch() -> IncidentView | None:
            try:
                return self.core.incidents.get(number)
            except NotFound:
                return None
        self.ops.run(fetch, lambda inc: self.incidents.upsert(inc, number))

    def reload_unit(self, callsign: str) -> None:
        """Fetch one unit (or the roster on '*') and update the board in place."""
        if callsign == "*":
            self.ops.run(self.core.units.list_units, self.units.reset)
            return

        def apply(unit: UnitView) -> None:
            if not self.units.update(unit):
                self.ops.run(self.core.units.list_units, self.units.reset)

        self.ops.run(lambda: self.core.units.get(callsign), apply)

    def _tick(self) -> None:
        now = datetime.now(UTC)
        self.incidents.tick(now)
        self.units.tick(now)

    def _restore(self) -> None:
        if self.settings is None:
            self.resize(1600, 900)
            return
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1600, 900)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: object) -> None:
        if self.settings is not None:
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/state", self.saveState())
        self.bridge.close()
        super().closeEvent(event)  # type: ignore[arg-type]
