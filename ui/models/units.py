"""The unit status board as a table model: status colour, time in status, overdue flag."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from meldkamer.domain.reference import Reference
from meldkamer.domain.status_machine import timer_state
from meldkamer.domain.views import UnitView
from meldkamer.i18n import N_, tr
from ui.models.base import ColumnTableModel, Index
from ui.models.incidents import age
from ui.qt import (
    QBrush,
    QColor,
    QFont,
    Qt,
)

COLUMNS = (N_("Callsign"), N_("Island"), N_("Discipline"), N_("Status"), N_("In status"),
           N_("Incident"))
STATUS_COLOURS = {
    "available": "#2e7d32",
    "committed": "#f9a825",
    "unavailable": "#616161",
}
COMMITTED_COLOURS = {"dispatched": "#ef6c00", "en_route": "#f9a825", "on_scene": "#c62828",
                     "transporting": "#6a1b9a", "at_destination": "#4527a0"}


class UnitBoardModel(ColumnTableModel):
    """All units, by island and callsign; rows update in place on status events."""

    COLUMNS = COLUMNS

    def __init__(self, ref: Reference) -> None:
        super().__init__()
        self.ref = ref
        self._units: list[UnitView] = []
        self._row_of: dict[str, int] = {}
        self.now = datetime.now(UTC)

    def row_count(self) -> int:
        return len(self._units)

    def unit_at(self, row: int) -> UnitView:
        return self._units[row]

    def place_of(self, row: int) -> tuple[str, tuple[str, ...]]:
        """The island and discipline of a row (for the island/discipline filter)."""
        unit = self._units[row]
        return unit.island, (unit.discipline,)

    def colour_of(self, unit: UnitView) -> str:
        """The status colour of a unit, as the board and the map show it."""
        category = self.ref.statuses[unit.status].category
        return COMMITTED_COLOURS.get(unit.status) or STATUS_COLOURS[category]

    def timer(self, unit: UnitView) -> str:
        """The unit's status timer at the board's clock (the core's rule, not the UI's)."""
        return timer_state(self.ref, unit.status, unit.status_since, self.now)

    def is_overdue(self, unit: UnitView) -> bool:
        """Past the status timer: flagged."""
        return self.timer(unit) in ("overdue", "escalated")

    def is_escalated(self, unit: UnitView) -> bool:
        """Well past the status timer: escalated to the operator's attention."""
        return self.timer(unit) == "escalated"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        unit = self._units[index.row()]
        col = index.column()
        status = self.ref.statuses[unit.status]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return unit.callsign
            if col == 1:
                return unit.island
            if col == 2:
                disc = self.ref.disciplines.get(unit.discipline)
                return disc.short if disc else unit.discipline
            if col == 3:
                return f"{status.radio} {status.name()}"
            if col == 4:
                return age(unit.status_since, self.now) + ("  !" if self.is_overdue(unit) else "")
            return unit.incident or ""
        if role == Qt.ItemDataRole.BackgroundRole and col == 4 and self.is_escalated(unit):
            return QBrush(QColor("#b71c1c"))
        if role == Qt.ItemDataRole.BackgroundRole and col in (0, 3):
            colour = COMMITTED_COLOURS.get(unit.status) or STATUS_COLOURS[status.category]
            return QBrush(QColor(colour))
        if role == Qt.ItemDataRole.ForegroundRole and col in (0, 3):
            return QBrush(QColor("#ffffff"))
        if role == Qt.ItemDataRole.FontRole and col == 4 and self.is_overdue(unit):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and col == 4 and self.is_overdue(unit):
            return tr("Longer than {minutes} min in status {status}",
                      minutes=status.timer_minutes, status=status.name())
        return None

    def reset(self, units: list[UnitView]) -> None:
        self.beginResetModel()
        self._units = list(units)
        self._row_of = {u.callsign: i for i, u in enumerate(self._units)}
        self.endResetModel()

    def update_many(self, units: list[UnitView]) -> bool:
        """Replace these units' rows in place, one signal per run of rows; False when one
        of them is not on the board."""
        rows = []
        for unit in units:
            row = self._row_of.get(unit.callsign)
            if row is None:
                return False
            if self._units[row] != unit:
                self._units[row] = unit
                rows.append(row)
        rows.sort()
        start = 0
        for i, row in enumerate(rows):  # one signal per run of adjacent rows
            if i + 1 == len(rows) or rows[i + 1] != row + 1:
                self.dataChanged.emit(self.index(rows[start], 0),
                                      self.index(row, len(COLUMNS) - 1))
                start = i + 1
        return True

    def update(self, unit: UnitView) -> bool:
        """Replace one unit's row in place; False when the unit is not on the board."""
        row = self._row_of.get(unit.callsign)
        if row is None:
            return False
        if self._units[row] == unit:
            return True  # nothing new (a position report of a unit without a position)
        self._units[row] = unit
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        return True

    def tick(self, now: datetime) -> None:
        """Move the board's clock: time in status and the timer flags are redrawn."""
        self.now = now
        if self._units:
            self.dataChanged.emit(self.index(0, 4), self.index(len(self._units) - 1, 4),
                                  [Qt.ItemDataRole.DisplayRole,
                                   Qt.ItemDataRole.BackgroundRole,
                                   Qt.ItemDataRole.FontRole])
