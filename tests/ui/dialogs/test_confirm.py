"""A destructive question: Enter and Escape keep things as they are."""

from __future__ import annotations

import pytest
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from ui.dialogs.confirm import confirm, confirm_box
from ui.qt import Qt, QTimer


def test_the_safe_button_is_the_default_and_the_escape(qtbot: QtBot) -> None:
    box = confirm_box(None, "Discard call", "Discard this call?", "Discard", "Keep the call")
    qtbot.addWidget(box)
    assert box.defaultButton().text() == "Keep the call"
    assert box.escapeButton() is box.defaultButton()
    box.show()
    qtbot.waitExposed(box)
    QTest.keyClick(QApplication.focusWidget() or box, Qt.Key.Key_Return)
    assert box.clickedButton() is box.defaultButton()


def answer(key: Qt.Key | None, click: str | None = None) -> None:
    """Answer the question that is about to open, as the operator would."""
    def go() -> None:
        box = QApplication.activeModalWidget()
        focus = QApplication.focusWidget()
        if box is None or focus is None or not box.isAncestorOf(focus):
            QTimer.singleShot(0, go)  # not shown yet, or its button has no focus yet
            return
        if click is not None:
            button = box.findChild(QPushButton, click)
            assert button is not None
            button.click()
        else:  # to whatever has the focus in it, like a key from the operator
            QTest.keyClick(focus, key)

    QTimer.singleShot(0, go)


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape,
                                 Qt.Key.Key_Space])
def test_keys_typed_into_the_question_never_go_ahead(qtbot: QtBot, key: Qt.Key) -> None:
    answer(key)
    assert confirm(None, "Quit", "Quit the workstation?", "Quit", "Keep working") is False


def test_only_the_action_itself_goes_ahead(qtbot: QtBot) -> None:
    answer(None, click="confirm_action")
    assert confirm(None, "Quit", "Quit the workstation?", "Quit", "Keep working") is True
