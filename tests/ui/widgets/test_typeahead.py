"""The type-ahead field: results, the line saying why there are none, keys."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ui.widgets.typeahead import Found, TypeAhead


def answer(query: str) -> Found | list[tuple[str, Any]]:
    if query.startswith("r"):
        return [("Rincon", "rincon"), ("Rooi Lamoenchi", "rooi")]
    if query.startswith("k"):
        return Found([("Kralendijk", "kralendijk")], note="and no street data for the rest")
    return Found([], note=f"nothing found for {query}")


def test_a_note_is_a_line_under_the_results_that_cannot_be_taken(qtbot: QtBot) -> None:
    edit = TypeAhead(answer)
    qtbot.addWidget(edit)
    qtbot.addWidget(edit.results)
    edit.show()
    edit.setFocus()
    qtbot.keyClicks(edit, "zz")
    assert edit.results.count() == 1 and edit.note == "nothing found for zz"
    note = edit.results.item(0)
    assert note.text() == "nothing found for zz" and note.toolTip() == note.text()
    assert not note.flags() & Qt.ItemFlag.ItemIsEnabled
    with qtbot.assertNotEmitted(edit.chosen):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.value is None

    edit.clear()
    qtbot.keyClicks(edit, "k")
    assert [edit.results.item(i).text() for i in range(edit.results.count())] == [
        "Kralendijk", "and no street data for the rest"]
    qtbot.keyClick(edit, Qt.Key.Key_Down)  # the note is never the highlighted result
    with qtbot.waitSignal(edit.chosen) as chosen:
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert chosen.args == ["kralendijk"]


def test_a_plain_list_still_works_and_clears_the_note(qtbot: QtBot) -> None:
    edit = TypeAhead(answer)
    qtbot.addWidget(edit)
    qtbot.addWidget(edit.results)
    edit.show()
    qtbot.keyClicks(edit, "zz")
    assert edit.note
    edit.clear()
    qtbot.keyClicks(edit, "r")
    assert edit.note == "" and edit.results.count() == 2 and edit.results.currentRow() == 0
