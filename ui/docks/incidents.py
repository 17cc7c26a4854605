"""The active incidents dock."""

from __future__ import annotations

from ui.models.incidents import IncidentTableModel
from ui.qt import QAbstractItemView, QDockWidget, QHeaderView, QTableView, QWidget


class IncidentsDock(QDockWidget):
    """A sortable table of the open incidents, coloured by priority."""

    def __init__(self, model: IncidentTableModel, parent: QWidget | None = None) -> None:
        super().__init__("Actieve incidenten", parent)
        self.setObjectName("dock_incidents")
        self.model = model
        self.view = QTableView(self)
        self.view.setObjectName("incidents_table")
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(False)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((150, 60, 260, 60, 260, 180, 80)):
            self.view.setColumnWidth(col, width)
        self.setWidget(self.view)
