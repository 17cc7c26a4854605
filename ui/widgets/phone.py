"""The trainee's phone: a scenario's calls ring as the control room's phone system shows them.

A bar across the top of the workstation (training only): a ringing indicator that flashes
and sounds while calls wait, and the queue of waiting calls, oldest first, each with the
caller's number as the phone system presents it and how long it has rung (simulated
time). F2 answers the oldest (``MainWindow``). Nothing here touches the database: the
``Trainee`` it shows is fed by the change feed and the engine.
"""

from __future__ import annotations

from meldkamer.domain import phone
from meldkamer.errors import InvalidInput
from meldkamer.i18n import N_, tr
from meldkamer.training.channel import RingingCall, Trainee
from ui.i18n import Texts
from ui.qt import QApplication, QFrame, QHBoxLayout, QLabel, Qt, QTimer, QWidget, Signal

SHOWN = 6
"""Waiting calls shown by number; the rest are counted."""
BLINK_MS = 500
RING_EVERY = 8
"""Blinks between two rings of the sound (4 s) while calls wait."""
RINGING = "#c62828"
DARK = "#4a1010"


def shown_number(caller: str) -> str:
    """A caller's number as the phone system presents it ("+599 555 1104")."""
    try:
        return phone.parse(caller).shown()
    except InvalidInput:
        return caller.strip() or tr(phone.STATE_NAMES[phone.UNKNOWN])


def waited_text(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}" if whole < 3600 else \
        f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class PhoneBar(QFrame):
    """The ringing indicator and the queue of waiting calls of one ``Trainee``."""

    changed = Signal()
    """The trainee's calls changed (emitted from any thread; redrawn on the GUI thread)."""
    rang = Signal()
    """A new call started ringing (the sound, and whoever wants to know)."""

    def __init__(self, trainee: Trainee, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trainee = trainee
        self.texts = Texts()
        self.setObjectName("phone_bar")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 8, 2)
        self.indicator = QLabel(objectName="phone_indicator")
        self.queue = QLabel(objectName="phone_queue")
        self.queue.setTextFormat(Qt.TextFormat.PlainText)
        self.hint = QLabel(objectName="phone_hint")
        self.texts.bind(self.hint.setText, N_("F2 answers the oldest call"))
        row.addWidget(self.indicator)
        row.addWidget(self.queue, 1)
        row.addWidget(self.hint)
        self._seen: set[str] = set()
        self._lit = False
        self._blinks = 0
        self.timer = QTimer(self)
        self.timer.setInterval(BLINK_MS)
        self.timer.timeout.connect(self._blink)
        self.timer.start()
        self.changed.connect(self.refresh)
        self.trainee.observers.append(self.changed.emit)
        self.refresh()

    @property
    def ringing(self) -> list[RingingCall]:
        return list(self.trainee.ringing)

    def retranslate(self) -> None:
        self.texts.apply()
        self.refresh()

    def refresh(self) -> None:
        """Show the queue as it is now (waiting times included)."""
        calls = self.ringing
        ids = {c.id for c in calls}
        new, self._seen = ids - self._seen, ids
        if new:
            self._ring()
        if not calls:
            self.indicator.setText(tr("No calls waiting") if self.trainee.running
                                   else tr("Phone: no scenario running"))
            self.queue.clear()
            self.hint.hide()
            self._light(False)
            return
        self.indicator.setText("☎ " + tr("{count} waiting", count=len(calls))
                               if len(calls) > 1 else "☎ " + tr("Incoming call"))
        items = [f"{shown_number(c.caller)}  {waited_text(self.trainee.waited(c))}"
                 for c in calls[:SHOWN]]
        more = len(calls) - SHOWN
        if more > 0:
            items.append(tr("and {count} more", count=more))
        self.queue.setText("   ·   ".join(items))
        self.hint.show()

    def _ring(self) -> None:
        self._blinks = 0
        QApplication.beep()  # no sound device: nothing happens, nothing fails
        self.rang.emit()

    def _blink(self) -> None:
        if not self.trainee.ringing:
            if self._lit:
                self._light(False)
            return
        self._blinks += 1
        self._light(not self._lit)
        if self._blinks % 2 == 0:
            self.refresh()  # the waiting times, every second
        if self._blinks % RING_EVERY == 0:
            QApplication.beep()

    def _light(self, on: bool) -> None:
        self._lit = on
        ringing = bool(self.trainee.ringing)
        background = RINGING if on else (DARK if ringing else "transparent")
        self.setStyleSheet(f"#phone_bar {{ background: {background}; }} "
                           f"#phone_indicator {{ font-weight: bold; font-size: 13pt; "
                           f"color: {'white' if ringing else '#8a9099'}; }} "
                           f"#phone_queue, #phone_hint {{ color: white; }}")
