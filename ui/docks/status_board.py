"""The unit status board: per island and discipline, change statuses by keyboard.

Type a callsign and a status number in the command line ("P-101 2", Enter), or use the
context menu on a unit. An illegal change is refused and the reason is shown.
"""

from __future__ import annotations

from meldkamer.core import Meldkamer
from meldkamer.domain.views import UnitView
from meldkamer.i18n import tr
from ui.models.units import COLUMNS, UnitBoardModel
from ui.ops import Operations
from ui.qt import (
    QAbstractItemView,
    QDockWidget,
    QLabel,
    QLineEdit,
    QMenu,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.widgets.columns import ColumnFitter
from ui.widgets.filter_bar import FilterBar, PlaceFilter


class StatusBoardDock(QDockWidget):
    """Every unit with its status colour, time in status and incident."""

    message = Signal(str)
    """Something the operator should read in the status bar."""

    def __init__(self, core: Meldkamer, ops: Operations, model: UnitBoardModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(tr("Units"), parent)
        self.setObjectName("dock_status_board")
        self.core, self.ops, self.model = core, ops, model
        self.proxy = PlaceFilter(model.place_of)
        self.proxy.setSourceModel(model)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 2, 2)
        self.filters = FilterBar(core.ref, "units")
        self.filters.attach(self.proxy)
        layout.addWidget(self.filters)
        self.command = QLineEdit(objectName="status_command")
        self._texts()
        self.command.returnPressed.connect(self.run_command)
        layout.addWidget(self.command)
        self.error = QLabel(objectName="status_error")
        self.error.setStyleSheet("color: #ff6b6b; font-weight: bold;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.view = QTableView(objectName="status_board_table")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setVisible(False)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        # An elided incident number ("BO…04") is of no use: where space runs out the
        # board scrolls sideways rather than cut it; only the status name gives up width.
        self.columns = ColumnFitter(self.view, elastic=[COLUMNS.index("Status")],
                                    samples={5: "BON-2026-000000"})
        layout.addWidget(self.view, 1)
        self.setWidget(body)

    def _texts(self) -> None:
        self.command.setPlaceholderText(tr("callsign and status number, e.g. P-101 2 (F6)"))
        self.command.setToolTip(", ".join(f"{s.radio} {s.name()}"
                                          for s in self.core.ref.statuses.values()))

    def retranslate(self) -> None:
        """Title, filters, command help and the board in the current language."""
        self.setWindowTitle(tr("Units"))
        self._texts()
        self.filters.retranslate()
        self.model.retranslate()

    def run_command(self) -> None:
        """'P-101 2' (or 'P-101 ter plaatse'): change that unit's status."""
        callsign, _, status = self.command.text().strip().partition(" ")
        if not callsign or not status.strip():
            self.error.setText(tr("Type a callsign and a status, e.g. P-101 2"))
            return
        self.change_status(callsign, status.strip())

    def change_status(self, callsign: str, status: str) -> None:
        self.error.clear()

        def done(unit: UnitView) -> None:
            self.command.clear()
            self.model.update(unit)
            self.message.emit(tr("{callsign}: {status}", callsign=unit.callsign,
                                 status=self.core.ref.statuses[unit.status].name()))

        self.ops.run(lambda: self.core.units.set_status(callsign, status), done,
                     lambda e: self.error.setText(str(e)))

    def _menu(self, pos: object) -> None:
        index = self.view.indexAt(pos)  # type: ignore[arg-type]
        if not index.isValid():
            return
        unit = self.model.unit_at(self.proxy.mapToSource(index).row())
        current = self.core.ref.statuses[unit.status]
        menu = QMenu(self)
        for st in self.core.ref.statuses.values():
            action = menu.addAction(f"{st.radio}  {st.name()}")
            allowed = st.code in current.next and not st.dispatch_only
            action.setEnabled(allowed)
            action.triggered.connect(lambda _=False, code=st.code: self.change_status(
                unit.callsign, code))
        menu.popup(self.view.viewport().mapToGlobal(pos))  # type: ignore[arg-type]
