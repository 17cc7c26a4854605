"""The lock screen: Ctrl+L, or after ``security.idle_minutes`` without key or mouse input.

While locked, an opaque panel covers the whole main window (every incident, caller and
unit detail) and the window's docks, menus and shortcuts are disabled. The same user or
another one logs in on the panel; another user becomes the core's actor, and the title
and the status bar say who is logged in. Idle time is watched by an event filter on the
main window's native window, which all its key and mouse input passes; a training
workstation keeps the idle lock off unless
``security.idle_lock_training`` says otherwise.

An emergency raised by a unit does not disappear behind the panel: the panel names the
units (callsigns only, no caller details) and says to unlock to act; the title says so too.
"""

from __future__ import annotations

from typing import Any

from meldkamer.core import Meldkamer
from meldkamer.i18n import N_, tr
from meldkamer.roles import Actor
from meldkamer.settings import IDLE_LOCK_TRAINING, IDLE_MINUTES, Settings
from ui.login import LoginForm
from ui.ops import Operations
from ui.qt import (
    QAction,
    QEvent,
    QFrame,
    QKeySequence,
    QLabel,
    QMainWindow,
    QObject,
    QPushButton,
    QShortcut,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

# What a person does at the keyboard or mouse; anything else (timers, repaints) is not input.
INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.ShortcutOverride,
})


class IdleWatcher(QObject):
    """Says ``idle`` after ``minutes`` without key or mouse input anywhere in the app."""

    idle = Signal()
    """No input for the set time."""

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.timeout.connect(self.idle)
        self.enabled = minutes > 0
        self._watched: list[QObject] = []
        if self.enabled:
            self.timer.start()

    def watch(self, widget: QWidget) -> None:
        """Count input to this top-level widget and everything in it.

        The filter sits on the widget's window (``QWindow``), which every key and mouse
        event of the window passes first. A filter on the whole application would see
        every event of every object, and PySide crashes converting some of QtWebEngine's.
        """
        widget.winId()  # the native window exists from now on
        handle = widget.windowHandle()
        if handle is not None:
            handle.installEventFilter(self)
            self._watched.append(handle)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.enabled and event.type() in INPUT_EVENTS:
            self.timer.start()  # restarts: the idle time counts from the last input
        return False

    def pause(self) -> None:
        """Stop counting (while locked: the lock is already on)."""
        self.timer.stop()

    def resume(self) -> None:
        """Count again from now."""
        if self.enabled:
            self.timer.start()

    def stop(self) -> None:
        """Stop watching for good."""
        self.enabled = False
        self.timer.stop()
        for handle in self._watched:
            handle.removeEventFilter(self)
        self._watched.clear()


