"""The workstation's main window: docks the operator arranges, restored at the next start.

Global keys: F2 new call, F3 active incidents, F4 unit board, F6 status command line,
F8 incident detail, F12 close the selected incident, Ctrl++ / Ctrl+- font size, Ctrl+Q
quit. Each dock adds its own keys; F1 lists them all, read from the actions themselves.
F5 in the incident list or the detail dispatches the rest of the selected incident's
turnout (at intake, F5 is the call's own).
"""

from __future__ import annotations

import contextlib
import weakref
from html import escape
from typing import Any

from meldkamer import names
from meldkamer.commands import permissions
from meldkamer.core import Meldkamer
from meldkamer.domain.views import IncidentView, UnitView
from meldkamer.drafts import DraftJournal
from meldkamer.errors import NotFound
from meldkamer.events import (
    AlarmChanged,
    AuditBroken,
    IncidentChanged,
    RosterChanged,
    UnitChanged,
    UnitTimerChanged,
)
from meldkamer.exchange.alerts import AlertStored
from meldkamer.i18n import LANGUAGES, N_, tr
from meldkamer.radio import RadioLink
from meldkamer.roles import Actor, role_name
from meldkamer.settings import FONT_SCALE, LANGUAGE, SPEECH, THEME, Settings
from ui import theme
from ui.attention import AttentionControls
from ui.bridge import EventBridge
from ui.dialogs.confirm import confirm
from ui.docks.alerts import AlertsDock
from ui.docks.detail import DetailDock
from ui.docks.incidents import IncidentsDock
from ui.docks.intake import IntakeDock
from ui.docks.status_board import StatusBoardDock
from ui.docks.technician import TechnicianDock
from ui.i18n import Texts
from ui.i18n import set_language as switch_language
from ui.models.incidents import IncidentTableModel
from ui.models.units import UnitBoardModel
from ui.ops import Operations
from ui.outage import OutageControls, incident_source
from ui.qt import (
    QAction,
    QActionGroup,
    QApplication,
    QByteArray,
    QDockWidget,
    QEvent,
    QKeySequence,
    QLabel,
    QMainWindow,
    QSettings,
    QShortcut,
    QStatusBar,
    Qt,
    QTimer,
    QToolBar,
    QWidget,
    Signal,
)
from ui.widgets.alarm_banner import AlarmBanner
from ui.widgets.trail_banner import TrailBanner

LAYOUT_VERSION = 2
"""The dock arrangement's version: a saved one of another version is not restored."""
INCIDENT_ROWS = 11
"""Rows of the incident list at the first start (at least ten show whole)."""
MIN_INCIDENT_ROWS = 10
"""Larger text (Ctrl++) grows the incident list back to this many rows."""
CALL_ZOOM = 13
"""How close the map comes to the location of the call being taken."""


