"""Active incidents as a table model: rows keyed by incident number, updated in place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from meldkamer.domain.reference import Reference
from meldkamer.domain.views import IncidentView
from ui.qt import QAbstractTableModel, QBrush, QColor, QModelIndex, QPersistentModelIndex, Qt

COLUMNS = ("Nummer", "Prio", "Classificatie", "Eiland", "Locatie", "Eenheden", "Leeftijd",
           "Laatste wijziging")
Index = QModelIndex | QPersistentModelIndex


def age(since: datetime, now: datetime) -> str:
    """A compact age like '4:05' or '2u13' for the operator's table."""
    secs = max(0, int((now - since).total_seconds()))
    if secs < 3600:
        return f"{secs // 60}:{secs % 60:02d}"
    return f"{secs // 3600}u{(secs % 3600) // 60:02d}"


class IncidentTableModel(QAbstractTableModel):
    """The open incidents, highest priority first; one row per incident number."""

    def __init__(self, ref: Reference) -> None:
        super().__init__()
        self.ref = ref
        self._numbers: list[str] = []
        self._rows: dict[str, IncidentView] = {}
        self.now = datetime.now(UTC)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._numbers)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def incident_at(self, row: int) -> IncidentView:
        return self._rows[self._numbers[row]]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        inc = self.incident_at(index.row())
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(inc, col)
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = QColor(self.ref.priorities[inc.priority].colour)
            colour.setAlpha(70 if col else 200)
            return QBrush(colour)
        if role == Qt.ItemDataRole.ToolTipRole and col == 2:
            return inc.classification_name
        return None

    def _text(self, inc: IncidentView, col: int) -> str:
        if col == 0:
            return inc.number
        if col == 1:
            return f"{inc.priority}" + (f" {inc.urgency}" if inc.urgency else "")
        if col == 2:
            cls = self.ref.classifications.get(inc.classification or "")
            return f"{cls.code} {cls.name('nl')}" if cls else "-"
        if col == 3:
            return inc.island
        if col == 4:
            if inc.address:
                return inc.address
            if inc.lat is not None:
                return f"{inc.lat:.4f}, {inc.lon:.4f}"
            return "onbekend" if inc.location_state == "unknown" else inc.location_state
        if col == 5:
            return " ".join(f"{a.callsign}" for a in inc.assignments if a.active)
        if col == 6:
            return age(inc.created_at, self.now)
        return age(inc.updated_at, self.now)

    # -- updates in place --------------------------------------------------------------

    def reset(self, incidents: list[IncidentView]) -> None:
        self.beginResetModel()
        self._numbers = [i.number for i in incidents]
        self._rows = {i.number: i for i in incidents}
        self.endResetModel()

    def upsert(self, inc: IncidentView | None, number: str) -> None:
        """Replace, insert or (when closed or gone) remove one incident's row."""
        present = number in self._rows
        if inc is None or inc.state != "open":
            if present:
                row = self._numbers.index(number)
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._numbers[row]
                del self._rows[number]
                self.endRemoveRows()
            return
        if present:
            row = self._numbers.index(number)
            self._rows[number] = inc
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            return
        row = self._insert_position(inc)
        self.beginInsertRows(QModelIndex(), row, row)
        self._numbers.insert(row, number)
        self._rows[number] = inc
        self.endInsertRows()

    def _insert_position(self, inc: IncidentView) -> int:
        key = (inc.priority, inc.id)
        for row, number in enumerate(self._numbers):
            other = self._rows[number]
            if (other.priority, other.id) > key:
                return row
        return len(self._numbers)

    def tick(self, now: datetime) -> None:
        """Move the clock: only the age columns change."""
        self.now = now
        if self._numbers:
            self.dataChanged.emit(self.index(0, 6), self.index(len(self._numbers) - 1, 7),
                                  [Qt.ItemDataRole.DisplayRole])
