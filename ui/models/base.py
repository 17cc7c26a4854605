"""A table model with named columns: the part every table of the workstation shares."""

from __future__ import annotations

from typing import Any

from meldkamer.i18n import tr
from ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class ColumnTableModel(QAbstractTableModel):
    """Rows from ``row_count()``, columns from ``COLUMNS`` (translated in the header)."""

    COLUMNS: tuple[str, ...] = ()

    def row_count(self) -> int:
        """How many rows the table has now (each table overrides this)."""
        return 0

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def multiData(self, index: Index, roles: Any) -> None:
        """Every role a delegate paints a cell with, in one call from Qt into Python.

        Qt's default asks ``data`` once per role, seven times a cell; each call into Python
        on the GUI thread has to win the interpreter lock from the worker threads.
        """
        for item in roles:
            value = self.data(index, item.role())
            if value is None:
                item.clearData()  # the span is reused from cell to cell: never leave a value
            else:
                item.setData(value)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role in (
                Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return tr(self.COLUMNS[section])  # the tooltip: whole where a narrow header is cut
        return None

    def retranslate(self) -> None:
        """Headers and cells show names: ask the views to read them again."""
        if self.COLUMNS:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        if self.row_count():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.row_count() - 1, len(self.COLUMNS) - 1))