class LockScreen(QFrame):
    """The panel over a locked window; a login on it unlocks."""

    locked = Signal()
    """The window was locked."""
    unlocked = Signal(object)
    """A login on the lock screen: the ``Actor`` now acting (the same or another user)."""

    def __init__(self, window: QMainWindow, core: Meldkamer, ops: Operations,
                 prefs: Settings | None = None) -> None:
        super().__init__(window)
        self.window_, self.core = window, core
        self.setObjectName("lock_screen")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._disabled: list[Any] = []
        self._title = ""
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QWidget(self)
        box.setMaximumWidth(460)
        inner = QVBoxLayout(box)
        self.heading = QLabel(tr("Workstation locked"))
        self.heading.setObjectName("lock_heading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.heading.setFont(font)
        inner.addWidget(self.heading)
        self.who = QLabel("")
        self.who.setObjectName("lock_who")
        self.who.setWordWrap(True)
        inner.addWidget(self.who)
        # A unit's emergency stays in sight while locked: the callsign only, never what a
        # caller said, and that it takes a login to act on it.
        self.emergency = QLabel("")
        self.emergency.setObjectName("lock_emergency")
        self.emergency.setWordWrap(True)
        self.emergency.setStyleSheet("#lock_emergency { background: #c62828; color: white; "
                                     "font-size: 16pt; font-weight: bold; padding: 8px; }")
        self.emergency.hide()
        inner.addWidget(self.emergency)
        self.emergencies: list[str] = []
        self.form = LoginForm(core, ops, box)
        inner.addWidget(self.form)
        self.unlock_button = QPushButton(tr("Unlock"))
        self.unlock_button.setObjectName("lock_unlock")
        self.unlock_button.clicked.connect(self.form.submit)
        inner.addWidget(self.unlock_button)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.form.logged_in.connect(self._logged_in)
        self.hide()
        window.installEventFilter(self)
        prefs = prefs or Settings()
        minutes = int(prefs.get(IDLE_MINUTES))
        if core.training and not prefs.get(IDLE_LOCK_TRAINING):
            minutes = 0
        self.watcher = IdleWatcher(minutes, self)
        self.watcher.idle.connect(self.lock)
        self.watcher.watch(window)
        self.action = QAction(tr("Lock the workstation"), window)
        self.action.setObjectName("lock_action")
        self.action.setShortcut(QKeySequence("Ctrl+L"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(self.lock)
        window.addAction(self.action)
        texts = getattr(window, "texts", None)
        if texts is not None:  # the main window's texts follow a change of language
            texts.bind(self.action.setText, N_("Lock the workstation"))
            texts.bind(self.heading.setText, N_("Workstation locked"))
            texts.bind(self.unlock_button.setText, N_("Unlock"))
            texts.bind(self._retranslate_emergency, N_("Workstation locked"))
        shown = getattr(window, "alarms_shown", None)
        if shown is not None:  # the main window says which emergencies are open
            shown.connect(self.show_emergencies)
            banner = getattr(window, "alarm_banner", None)
            if banner is not None:
                self.show_emergencies(banner.alarms)
        menu = window.menuBar().actions()[0].menu() if window.menuBar().actions() else None
        if menu is not None:
            menu.insertAction(menu.actions()[-1] if menu.actions() else None, self.action)

    @property
    def is_locked(self) -> bool:
        return self.isVisible()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window_ and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.window_.rect())
        return False

    def lock(self) -> None:
        """Hide everything behind the panel and ask for a login."""
        if self.is_locked:
            return
        window = self.window_
        self._title = window.windowTitle()
        self._disabled = [w for w in self._parts() if w.isEnabled()]
        for part in self._disabled:
            part.setEnabled(False)
        self.setGeometry(window.rect())
        self.show()
        self.raise_()
        self.setEnabled(True)
        actor = self.core.actor
        self.who.setText(tr("Locked while {user} was logged in. Log in as the same or another "
                            "user.", user=actor.user))
        self.form.name.setText(actor.user)
        self.form.password.clear()
        self.form.message.setText("")
        window.setWindowTitle(self._locked_title())
        self.watcher.pause()
        self.form.focus()
        self.locked.emit()

    def show_emergencies(self, alarms: list[Any]) -> None:
        """Say which units have an open emergency (their callsigns, nothing else)."""
        callsigns = list(dict.fromkeys(a.callsign for a in alarms))
        self.emergencies = callsigns
        self._emergency_text()
        self.emergency.setVisible(bool(callsigns))
        if self.is_locked:
            self.window_.setWindowTitle(self._locked_title())

    def _locked_title(self) -> str:
        if self.emergencies:
            return tr("Meldkamer KPCN — locked — EMERGENCY")
        return tr("Meldkamer KPCN — locked")

    def _retranslate_emergency(self, _heading: str) -> None:
        """The emergency line again, in the language just chosen."""
        self._emergency_text()

    def _emergency_text(self) -> None:
        if self.emergencies:
            self.emergency.setText(tr("EMERGENCY from {callsigns}: unlock to act",
                                      callsigns=", ".join(self.emergencies)))

    def _parts(self) -> list[Any]:
        """What is disabled while locked: the window's actions (their keys), menus, bars,
        docks and centre."""
        window = self.window_
        parts: list[Any] = [a for a in window.actions() if a is not self.action]
        parts += window.findChildren(QShortcut)
        parts.append(window.menuBar())
        parts += [c for c in window.children()
                  if isinstance(c, QWidget) and c is not self and c is not window.menuBar()]
        return parts

    def _logged_in(self, actor: Actor) -> None:
        self.hide()
        for part in self._disabled:
            part.setEnabled(True)
        self._disabled = []
        shown = getattr(self.window_, "show_actor", None)
        if callable(shown):
            shown(actor)
        else:
            self.window_.setWindowTitle(self._title)
        self.watcher.resume()
        self.unlocked.emit(actor)
