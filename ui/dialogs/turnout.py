"""F5 with an unfilled turnout slot: divert a committed unit, send the rest, or cancel.

Asked once per F5, for every gap together. Enter sends the rest (the safe choice: help
goes out and no unit is taken from another incident); diverting is Alt+the underlined
letter or Tab then Enter; Escape cancels and the call stays in the form. With no rest to
send there is no "send the rest": Enter cancels.

Asked again (``changed``) when the turnout changed before the answer was carried out (a
unit was taken, one became available): the core sends only what the dialog showed, so
the operator answers about the turnout as it is now, complete or not.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

from meldkamer import names
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import ProposalSet
from meldkamer.i18n import tr
from ui.qt import QApplication, QDialog, QHBoxLayout, QLabel, QPushButton, Qt, QVBoxLayout, QWidget
from ui.widgets.proposals import GAP_BACKGROUND, GAP_TEXT


class TurnoutChoice(enum.IntEnum):
    """What the operator answered (the dialog's result code)."""

    CANCEL = 0
    DIVERT = 1
    REST = 2


def questions(ref: Reference, ps: ProposalSet,
              diverts: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """Per gap: "Boat: no unit available; divert K-101 from BON-...?" and, beneath it, the
    incident's priority, the travel time in minutes and the distance ("priority 2 · ~61
    min · 29.6 km") when a unit would be diverted to it; else why it stays unfilled."""
    left = {cap: list(units) for cap, units in diverts.items()}
    lines = []
    for slot in ps.gaps:
        queue = left.get(slot.capability, [])
        callsign = queue.pop(0) if queue else None
        found = next((d for d in slot.divert if d.callsign == callsign), None)
        if found is None:
            lines.append((names.gap(ref, ps.island, slot), ""))
            continue
        cap = names.capability(ref, slot.capability)
        if found.incident:
            ask = tr("{capability}: no unit available; divert {callsign} from {number}?",
                     capability=cap, callsign=found.callsign, number=found.incident)
            detail = tr("priority {priority}", priority=found.incident_priority)
        else:
            ask = tr("{capability}: no unit available; divert {callsign}?", capability=cap,
                     callsign=found.callsign)
            detail = names.status(ref, found.status)
        lines.append((ask, f"{detail} · {names.travel(found, brief=True)}"))
    return lines


def _mnemonic(text: str) -> str:
    """The letter after '&' in a button's text (Alt+it presses the button)."""
    at = text.find("&")
    return text[at + 1].upper() if 0 <= at < len(text) - 1 else ""


class TurnoutGapDialog(QDialog):
    """Divert / send the rest / cancel, for a turnout with unfilled slots (or, asked again,
    one that changed since)."""

    def __init__(self, parent: QWidget | None, ref: Reference, ps: ProposalSet,
                 diverts: Mapping[str, Sequence[str]], *, changed: bool = False) -> None:
        """
        Args:
            ps: the turnout asked about; the answer is carried out only if it still holds
                (``proposals``, passed to the core as ``confirmed``).
            changed: asked again, because the turnout changed since the last answer.
        """
        super().__init__(parent)
        self.setObjectName("turnout_confirm")
        self.proposals = ps
        # An incident that exists already is named: the operator may have moved on to another.
        if changed:
            self.setWindowTitle(tr("Turnout of {number} changed", number=ps.number)
                                if ps.number else tr("Turnout changed"))
        else:
            self.setWindowTitle(tr("Turnout of {number} incomplete", number=ps.number)
                                if ps.number else tr("Turnout incomplete"))
        self.setModal(True)
        # Where the keyboard was: it goes back there once answered (without a window
        # manager nothing would give it back, and the next F5 would go nowhere).
        self._return_to = QApplication.focusWidget()
        self.finished.connect(self._give_focus_back)
        self.diverts = {cap: tuple(units) for cap, units in diverts.items()}
        layout = QVBoxLayout(self)
        if changed:
            heading = QLabel(tr("The turnout changed before it was sent; nothing was "
                                "dispatched. This is the turnout now:"))
            heading.setWordWrap(True)
        else:
            heading = QLabel(tr("Not every slot of the turnout can be filled"))
        heading.setObjectName("turnout_heading")
        heading.setStyleSheet(f"background: {GAP_BACKGROUND}; color: {GAP_TEXT}; "
                              "font-weight: bold; font-size: 120%; padding: 6px;")
        layout.addWidget(heading)
        self.setMinimumWidth(620)
        self.lines: list[QLabel] = []
        self.details: list[QLabel] = []  # beneath a question: priority, minutes, distance
        for text, detail in questions(ref, ps, self.diverts):
            line = QLabel(text)
            line.setWordWrap(True)
            line.setStyleSheet("font-weight: bold; font-size: 120%;")
            line.setObjectName("turnout_question")
            layout.addWidget(line)
            self.lines.append(line)
            if detail:
                more = QLabel(detail)
                more.setStyleSheet("margin-left: 16px;")
                layout.addWidget(more)
                self.details.append(more)
        rest = ", ".join(ps.to_dispatch) or tr("no unit")
        self.rest_label = QLabel(tr("Sending the rest dispatches: {units}", units=rest)
                                 if ps.gaps else tr("Sending dispatches: {units}", units=rest))
        self.rest_label.setWordWrap(True)
        self.rest_label.setVisible(bool(ps.to_dispatch))  # no rest: nothing to say about it
        layout.addWidget(self.rest_label)
        buttons = QHBoxLayout()
        units = ", ".join(u for group in self.diverts.values() for u in group)
        self.divert_button = QPushButton(tr("&Divert {units} and send", units=units))
        self.rest_button = QPushButton(tr("Send the &rest") if ps.gaps else tr("&Send"))
        self.cancel_button = QPushButton(tr("Cancel"))
        self.divert_button.setVisible(bool(units))
        self.divert_button.setAutoDefault(False)
        # No unit to send: no "send the rest" (it would send nothing), and Enter cancels.
        rest = bool(ps.to_dispatch)
        self.rest_button.setVisible(rest)
        for button in (self.rest_button, self.cancel_button):
            button.setAutoDefault(False)
        (self.rest_button if rest else self.cancel_button).setDefault(True)
        for button, choice in ((self.divert_button, TurnoutChoice.DIVERT),
                               (self.rest_button, TurnoutChoice.REST),
                               (self.cancel_button, TurnoutChoice.CANCEL)):
            button.clicked.connect(lambda _=False, c=choice: self.done(int(c)))
            buttons.addWidget(button)
        layout.addLayout(buttons)
        key = _mnemonic(self.divert_button.text())
        if not ps.gaps:
            hint = QLabel(tr("Enter: send · Esc: cancel"))
        elif not rest:
            hint = QLabel(tr("Alt+{key}: divert · Enter or Esc: cancel", key=key)
                          if units and key else tr("Enter or Esc: cancel"))
        elif units and key:
            hint = QLabel(tr("Enter: send the rest · Alt+{key}: divert · Esc: cancel", key=key))
        else:
            hint = QLabel(tr("Enter: send the rest · Esc: cancel"))
        hint.setStyleSheet("color: #8a9099;")
        layout.addWidget(hint)
        (self.rest_button if rest else self.cancel_button).setFocus(
            Qt.FocusReason.OtherFocusReason)

    def _give_focus_back(self, _code: int) -> None:
        back = self._return_to
        try:
            if back is None or not back.isVisible() or not back.isEnabled():
                back = self.parentWidget()
            if back is None:
                return
            back.window().activateWindow()  # no window manager does it for us
            back.setFocus(Qt.FocusReason.PopupFocusReason)
        except RuntimeError:  # the widget was destroyed meanwhile
            pass

    def reject(self) -> None:
        """Escape or the window's close button: cancel."""
        self.done(int(TurnoutChoice.CANCEL))
