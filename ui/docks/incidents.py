"""The active incidents dock: sorted and filtered by island and discipline in the database.

A header click or a filter change re-runs the model's query on the operations worker;
nothing here reads the database or goes through a proxy.
"""

from __future__ import annotations

from meldkamer.domain.reference import Reference
from meldkamer.i18n import tr
from ui.models.incidents import COLUMNS, PAGE, IncidentTableModel
from ui.qt import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QItemSelectionModel,
    QLabel,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.widgets.columns import ColumnFitter
from ui.widgets.filter_bar import FilterBar

ELASTIC = ("Classification", "Location", "Units", "Disciplines")


class IncidentsDock(QDockWidget):
    """The open incidents, coloured by priority; selecting one shows it in the detail dock."""

    selected = Signal(str)
    """The operator selected an incident (its number)."""

    def __init__(self, ref: Reference, model: IncidentTableModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(tr("Active incidents"), parent)
        self.setObjectName("dock_incidents")
        self.model = model
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 2, 2)
        bar = QHBoxLayout()
        self.filters = FilterBar(ref, "incidents")
        self.filters.attach(model)
        bar.addWidget(self.filters)
        self.count = QLabel()
        bar.addStretch(1)
        bar.addWidget(self.count)
        layout.addLayout(bar)
        self.view = QTableView(objectName="incidents_table")
        self.view.setModel(model)
        # The model's own order (priority, then oldest) first: no query for Qt's default.
        self.view.horizontalHeader().setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        # Free text gives up width first (elided in the middle, whole in the tooltip).
        self.columns = ColumnFitter(self.view, elastic=[COLUMNS.index(c) for c in ELASTIC],
                                    samples={0: "BON-2026-000000"})
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        layout.addWidget(self.view)
        self.setWidget(body)
        model.visible = self.visible_rows
        model.modelReset.connect(self.view.scrollToTop)  # another filter: a list from its top
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset,
                       model.refreshed):
            signal.connect(self._count)

    def visible_rows(self) -> tuple[int, int]:
        """The first and last row the view shows now (the page to fetch first)."""
        first = max(0, self.view.rowAt(0))
        last = self.view.rowAt(self.view.viewport().height() - 1)
        return first, last if last >= 0 else first + PAGE - 1

    def retranslate(self) -> None:
        """Title, filters, headers, cells and the count in the current language."""
        self.setWindowTitle(tr("Active incidents"))
        self.filters.retranslate()
        self.model.retranslate()
        self._count()

    def _count(self) -> None:
        self.count.setText(tr("{shown} of {total} open", shown=self.model.rowCount(),
                              total=max(self.model.total, self.model.rowCount())))

    def _current_changed(self, current: object, _previous: object) -> None:
        number = self.current_number()
        if number:
            self.selected.emit(number)

    def current_number(self) -> str | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        inc = self.model.incident_at(index.row())
        return inc.number if inc is not None else None

    def select(self, number: str) -> None:
        """Select an incident's row, if it is shown."""
        row = self.model.row_of(number)
        if row is None:
            return
        index = self.model.index(row, 0)
        if index.isValid():
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
