"""Asking the operator for a reason or a short text (overrides, manual callsigns)."""

from __future__ import annotations

from meldkamer.i18n import tr
from ui.qt import QInputDialog, QLineEdit, QWidget


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    """A one-line answer, or None when cancelled."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value.strip() if ok and value.strip() else None


def ask_reason(parent: QWidget, question: str) -> str | None:
    """A reason for an exception to the rules; it goes into the log."""
    return ask_text(parent, tr("Reason"), question)
