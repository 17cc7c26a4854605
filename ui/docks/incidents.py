"""The active incidents dock: sortable, filterable by island and discipline."""

from __future__ import annotations

from meldkamer.domain.reference import Reference
from meldkamer.i18n import tr
from ui.models.incidents import IncidentFilter, IncidentTableModel
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QItemSelectionModel,
    QLabel,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)


class IncidentsDock(QDockWidget):
    """The open incidents, coloured by priority; selecting one shows it in the detail dock."""

    selected = Signal(str)
    """The operator selected an incident (its number)."""

    def __init__(self, ref: Reference, model: IncidentTableModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(tr("Active incidents"), parent)
        self.setObjectName("dock_incidents")
        self.model = model
        self.proxy = IncidentFilter(model)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 2, 2)
        bar = QHBoxLayout()
        self.island = QComboBox(objectName="incidents_island")
        self.island.addItem(tr("All islands"), "")
        for isl in ref.islands.values():
            self.island.addItem(isl.name, isl.code)
        self.discipline = QComboBox(objectName="incidents_discipline")
        self.discipline.addItem(tr("All disciplines"), "")
        for disc in ref.disciplines.values():
            self.discipline.addItem(disc.name(), disc.code)
        for box in (self.island, self.discipline):
            box.currentIndexChanged.connect(self._filter)
            bar.addWidget(box)
        self.count = QLabel()
        bar.addStretch(1)
        bar.addWidget(self.count)
        layout.addLayout(bar)
        self.view = QTableView(objectName="incidents_table")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((140, 55, 250, 50, 220, 130, 60, 80)):
            self.view.setColumnWidth(col, width)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        layout.addWidget(self.view)
        self.setWidget(body)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._count)

    def _filter(self) -> None:
        self.proxy.set_filter(self.island.currentData(), self.discipline.currentData())
        self._count()

    def _count(self) -> None:
        self.count.setText(tr("{shown} of {total} open", shown=self.proxy.rowCount(),
                              total=self.model.rowCount()))

    def _current_changed(self, current: object, _previous: object) -> None:
        number = self.current_number()
        if number:
            self.selected.emit(number)

    def current_number(self) -> str | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.model.incident_at(self.proxy.mapToSource(index).row()).number

    def select(self, number: str) -> None:
        """Select an incident's row, if it is shown."""
        row = self.model.row_of(number)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