class MainWindow(QMainWindow):
    """Intake, active incidents, incident detail and the unit board, updating live."""

    trainee_changed = Signal()
    """The training phone's calls changed (emitted from any thread)."""
    loaded = Signal()
    """The first load of incidents and units has reached the views."""
    map_added = Signal()
    """The map dock has been built (it loads its page on its own)."""
    alarms_shown = Signal(list)
    """The open emergencies (``AlarmView``) as the banner now shows them; the lock screen
    follows them too."""
    arranged = Signal()
    """The docks have their sizes: the first start's, or the incident list's again after
    a change of text size."""

    def __init__(self, core: Meldkamer, ops: Operations, settings: QSettings | None = None,
                 prefs: Settings | None = None, journal: DraftJournal | None = None, *,
                 radio: RadioLink | None = None, with_map: bool = False) -> None:
        super().__init__()
        self.core, self.ops, self.settings = core, ops, settings
        ops.setParent(self)  # results never reach the widgets of a window that is gone
        self.prefs = prefs or Settings()
        self.journal = journal or DraftJournal.for_database(core.store.url, core.user)
        self.setObjectName("main_window")
        self.texts = Texts()
        self.setDockNestingEnabled(True)
        self.incidents = IncidentTableModel(core.ref, ops, incident_source(core))
        self.units = UnitBoardModel(core.ref)
        # The models and their timers live and die with the window (and its operations).
        self.incidents.setParent(self)
        self.units.setParent(self)
        self.intake_dock = IntakeDock(core, ops, self.journal, self)
        self.incidents_dock = IncidentsDock(core.ref, self.incidents, self)
        self.detail_dock = DetailDock(core, ops, self)
        self.status_board_dock = StatusBoardDock(core, ops, self.units, self)
        self.technician_dock = TechnicianDock(radio, self)
        self.alerts_dock = AlertsDock(core, ops, self)
        self.map_dock: Any = None
        self._want_map = with_map
        self._map_scheduled = False
        self.alarm_banner = AlarmBanner(self)
        self.alarm_bar = QToolBar(self)
        self.texts.bind(self.alarm_bar.setWindowTitle, N_("Emergencies"))
        self.alarm_bar.setObjectName("alarm_bar")
        self.alarm_bar.setMovable(False)
        self.alarm_bar.addWidget(self.alarm_banner)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.alarm_bar)
        self.alarm_bar.toggleViewAction().setVisible(False)  # nobody hides an emergency
        self.alarm_bar.hide()
        self._seen_alarms: set[int] = set()
        self.alarm_banner.acknowledge_requested.connect(self.acknowledge_alarm)
        self.trail_banner = TrailBanner(self)
        self.trail_bar = QToolBar(self)
        self.texts.bind(self.trail_bar.setWindowTitle, N_("Audit trail"))
        self.trail_bar.setObjectName("trail_bar")
        self.trail_bar.setMovable(False)
        self.trail_bar.addWidget(self.trail_banner)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.trail_bar)
        self.trail_bar.toggleViewAction().setVisible(False)  # gone only when acknowledged
        self.trail_bar.hide()
        self.trail_banner.acknowledged.connect(self.trail_bar.hide)
        self._arrange()
        self.status = QStatusBar(self)
        self.setStatusBar(self.status)
        self.user_label = QLabel("")
        self.user_label.setObjectName("logged_in_user")
        self.status.addPermanentWidget(self.user_label)
        self.role_actions: list[tuple[QAction, str]] = []  # (action, the command it needs)
        self.show_actor(core.actor)
        self._show_database()
        self.trainee: Any = None
        self.phone_bar: Any = None
        self.caller_dock: Any = None
        if core.training:
            self._training_banner()
            self._training_phone()
        self.bridge = EventBridge(core.bus, self)
        self.bridge.subscribe(IncidentChanged, self._incident_changed)
        self.bridge.subscribe(UnitChanged, self._unit_changed)
        self.bridge.subscribe(RosterChanged, self._roster_changed)
        self.bridge.subscribe(AlarmChanged, self._alarm_changed)
        self.bridge.subscribe(AuditBroken, self.show_trail_break)
        self.bridge.subscribe(UnitTimerChanged, self._timer_changed)
        self.bridge.subscribe(AlertStored, self.alerts_dock.reload)
        self.detail_dock.follow(self.bridge)
        self.attention = AttentionControls(self)
        self.outage = OutageControls(self)
        self.ops.failed.connect(self.notify)
        for dock in (self.intake_dock, self.detail_dock, self.status_board_dock,
                     self.alerts_dock):
            dock.message.connect(self.notify)
        self.intake_dock.incident_created.connect(self._show_created)
        self.incidents_dock.selected.connect(self.detail_dock.load)
        self.incidents_dock.selected.connect(self._centre_map)
        self.units.modelReset.connect(self._units_to_map)
        self.units.dataChanged.connect(self._unit_rows_to_map)
        self.incidents.incidents_changed.connect(self._changed_incidents_to_map)
        self._call_shown: tuple[float, float] | None = None
        self._clicked = False  # the next location of the call comes from a map click
        # Held weakly: the call (a plain object) must not keep a closed window alive.
        follow = weakref.WeakMethod(self._call_changed)
        self.intake_dock.session.subscribe(lambda parts: (m := follow()) and m(parts))
        self._actions()
        self._pending = 2
        self._units_due: set[str] = set()
        self._units_timer = QTimer(self)
        self._units_timer.setSingleShot(True)
        self._units_timer.setInterval(40)
        self._units_timer.timeout.connect(self._reload_units)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick)
        self._clock.start(1000)
        self._restore()
        if self.caller_dock is not None:
            self.caller_dock.hide()  # opens with a call, whatever the saved layout says
        self.load()
        restored = self.intake_dock.session.recover()
        if restored:
            self.notify(tr("The call you were taking has been restored"))
        elif restored is False:
            self.notify(tr("A saved call could not be restored; it was moved to {path}",
                           path=self.journal.rejected))

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
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.technician_dock)
        self.tabifyDockWidget(self.status_board_dock, self.technician_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.alerts_dock)
        self.tabifyDockWidget(self.technician_dock, self.alerts_dock)
        self.status_board_dock.raise_()
        self.status_board_dock.raise_()
        # An empty centre with no height: it gives the middle column its width while the
        # incident docks above and below it share the height.
        centre = QWidget()
        centre.setMaximumHeight(0)
        self.setCentralWidget(centre)

    def show_actor(self, actor: Actor) -> None:
        """Say who is logged in, in the title and the status bar (a login, a change of user
        at the lock screen)."""
        self.texts.bind(self._set_title, N_("Meldkamer KPCN — {user}"), user=actor.user)
        self.texts.bind(self.user_label.setText, N_("Logged in: {user} ({role})"),
                        user=actor.user, role=role_name(actor.role))
        self.apply_role()

    def apply_role(self) -> None:
        """Disable the actions the actor's role may never do (the technician's closing), and
        enable them again for a role that may; the core refuses them anyway."""
        role, training = self.core.actor.role, self.core.training
        for action, name in self.role_actions:
            action.setEnabled(permissions.allows(role, name, training=training))
        self.detail_dock.apply_role()

    def _set_title(self, title: str) -> None:
        training = tr("TRAINING")
        self.setWindowTitle(f"[{training}] {title}" if self.core.training else title)

    def _show_database(self) -> None:
        self.status.showMessage(tr("Database: {url}", url=self.core.store.safe_url))

    def add_action(self, menu: Any, text: str, keys: str | None, slot: Any) -> QAction:
        """An action in a menu, with its shortcut shown in its tooltip.

        ``text`` is an English template (mark it with ``N_``): the action follows a
        change of language.
        """
        action = QAction(self)

        def show(label: str) -> None:
            action.setText(label)
            if keys:
                action.setToolTip(f"{label} ({QKeySequence(keys).toString()})")

        self.texts.bind(show, text)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _actions(self) -> None:
        bar = self.menuBar()
        file_menu = self._menu(bar, N_("&File"))
        self.quit_action = self.add_action(file_menu, N_("Quit"), "Ctrl+Q", self.quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        call = self._menu(bar, N_("&Call"))
        new_call = self.add_action(call, N_("New call"), "F2", self.new_call)
        self.add_action(call, N_("Active incidents"), "F3",
                        lambda: self._focus(self.incidents_dock, self.incidents_dock.view))
        self.add_action(call, N_("Unit board"), "F4",
                        lambda: self._focus(self.status_board_dock, self.status_board_dock.view))
        self.add_action(call, N_("Status command"), "F6",
                        lambda: self._focus(self.status_board_dock,
                                            self.status_board_dock.command))
        self.add_action(call, N_("Incident detail"), "F8",
                        lambda: self._focus(self.detail_dock, self.detail_dock.note))
        call.addAction(self.detail_dock.close_action)  # the dock's own, active everywhere
        # The detail dock's own F5 (the selected incident's turnout): from the menu, and in
        # the incident list as in the detail; the intake's F5 stays the call's.
        call.addAction(self.detail_dock.turnout_action)
        self.incidents_dock.addAction(self.detail_dock.turnout_action)
        emergency = self.add_action(call, N_("Acknowledge emergency"), "F11",
                                    lambda: self.alarm_banner._acknowledge())
        attention = self.add_action(call, N_("Acknowledge attention"), "F7",
                                    lambda: self.attention.acknowledge())
        self.role_actions += [(new_call, "incident.create"),
                              (emergency, "alarm.acknowledge"),
                              (attention, "attention.acknowledge")]
        self.add_action(call, N_("Public warnings"), "Ctrl+Shift+W", self.alerts_dock.focus_list)
        view = self._menu(bar, N_("&View"))
        self.add_action(view, N_("Larger text"), "Ctrl++", lambda: self.scale_font(0.1))
        self.add_action(view, N_("Smaller text"), "Ctrl+-", lambda: self.scale_font(-0.1))
        themes = QActionGroup(self)
        for name, label in (("dark", N_("Dark theme")), ("light", N_("Light theme"))):
            act = self.add_action(view, label, None, lambda _=False, n=name: self.set_theme(n))
            act.setCheckable(True)
            act.setChecked(self.prefs.get(THEME) == name)
            themes.addAction(act)
        languages = self._menu(view, N_("Language"))
        languages.setObjectName("language_menu")
        group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, label in LANGUAGES.items():
            act = QAction(label, self)  # each language by its own name, never translated
            act.triggered.connect(lambda _=False, c=code: self.set_language(c))
            languages.addAction(act)
            act.setCheckable(True)
            act.setChecked(self.prefs.get(LANGUAGE) == code)
            group.addAction(act)
            self.language_actions[code] = act
        if self.caller_dock is not None:  # training: the caller's voice
            act = self.add_action(view, N_("Speak the caller"), None, self.set_speech)
            act.setObjectName("speech_action")
            act.setCheckable(True)
            act.setChecked(self.prefs.get(SPEECH))
            act.setEnabled(self.speaker.available())
        if self.core.training:  # the trainer's console on this core and runtime
            from ui.trainer import open_console

            console = self.add_action(self._menu(bar, N_("&Training")),
                                      N_("Trainer console"), "Ctrl+Shift+T",
                                      lambda: open_console(self))
            self.role_actions.append((console, permissions.TRAIN))
        from ui.reports import open_reports

        self.add_action(self._menu(bar, N_("&Reports")), N_("Response times"),
                        "Ctrl+Shift+R", lambda: open_reports(self))
        help_menu = self._menu(bar, N_("&Help"))
        self.add_action(help_menu, N_("Keyboard shortcuts"), "F1", self.show_keys)
        docks = self._menu(bar, N_("&Windows"))
        self._windows_menu = docks
        for dock in (self.intake_dock, self.incidents_dock, self.detail_dock,
                     self.status_board_dock, self.technician_dock, self.alerts_dock):
            docks.addAction(dock.toggleViewAction())
        if self.caller_dock is not None:
            docks.addAction(self.caller_dock.toggleViewAction())
        self.apply_role()

    def _menu(self, parent: Any, title: str) -> Any:
        menu = parent.addMenu("")
        self.texts.bind(menu.setTitle, title)
        return menu

    def shortcut_list(self) -> list[tuple[str, str]]:
        """Every key of the window and its docks, once each, for the F1 overview.

        Read from the actions and shortcuts that exist (and the key help of widgets that
        handle keys themselves), so the list cannot drift from what the keys do. A key that
        acts in one dock only names that dock; one key with several meanings lists them all.
        """
        found: dict[str, dict[str, list[str]]] = {}  # keys -> what they do -> where

        def add(keys: str, text: str, where: str) -> None:
            text = text.replace("&", "").strip()
            if keys and text:
                places = found.setdefault(keys, {}).setdefault(text, [])
                if where and where not in places:
                    places.append(where)

        window_wide = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)
        for action in self.findChildren(QAction):
            # An action whose key works in some docks only (the detail's F5) names them.
            places = [] if action.shortcutContext() in window_wide else [
                t for o in action.associatedObjects() if (t := _dock_title(o))]
            for seq in action.shortcuts():
                for where in places or [""]:
                    add(seq.toString(QKeySequence.SequenceFormat.NativeText), action.text(),
                        where)
        for sc in self.findChildren(QShortcut):
            where = "" if sc.context() in window_wide else _dock_title(sc.parent())
            text, _, tail = sc.whatsThis().rpartition(" (")
            if not (text and tail.endswith(")") and QKeySequence(tail[:-1]) == sc.key()):
                text = sc.whatsThis()  # the intake's tips carry their key: said once, here
            add(sc.key().toString(QKeySequence.SequenceFormat.NativeText), text, where)
        for widget in self.findChildren(QWidget):
            helper = getattr(widget, "shortcut_help", None)
            if callable(helper):
                for keys, text in helper():
                    add(keys, text, _dock_title(widget))

        def meaning(text: str, places: list[str]) -> str:
            return tr("{action} ({where})", action=text, where=", ".join(places)) \
                if places else text

        return [(keys, "; ".join(meaning(t, p) for t, p in found[keys].items()))
                for keys in sorted(found, key=_key_order)]

    def show_keys(self) -> None:
        from ui.qt import QMessageBox

        rows = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(t)}</td></tr>"
                       for k, t in self.shortcut_list())
        QMessageBox.information(self, tr("Keyboard shortcuts"), f"<table>{rows}</table>")

    def quit(self) -> None:
        """File > Quit (Ctrl+Q): close the workstation after asking (No is the default)."""
        if confirm(self, tr("Quit"), tr("Quit the workstation? Calls, incidents and unit "
                                        "statuses are no longer shown here until it is "
                                        "started again."),
                   tr("Quit"), tr("Keep working")):
            self.close()

    def _training_banner(self) -> None:
        banner = QLabel(self)
        self.texts.bind(banner.setText, N_("TRAINING — this is not the live control room"))
        self.training_banner = banner
        banner.setObjectName("training_banner")
        banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        banner.setStyleSheet("#training_banner { background: #6a1b9a; color: white; "
                             "font-weight: bold; font-size: 14pt; padding: 4px; }")
        self.menuBar().setCornerWidget(banner, Qt.Corner.TopRightCorner)
        self.setStyleSheet("QMainWindow { border: 4px solid #6a1b9a; }")

    def _training_phone(self) -> None:
        """Training: the scenario's calls ring here (the phone bar), F2 answers the oldest
        and the caller panel shows the caller (``meldkamer.training.channel``)."""
        from meldkamer.training.channel import Trainee, recent
        from ui.docks.caller import CallerDock
        from ui.widgets.phone import PhoneBar

        self.trainee = Trainee(self.core, run=self.ops.run)
        self._phone_problem: Exception | None = None
        self.phone_bar = PhoneBar(self.trainee, self)
        bar = QToolBar(self)
        self.texts.bind(bar.setWindowTitle, N_("Phone"))
        bar.setObjectName("phone_toolbar")
        bar.setMovable(False)
        bar.addWidget(self.phone_bar)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.toggleViewAction().setVisible(False)  # a ringing phone is never hidden
        self.phone_toolbar = bar
        self.caller_dock = CallerDock(self.core.ref, self.intake_dock.session, self)
        # Where the incident detail is (F8 brings that back): the intake keeps its height.
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.caller_dock)
        self.tabifyDockWidget(self.detail_dock, self.caller_dock)
        from ui.speech import Speaker

        # The caller's lines spoken in their language (optional: espeak-ng, Qt Multimedia).
        self.speaker = Speaker(self)
        self.speaker.failed.connect(self.notify)
        self.caller_dock.said.connect(self._speak)
        self.trainee_changed.connect(self._trainee_changed)
        self.trainee.observers.append(self.trainee_changed.emit)
        core, trainee = self.core, self.trainee
        # A run already going when the workstation starts: its clock and its calls.
        self.ops.run(lambda: recent(core), trainee.catch_up,
                     lambda exc: self.notify(str(exc)))

    def new_call(self) -> None:
        """F2: start a call; in training, answer the oldest ringing call with it."""
        trainee, intake = self.trainee, self.intake_dock
        if trainee is not None and intake.is_empty() and not intake.busy:
            call = trainee.oldest()
            if call is not None and trainee.answer(call.id, intake.session) is not None:
                from ui.widgets.phone import shown_number

                intake.take_call(shown_number(call.caller))
                self.caller_dock.show_call(call)
                return
        intake.start_call()

    def _speak(self, text: str, language: str) -> None:
        if self.prefs.get(SPEECH) and self.speaker.available():
            self.speaker.say(text, language)

    def set_speech(self, on: bool) -> None:
        self.prefs.set(SPEECH, on)
        if not on:
            self.speaker.stop()

    def _trainee_changed(self) -> None:
        """The phone changed: the caller panel closes once its call is over."""
        if self.caller_dock is not None and self.caller_dock.call is not None \
                and self.trainee.answering is None:
            self.caller_dock.end()
            self.speaker.stop()
        problem = self.trainee.problem
        if problem is not None and problem is not self._phone_problem:
            self.notify(tr("Training: not sent to the trainer: {problem}", problem=problem))
        self._phone_problem = problem

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
        QTimer.singleShot(0, self._keep_incident_rows)  # once the docks have the new font

    def visible_incident_rows(self) -> int:
        """How many rows of the incident list show whole."""
        view = self.incidents_dock.view
        return view.viewport().height() // max(1, view.verticalHeader().defaultSectionSize())

    def _keep_incident_rows(self) -> None:
        """Larger text must not push the incident list below ten rows."""
        # The headers and bars grow with the font through posted layout requests: measure
        # once they have been laid out.
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        if self.visible_incident_rows() < MIN_INCIDENT_ROWS:
            self.fit_incident_rows()
        self.arranged.emit()

    def set_theme(self, name: str) -> None:
        self.prefs.set(THEME, name)
        theme.apply(QApplication.instance(), name)  # type: ignore[arg-type]

    def set_language(self, code: str) -> None:
        """Switch the whole workstation to another language, live, and remember it."""
        self.prefs.set(LANGUAGE, code)
        switch_language(code)
        for lang, action in self.language_actions.items():
            action.setChecked(lang == code)
        self.retranslate()

    def retranslate(self) -> None:
        """Show every text again in the current language (menus, docks, tables, map)."""
        self.texts.apply()
        for dock in (self.intake_dock, self.incidents_dock, self.detail_dock,
                     self.status_board_dock, self.technician_dock, self.alerts_dock,
                     self.map_dock):
            if dock is not None and hasattr(dock, "retranslate"):
                dock.retranslate()
        self.alarm_banner.retranslate()
        self.trail_banner.retranslate()
        self.attention.retranslate()
        self.outage.retranslate()
        for widget in (self.phone_bar, self.caller_dock):
            if widget is not None:
                widget.retranslate()
        self._show_database()
        self._units_to_map()
        self._incidents_to_map()

    # -- data --------------------------------------------------------------------------

    def load(self) -> None:
        """(Re)load everything, off the GUI thread."""
        self.incidents.reload(reset=True, then=self._one_loaded)
        self.ops.run(self.core.units.list_units, self._units_loaded)
        self.load_alarms()
        self.attention.reload()
        self.alerts_dock.reload()

    # -- emergencies -------------------------------------------------------------------

    def load_alarms(self) -> None:
        self.ops.run(self.core.alarms.active, self._show_alarms)

    def _show_alarms(self, alarms: list[Any]) -> None:
        new = [a for a in alarms if a.id not in self._seen_alarms]
        self._seen_alarms.update(a.id for a in alarms)
        self.alarm_banner.show_alarms(alarms)
        self.alarm_bar.setVisible(bool(alarms))
        self.alarms_shown.emit(alarms)
        if new:
            QApplication.beep()
            first = new[0]
            if self.map_dock is not None and first.lat is not None:
                self.map_dock.show()  # an emergency's place must be seen, map closed or not
                self.map_dock.raise_()
                self.map_dock.centre_on(first.lat, first.lon, 16)

    def acknowledge_alarm(self, alarm_id: int) -> None:
        self.ops.run(lambda: self.core.alarms.acknowledge(alarm_id),
                     lambda _: self.load_alarms(), lambda e: self.notify(str(e)))

    # -- the map -----------------------------------------------------------------------

    def add_map(self) -> None:
        """Build the map dock (QtWebEngine; folium on the worker) once the window is up."""
        if self.map_dock is not None:
            return
        from meldkamer.geo import place_dicts, station_dicts

        self.ops.run(lambda: (place_dicts(self.core), station_dicts(self.core)),
                     lambda found: self._add_map(*found))

    def _add_map(self, places: list[dict[str, Any]], stations: list[dict[str, Any]]) -> Any:
        if self.map_dock is not None:
            return self.map_dock
        from meldkamer.geo import geodata_dir
        from ui.map.dock import MapDock

        dock = MapDock(self, places, stations, geodata_path=geodata_dir(),
                       island=self.core.ref.home_island,
                       islands=[(i.code, i.name) for i in self.core.ref.islands.values()],
                       ops=self.ops)
        dock.clicked.connect(self._map_clicked)
        dock.incident_clicked.connect(self.incidents_dock.select)
        self.map_dock = dock
        # The map above the unit board: the resources side of the screen. The middle
        # column keeps its height for the incident list and the detail.
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.splitDockWidget(dock, self.status_board_dock, Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.status_board_dock, self.technician_dock)
        self.status_board_dock.raise_()
        self._windows_menu.addAction(dock.toggleViewAction())
        if self.settings is not None and isinstance(self._saved_state, QByteArray) \
                and self.restoreState(self._saved_state, LAYOUT_VERSION):
            self.alarm_bar.setVisible(bool(self.alarm_banner.alarms))  # state may hide it
        else:
            QTimer.singleShot(0, self._default_sizes)
        self._units_to_map()
        self._incidents_to_map()
        self._call_shown = None
        self._call_changed(frozenset())  # a call restored before the map was there
        self.map_added.emit()
        return dock

    def _call_changed(self, _parts: frozenset[Any]) -> None:
        """The call being taken changed: the map shows its location, on its island."""
        if self.map_dock is None:
            return
        loc = self.intake_dock.session.form.location
        where = (loc.lat, loc.lon) if loc is not None else None
        if where == self._call_shown:
            return
        self._call_shown = where
        clicked, self._clicked = self._clicked, False
        if loc is None:
            self.map_dock.set_pin(None)
            return
        if loc.island in self.map_dock.island_buttons and loc.island != self.map_dock.island:
            self.map_dock.show_island(loc.island)  # a Saba call shows Saba
        # A typed place comes to the middle; a click's is in view already: the map stays.
        self.map_dock.reveal(loc.lat, loc.lon, CALL_ZOOM, centre=not clicked)
        self.map_dock.set_pin(loc.lat, loc.lon)

    def _map_clicked(self, lat: float, lon: float) -> None:
        """A click on the map sets the location of the call being taken."""
        assert self.map_dock is not None
        self._clicked = True
        if self.intake_dock.locate_at(lat, lon):
            self.map_dock.set_pin(lat, lon)

    def _centre_map(self, number: str) -> None:
        row = self.incidents.row_of(number)
        if self.map_dock is None or row is None:
            return
        inc = self.incidents.incident_at(row)
        if inc is not None and inc.lat is not None and inc.lon is not None:
            self.map_dock.show_island(inc.island)
            self.map_dock.centre_on(inc.lat, inc.lon, 13)

    def _unit_marker(self, unit: UnitView) -> dict[str, Any]:
        return {"callsign": unit.callsign, "lat": unit.lat, "lon": unit.lon,
                "status": unit.status, "colour": self.units.colour_of(unit),
                "title": f"{unit.callsign} {names.status(self.core.ref, unit.status)}"}

    def _units_to_map(self) -> None:
        if self.map_dock is not None:
            self.map_dock.set_units([self._unit_marker(self.units.unit_at(r))
                                     for r in range(self.units.rowCount())])

    def _unit_rows_to_map(self, first: Any, last: Any, roles: Any = None) -> None:
        if self.map_dock is None or first.column() == last.column() == 4:
            return  # the clock ticking (time in status) changes nothing on the map
        for row in range(first.row(), last.row() + 1):
            self.map_dock.upsert_unit(self._unit_marker(self.units.unit_at(row)))

    def _incident_marker(self, inc: IncidentView) -> dict[str, Any]:
        return {"number": inc.number, "lat": inc.lat, "lon": inc.lon,
                "priority": inc.priority,
                "colour": self.core.ref.priorities[inc.priority].colour,
                "title": inc.number + " " + names.classification(self.core.ref,
                                                                 inc.classification)}

    def _incidents_to_map(self) -> None:
        """Every open incident on the map, whatever the list's filter (off the GUI thread)."""
        def show(incidents: list[IncidentView]) -> None:
            if self.map_dock is not None:
                self.map_dock.set_incidents([self._incident_marker(i) for i in incidents])

        self.ops.run(lambda: self.core.incidents.list_incidents(active=True, limit=10_000),
                     show)

    def _changed_incidents_to_map(self, found: list[tuple[str, IncidentView | None]]) -> None:
        if self.map_dock is None:
            return
        for number, inc in found:
            if inc is None or inc.state != "open":
                self.map_dock.remove_incident(number)
            else:
                self.map_dock.upsert_incident(self._incident_marker(inc))

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
        """Fetch one incident and update its row, the map and the detail view in place."""
        self.incidents.refresh(number)
        self.detail_dock.reload_if_shown(number)

    def reload_unit(self, callsign: str) -> None:
        """Fetch one unit (or the roster on '*') and update the board in place.

        Units that change within a moment of each other are fetched in one operation, so
        a burst of radio statuses does not queue one database read each.
        """
        if callsign == "*":
            self.ops.run(self.core.units.list_units, self.units.reset)
            return
        self._units_due.add(callsign)
        if not self._units_timer.isActive():
            self._units_timer.start()

    def _reload_units(self) -> None:
        callsigns, self._units_due = sorted(self._units_due), set()

        def fetch() -> list[UnitView]:
            found = []
            for callsign in callsigns:
                with contextlib.suppress(NotFound):  # removed from the roster meanwhile
                    found.append(self.core.units.get(callsign))
            return found

        def apply(units: list[UnitView]) -> None:
            if not self.units.update_many(units):
                self.ops.run(self.core.units.list_units, self.units.reset)

        self.ops.run(fetch, apply)

    def _incident_changed(self, event: IncidentChanged) -> None:
        self.reload_incident(event.number)

    def _unit_changed(self, event: UnitChanged) -> None:
        self.reload_unit(event.callsign)

    def _roster_changed(self, _event: RosterChanged) -> None:
        self.reload_unit("*")

    def show_trail_break(self, event: AuditBroken) -> None:
        """A workstation found the audit trail broken: the red bar until acknowledged."""
        self.trail_banner.show_break(event.problem, event.workstation)
        self.trail_bar.show()

    def _alarm_changed(self, _event: AlarmChanged) -> None:
        self.load_alarms()

    def _tick(self) -> None:
        """The clock on screen (time in status, ages); the flags come from the runtime."""
        now = self.core.clock()
        self.incidents.tick(now)
        self.units.tick(now)

    def _timer_changed(self, event: UnitTimerChanged) -> None:
        """The runtime's status timer escalated a unit: draw the operator's attention."""
        if event.state == "escalated":
            QApplication.beep()
            self.notify(tr("{callsign} has been {status} for too long",
                           callsign=event.callsign,
                           status=self.core.ref.statuses[event.status].name()))

    # -- window state ------------------------------------------------------------------

    def _restore(self) -> None:
        self.resize(1600, 900)
        self._sized = False
        self._saved_state: Any = None
        self.geometry_restored = False
        if self.settings is None:
            return
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.geometry_restored = self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self._sized = self.restoreState(state, LAYOUT_VERSION)
            if self._sized:  # an arrangement of an older version is not brought back
                self._saved_state = state
            self.alarm_bar.hide()  # shown again by the alarms themselves, never by old state

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._sized:  # first start: a sensible arrangement for a wide screen
            self._sized = True
            QTimer.singleShot(0, self._default_sizes)
        if self._want_map and self.map_dock is None and not self._map_scheduled:
            # The map (QtWebEngine, folium) comes right after the incidents and units.
            self._map_scheduled = True
            self.loaded.connect(lambda: QTimer.singleShot(0, self.add_map))

    def _default_sizes(self) -> None:
        """First start: intake, incidents and detail, map and units side by side.

        The incident list gets the height of ``INCIDENT_ROWS`` rows (at the current font);
        the detail below it takes the rest. On the right the map sits above the units.
        """
        width = self.width()
        self.resizeDocks([self.intake_dock, self.status_board_dock],
                         [int(width * 0.23), int(width * 0.27)], Qt.Orientation.Horizontal)
        self.fit_incident_rows()
        if self.map_dock is not None:
            column = self.map_dock.height() + self.status_board_dock.height()
            self.resizeDocks([self.map_dock, self.status_board_dock],
                             [int(column * 0.45), column - int(column * 0.45)],
                             Qt.Orientation.Vertical)
        self.arranged.emit()

    def fit_incident_rows(self, rows: int | None = None) -> None:
        """Give the incident list the height of ``rows`` rows; the detail gives it up."""
        view = self.incidents_dock.view
        rows = INCIDENT_ROWS if rows is None else rows
        column = self.incidents_dock.height() + self.detail_dock.height()
        around = self.incidents_dock.height() - view.viewport().height()
        wanted = around + rows * view.verticalHeader().defaultSectionSize() + 2
        wanted = min(wanted, column - self.detail_dock.minimumSizeHint().height())
        self.resizeDocks([self.incidents_dock, self.detail_dock], [wanted, column - wanted],
                         Qt.Orientation.Vertical)
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # in place now

    def closeEvent(self, event: Any) -> None:
        if not self.intake_dock.is_empty():
            self.intake_dock.save_draft()  # kept for the next start, never lost
        if self.settings is not None:
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.bridge.close()
        if self.trainee is not None:
            self.trainee.close()
        super().closeEvent(event)


def _dock_title(widget: Any) -> str:
    """The title of the dock a widget sits in ('' outside any dock)."""
    while widget is not None and not isinstance(widget, QDockWidget):
        widget = widget.parent()
    return str(widget.windowTitle()) if widget is not None else ""


def _key_order(keys: str) -> tuple[int, int, str]:
    """F1 to F12 in their order first, then the combinations, alphabetically."""
    if keys.startswith("F") and keys[1:].isdigit():
        return 0, int(keys[1:]), keys
    return 1, 0, keys
