"""A line edit with a result list under it, driven entirely from the keyboard.

Typing searches (in memory, synchronously: the indexes answer in a few milliseconds);
Down and Up move through the results, Enter takes the highlighted one, Escape closes
the list. The list is part of the layout, not a popup window, so nothing steals focus.
An index still being built (off the GUI thread) answers None: the list says "loading"
and the query runs again once the owner calls ``index_ready``. A search may answer
``Found(items, note)``: the note (why nothing was found) shows under the results as a
line that cannot be taken.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ui.qt import (
    QBrush,
    QEvent,
    QKeyEvent,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPalette,
    Qt,
    QWidget,
    Signal,
)


@dataclass(frozen=True)
class Found:
    """A search's answer: (label, data) results, and a note saying why there are none."""

    items: Sequence[tuple[str, Any]]
    note: str = ""


# None: the index is not ready yet.
SearchFn = Callable[[str], Sequence[tuple[str, Any]] | Found | None]


class TypeAhead(QLineEdit):
    """Search-as-you-type; emits ``chosen`` with the data of the accepted result."""

    chosen = Signal(object)
    """The operator accepted a result (its data object)."""

    def __init__(self, search: SearchFn, parent: QWidget | None = None, rows: int = 6) -> None:
        super().__init__(parent)
        self._search = search
        self.results = QListWidget(parent)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.setMaximumHeight(rows * 22 + 6)
        self.results.setWordWrap(True)  # a note can be longer than the field is wide
        self.results.hide()
        self.results.itemClicked.connect(self._accept_item)
        self.textEdited.connect(self.refresh)
        self.value: Any = None
        self.loading_text = "…"
        self.waiting = False  # the last query met an index still being built
        self.note = ""  # why the last query found nothing (shown under the results)

    def refresh(self, text: str | None = None) -> None:
        """Search again for the current text."""
        query = self.text() if text is None else text
        self.results.clear()
        self.value = None
        self.note = ""
        if not query.strip():
            self.results.hide()
            return
        found = self._search(query)
        self.waiting = found is None
        if found is None:
            self._add_line(self.loading_text)
            self.results.show()
            return
        items, self.note = (found.items, found.note) if isinstance(found, Found) else (found, "")
        for label, data in items:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, data)
            self.results.addItem(item)
        if self.note:
            self._add_line(self.note, note=True)
        self.results.setVisible(self.results.count() > 0)
        if items:
            self.results.setCurrentRow(0)

    def _add_line(self, text: str, *, note: bool = False) -> None:
        """A line in the list that is only read, never taken with Enter or a click; a note
        is italic but in the normal text colour (it is meant to be read, not greyed out)."""
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setToolTip(text)
        if note:
            font = item.font()
            font.setItalic(True)
            item.setFont(font)
            item.setForeground(QBrush(self.results.palette().color(
                QPalette.ColorGroup.Active, QPalette.ColorRole.Text)))
        self.results.addItem(item)

    def index_ready(self) -> None:
        """The index is built: run the query that met it while it was not."""
        if self.waiting:
            self.refresh()

    def refresh_if_open(self) -> None:
        """Search again while the result list shows (its labels follow the language)."""
        if self.results.isVisible():
            self.refresh()

    def event(self, event: QEvent) -> bool:
        # Escape closes the result list before any window shortcut sees it.
        if (event.type() == QEvent.Type.ShortcutOverride and self.results.isVisible()
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.results.isVisible() and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            row = self.results.currentRow() + step
            while 0 <= row < self.results.count():  # past lines that cannot be taken
                item = self.results.item(row)
                if item is not None and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                    self.results.setCurrentRow(row)
                    break
                row += step
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.results.isVisible():
            item = self.results.currentItem()
            if item is not None and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                self._accept_item(item)
                return
        if key == Qt.Key.Key_Escape and self.results.isVisible():
            self.results.hide()
            return
        super().keyPressEvent(event)

    def _accept_item(self, item: QListWidgetItem) -> None:
        if not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        self.value = item.data(Qt.ItemDataRole.UserRole)
        self.setText(item.text())
        self.results.hide()
        self.chosen.emit(self.value)

    def set_value(self, label: str, value: Any) -> None:
        """Show an already chosen value (e.g. restoring a draft) without searching."""
        self.setText(label)
        self.value = value
        self.results.hide()

    def clear_value(self) -> None:
        self.clear()
        self.value = None
        self.results.clear()
        self.results.hide()
