"""Asking the operator for a reason or a short text (overrides, manual callsigns)."""

from __future__ import annotations

from collections.abc import Callable

from meldkamer import names
from meldkamer.core import Meldkamer
from meldkamer.domain.views import UnitView
from meldkamer.i18n import tr
from ui.ops import Operations
from ui.qt import QInputDialog, QLineEdit, QWidget


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    """A one-line answer, or None when cancelled."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value.strip() if ok and value.strip() else None


def ask_reason(parent: QWidget, question: str) -> str | None:
    """A reason for an exception to the rules; it goes into the log."""
    return ask_text(parent, tr("Reason"), question)


def ask_unit(parent: QWidget, core: Meldkamer, ops: Operations,
             chosen: Callable[[str, str], None],
             failed: Callable[[Exception], None]) -> None:
    """Ask for a callsign to dispatch, and a reason when that unit is busy elsewhere.

    The unit is looked up on the operations worker; ``chosen(callsign, override reason)``
    follows on the GUI thread, or ``failed`` with the core's NotFound for an unknown
    callsign. Nothing follows when the operator cancels.
    """
    callsign = ask_text(parent, tr("Dispatch a unit"), tr("Callsign"))
    if not callsign:
        return

    def found(unit: UnitView) -> None:
        if core.ref.statuses[unit.status].available:
            chosen(unit.callsign, "")
            return
        reason = ask_reason(parent, tr("{callsign} is not available ({status}): why dispatch "
                                       "it anyway?", callsign=unit.callsign,
                                       status=names.status(core.ref, unit.status)))
        if reason:
            chosen(unit.callsign, reason)

    ops.run(lambda: core.units.get(callsign), found, failed)
