"""Asking the operator for a reason or a short text (overrides, manual callsigns)."""

from __future__ import annotations

from meldkamer.core import Meldkamer
from meldkamer.i18n import tr
from ui.qt import QInputDialog, QLineEdit, QWidget


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    """A one-line answer, or None when cancelled."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value.strip() if ok and value.strip() else None


def ask_reason(parent: QWidget, question: str) -> str | None:
    """A reason for an exception to the rules; it goes into the log."""
    return ask_text(parent, tr("Reason"), question)


def ask_unit(parent: QWidget, core: Meldkamer) -> tuple[str, str] | None:
    """Ask for a callsign to dispatch, and a reason when that unit is busy elsewhere.

    Returns (callsign, override reason), or None when the operator cancels. An unknown
    callsign raises the core's NotFound, for the caller to show.
    """
    callsign = ask_text(parent, tr("Dispatch a unit"), tr("Callsign"))
    if not callsign:
        return None
    unit = core.units.get(callsign)
    if core.ref.statuses[unit.status].available:
        return unit.callsign, ""
    reason = ask_reason(parent, tr("{callsign} is not available ({status}): why dispatch "
                                   "it anyway?", callsign=unit.callsign, status=unit.status))
    return (unit.callsign, reason) if reason else None
