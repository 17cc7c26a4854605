"""Confirming something that cannot be undone: the safe answer is the default.

Enter, Escape and closing the box all keep things as they are; only the destructive
button, chosen on purpose (by mouse, Tab or its mnemonic), goes ahead. An operator
typing fast into a question that popped up never discards a call or quits by accident.
"""

from __future__ import annotations

from ui.qt import QMessageBox, QWidget


def confirm_box(parent: QWidget | None, title: str, text: str, action: str,
                keep: str) -> QMessageBox:
    """The question, built but not shown: ``action`` goes ahead, ``keep`` (the default and
    the Escape button) does nothing."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    go = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    go.setObjectName("confirm_action")
    safe = box.addButton(keep, QMessageBox.ButtonRole.RejectRole)
    safe.setObjectName("confirm_keep")
    box.setDefaultButton(safe)
    box.setEscapeButton(safe)
    return box


def confirm(parent: QWidget | None, title: str, text: str, action: str, keep: str) -> bool:
    """Ask, modally; True only when the operator chose ``action``."""
    box = confirm_box(parent, title, text, action, keep)
    box.exec()
    chosen = box.clickedButton()
    box.deleteLater()
    return chosen is not None and chosen.objectName() == "confirm_action"
