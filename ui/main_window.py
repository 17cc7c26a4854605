"""The workstation's main window: docks the operator arranges, restored at the next start.

Global keys: F2 new call, F3 active incidents, F4 unit board, F6 status command line,
F8 incident detail, Ctrl++ / Ctrl+- font size. Each dock adds its own keys.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from meldkamer.core import Meldkamer
from meldkamer.domain.views import IncidentView, UnitView
from meldkamer.drafts import DraftJournal
from meldkamer.errors import NotFound
from meldkamer.i18n import LANGUAGES, tr
from meldkamer.settings import FONT_SCALE, LANGUAGE, THEME, Settings
from ui import theme
from ui.bridge import EventBridge
from ui.docks.detail import DetailDock
from ui.docks.incidents import IncidentsDock
from ui.docks.intake import IntakeDock
from ui.docks.status_board import StatusBoardDock
from ui.models.incidents import IncidentTableModel
from ui.models.units import UnitBoardModel
from ui.ops import Operations
from ui.qt import (
    QAction,
    QActionGroup,
    QApplication,
    QByteArray,
    QKeySequence,
    QLabel,
    QMainWindow,
    QSettings,
    QStatusBar,
    Qt,
    QTimer,
    QWidget,
    Signal,
)


class MainWindow(QMainWindow):
    """Intake, active incidents, incident detail and the unit board, updating live."""

    loaded = Signal()
    """The first load of incidents and units has reached the views."""

    def __init__(self, core: Meldkamer, ops: Operations, settings: QSettings | None = None,
                 prefs: Settings | None = None, journal: DraftJournal | None = None) -> None:
        super().__init__()
        self.core, self.ops, self.settings = core, ops, settings
        ops.setParent(self)  # results never reach the widgets of a window that is gone
        self.prefs = prefs or Settings()
        self.journal = journal or DraftJournal(user=core.user)
        self.setObjectName("main_window")
        title = tr("Meldkamer KPCN — {user}", user=core.user)
        self.setWindowTitle(f"[{tr('TRAINING')}] {title}" if core.training else title)
        self.setDockNestingEnabled(True)
        self.incidents = IncidentTableModel(core.ref, core.incidents.summaries)
        self.units = UnitBoardModel(core.ref)
        self.intake_dock = IntakeDock(core, ops, self.journal, self)
        self.incidents_dock = IncidentsDock(core.ref, self.incidents, self)
        self.detail_dock = DetailDock(core, ops, self)
        self.status_board_dock = StatusBoardDock(core, ops, self.units, self)
        self._arrange()
        self.status = QStatusBar(self)
        self.setStatusBar(self.status)
        self.status.showMessage(tr("Database: {url}", url=core.store.safe_url))
        if core.training:
            self._training_banner()
        self.bridge = EventBridge(core.bus, self)
        self.bridge.incident_changed.connect(self.reload_incident)
        self.bridge.unit_changed.connect(self.reload_unit)
        self.ops.failed.connect(self.notify)
        for dock in (self.intake_dock, self.detail_dock, self.status_board_dock):
            dock.message.connect(self.notify)
        self.intake_dock.incident_created.connect(self._show_created)
        self.incidents_dock.selected.connect(self.detail_dock.load)
        self._actions()
        self._pending = 2
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick)
        self._clock.start(1000)
        self._restore()
        self.load()
        draft = self.journal.load()
        if draft:
            self.intake_dock.restore(draft)
            self.notify(tr("The call you were taking has been restored"))

    # -- layout and actions ------------------------------------------------------------

    def _arrange(self) -> None:
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.intake_dock)
        self.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, self.incidents_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.detail_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.status_board_dock)
        # An empty centre with no height: it gives the middle column its width while the
        # incident docks above and below it share the height. The map will sit here.
        placeholder = QWidget()
        placeholder.setMaximumHeight(0)
        self.setCentralWidget(placeholder)

    def add_action(self, menu: Any, text: str, keys: str | None, slot: Any) -> QAction:
        """An action in a menu, with its shortcut shown in its tooltip."""
        action = QAction(text, self)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setToolTip(f"{text} ({QKeySequence(keys).toString()})")
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _actions(self) -> None:
        bar = self.menuBar()
        call = bar.addMenu(tr("&Call"))
        self.add_action(call, tr("New call"), "F2", self.intake_dock.start_call)
        self.add_action(call, tr("Active incidents"), "F3",
                        lambda: self._focus(self.incidents_dock, self.incidents_dock.view))
        self.add_action(call, tr("Unit board"), "F4",
                        lambda: self._focus(self.status_board_dock, self.status_board_dock.view))
        self.add_action(call, tr("Status command"), "F6",
                        lambda: self._focus(self.status_board_dock,
                                            self.status_board_dock.command))
        self.add_action(call, tr("Incident detail"), "F8",
                        lambda: self._focus(self.detail_dock, self.detail_dock.note))
        view = bar.addMenu(tr("&View"))
        self.add_action(view, tr("Larger text"), "Ctrl++", lambda: self.scale_font(0.1))
        self.add_action(view, tr("Smaller text"), "Ctrl+-", lambda: self.scale_font(-0.1))
        themes = QActionGroup(self)
        for name, label in (("dark", tr("Dark theme")), ("light", tr("Light theme"))):
            act = self.add_action(view, label, None, lambda _=False, n=name: self.set_theme(n))
            act.setCheckable(True)
            act.setChecked(self.prefs.get(THEME) == name)
            themes.addAction(act)
        languages = view.addMenu(tr("Language"))
        group = QActionGroup(self)
        for code, label in LANGUAGES.items():
            act = self.add_action(languages, label, None,
                                  lambda _=False, c=code: self.set_language(c))
            act.setCheckable(True)
            act.setChecked(self.prefs.get(LANGUAGE) == code)
            group.addAction(act)
        help_menu = bar.addMenu(tr("&Help"))
        self.add_action(help_menu, tr("Keyboard shortcuts"), "F1", self.show_keys)
        docks = bar.addMenu(tr("&Windows"))
        for dock in (self.intake_dock, self.incidents_dock, self.detail_dock,
                     self.status_board_dock):
            docks.addAction(dock.toggleViewAction())

    def shortcut_list(self) -> list[tuple[str, str]]:
        """Every shortcut of the window and its docks, for the F1 overview."""
        keys = [(a.shortcut().toString(), a.text()) for a in self.actions()
                if not a.shortcut().isEmpty()]
        keys += [(sc.key().toString(), sc.whatsThis().rsplit(" (", 1)[0])
                 for sc in self.intake_dock.shortcuts]
        keys += [("1-9, Enter", tr("Dispatch from the proposal list")),
                 ("Ctrl+N", tr("Note")), ("Ctrl+P", tr("Priority")),
                 ("F12", tr("Close")), ("Ctrl+D", tr("Dispatch another unit"))]
        return keys

    def show_keys(self) -> None:
        from ui.qt import QMessageBox

        rows = "".join(f"<tr><td><b>{k}</b></td><td>{t}</td></tr>"
                       for k, t in self.shortcut_list())
        QMessageBox.information(self, tr("Keyboard shortcuts"), f"<table>{rows}</table>")

    def _training_banner(self) -> None:
        banner = QLabel(tr("TRAINING — this is not the live control room"), self)
        self.training_banner = banner
        banner.setObjectName("training_banner")
        banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        banner.setStyleSheet("#training_banner { background: #6a1b9a; color: white; "
                             "font-weight: bold; font-size: 14pt; padding: 4px; }")
        self.menuBar().setCornerWidget(banner, Qt.Corner.TopRightCorner)
        self.setStyleSheet("QMainWindow { border: 4px solid #6a1b9a; }")

    def _focus(self, dock: Any, widget: Any) -> None:
        dock.show()
        dock.raise_()
        widget.setFocus()
        if hasattr(widget, "selectAll"):
            widget.selectAll()  # typing replaces what was there

    def notify(self, text: str) -> None:
        self.status.showMessage(text, 15_000)

    # -- comfort -----------------------------------------------------------------------

    def scale_font(self, step: float) -> None:
        scale = round(min(2.0, max(0.8, self.prefs.get(FONT_SCALE) + step)), 1)
        self.prefs.set(FONT_SCALE, scale)
        theme.apply_font(QApplication.instance(), scale)  # type: ignore[arg-type]

    def set_theme(self, name: str) -> None:
        self.prefs.set(THEME, name)
        theme.apply(QApplication.instance(), name)  # type: ignore[arg-type]

    def set_language(self, code: str) -> None:
        if self.prefs.set(LANGUAGE, code):
            self.notify(tr("The language changes at the next start"))

    # -- data --------------------------------------------------------------------------

    def load(self) -> None:
        """(Re)load everything, off the GUI thread."""
        def incidents() -> tuple[list[int], list[IncidentView]]:
            ids = self.core.incidents.active_ids()
            return ids, self.core.incidents.summaries(ids[:200])

        self.ops.run(incidents, self._incidents_loaded)
        self.ops.run(self.core.units.list_units, self._units_loaded)

    def _incidents_loaded(self, result: tuple[list[int], list[IncidentView]]) -> None:
        self.incidents.reset(*result)
        self._one_loaded()

    def _units_loaded(self, units: list[UnitView]) -> None:
        self.units.reset(units)
        self._one_loaded()

    def _one_loaded(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.loaded.emit()

    def _show_created(self, number: str) -> None:
        self.reload_incident(number)
        self.detail_dock.load(number)

    def reload_incident(self, number: str) -> None:
        """Fetch one incident and update its row (and the detail view) in place."""
        def fetch() -> IncidentView | None:
            try:
                return self.core.incidents.summary(number)
            except NotFound:
                return None

        self.ops.run(fetch, lambda inc: self.incidents.upsert(inc, number))
        self.detail_dock.reload_if_shown(number)

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
        for unit in self.units.tick(now):
            QApplication.beep()
            self.notify(tr("{callsign} has been {status} for too long",
                           callsign=unit.callsign,
                           status=self.core.ref.statuses[unit.status].name()))

    # -- window state ------------------------------------------------------------------

    def _restore(self) -> None:
        self.resize(1600, 900)
        self._sized = False
        if self.settings is None:
            return
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self._sized = self.restoreState(state)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._sized:  # first start: a sensible arrangement for a wide screen
            self._sized = True
            QTimer.singleShot(0, self._default_sizes)

    def _default_sizes(self) -> None:
        width = self.width()
        self.resizeDocks([self.intake_dock, self.status_board_dock],
                         [int(width * 0.28), int(width * 0.30)], Qt.Orientation.Horizontal)
        self.resizeDocks([self.incidents_dock, self.detail_dock],
                         [int(self.height() * 0.45), int(self.height() * 0.55)],
                         Qt.Orientation.Vertical)

    def closeEvent(self, event: Any) -> None:
        if not self.intake_dock.is_empty():
            self.intake_dock.save_draft()  # kept for the next start, never lost
        if self.settings is not None:
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/state", self.saveState())
        self.bridge.close()
        super().closeEvent(event)
