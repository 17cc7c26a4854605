"""Active incidents as a table model over ids with a lazy row cache, updated in place.

Like Anki's browser table: the model holds incident ids and fetches rows in batches when
a view asks for them. A proxy sorts (by sortable keys, not display text) and filters by
island and discipline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from meldkamer.domain.reference import Reference
from meldkamer.domain.views import IncidentView
from meldkamer.i18n import tr
from ui.models.base import ColumnTableModel, Index
from ui.qt import (
    QBrush,
    QColor,
    QModelIndex,
    Qt,
)

COLUMNS = ("Number", "Prio", "Classification", "Island", "Location", "Units", "Age",
           "Since status", "Disciplines")
AGE, SINCE_STATUS = 6, 7
BATCH = 100
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
Fetch = Callable[[list[int]], list[IncidentView]]


def age(since: datetime | None, now: datetime) -> str:
    """A compact age like '4:05' or '2u13' for the operator's tables."""
    if since is None:
        return ""
    secs = max(0, int((now - since).total_seconds()))
    if secs < 3600:
        return f"{secs // 60}:{secs % 60:02d}"
    return f"{secs // 3600}u{(secs % 3600) // 60:02d}"


class IncidentTableModel(ColumnTableModel):
    """Open incidents by id; rows are fetched lazily and replaced in place on events."""

    COLUMNS = COLUMNS

    def __init__(self, ref: Reference, fetch: Fetch) -> None:
        super().__init__()
        self.ref = ref
        self._fetch = fetch
        self._ids: list[int] = []
        self._cache: dict[int, IncidentView] = {}
        self._row_of_number: dict[str, int] = {}
        self.now = datetime.now(UTC)

    def row_count(self) -> int:
        return len(self._ids)

    def incident_at(self, row: int) -> IncidentView:
        """The row's incident, fetching its batch on first use."""
        iid = self._ids[row]
        inc = self._cache.get(iid)
        if inc is None:
            batch = [i for i in self._ids[row:row + BATCH] if i not in self._cache]
            for view in self._fetch(batch):
                self._cache[view.id] = view
            inc = self._cache[iid]
            self._row_of_number[inc.number] = row
        return inc

    def place_of(self, row: int) -> tuple[str, tuple[str, ...]]:
        """The island and disciplines of a row (for the island/discipline filter)."""
        inc = self.incident_at(row)
        return inc.island, inc.disciplines

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        inc = self.incident_at(index.row())
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(inc, col)
        if role == SORT_ROLE:
            return self._sort_key(inc, col)
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
            return f"{cls.code} {cls.name()}" if cls else "-"
        if col == 3:
            return inc.island
        if col == 4:
            if inc.address:
                return inc.address
            if inc.lat is not None:
                return f"{inc.lat:.4f}, {inc.lon:.4f}"
            return tr(inc.location_state)
        if col == 5:
            return " ".join(a.callsign for a in inc.assignments if a.active)
        if col == AGE:
            return age(inc.created_at, self.now)
        if col == SINCE_STATUS:
            return age(inc.last_status_at, self.now)
        return " ".join(self.ref.disciplines[d].short for d in inc.disciplines
                        if d in self.ref.disciplines)

    def _sort_key(self, inc: IncidentView, col: int) -> Any:
        if col == 1:
            return inc.priority * 1e9 + inc.id  # a number: Qt cannot compare Python tuples
        if col == AGE:
            return -inc.created_at.timestamp()
        if col == SINCE_STATUS:
            return -(inc.last_status_at or inc.created_at).timestamp()
        return self._text(inc, col)

    # -- updates in place --------------------------------------------------------------

    def reset(self, ids: list[int], views: list[IncidentView] | None = None) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._cache = {v.id: v for v in views or []}
        self._row_of_number = {v.number: self._ids.index(v.id) for v in views or []
                               if v.id in self._ids}
        self.endResetModel()

    def row_of(self, number: str) -> int | None:
        row = self._row_of_number.get(number)
        if row is not None and row < len(self._ids):
            cached = self._cache.get(self._ids[row])
            if cached is not None and cached.number == number:
                return row
        for r, iid in enumerate(self._ids):
            cached = self._cache.get(iid)
            if cached is not None and cached.number == number:
                self._row_of_number[number] = r
                return r
        return None

    def upsert(self, inc: IncidentView | None, number: str) -> None:
        """Replace, insert or (when closed or gone) remove one incident's row."""
        row = self._ids.index(inc.id) if inc is not None and inc.id in self._ids \
            else self.row_of(number)
        if inc is None or inc.state != "open":
            if row is not None:
                self.beginRemoveRows(QModelIndex(), row, row)
                iid = self._ids.pop(row)
                self._cache.pop(iid, None)
                self._row_of_number.clear()
                self.endRemoveRows()
            return
        if row is not None:
            self._cache[inc.id] = inc
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            return
        row = self._insert_position(inc)
        self.beginInsertRows(QModelIndex(), row, row)
        self._ids.insert(row, inc.id)
        self._cache[inc.id] = inc
        self._row_of_number.clear()
        self.endInsertRows()

    def _insert_position(self, inc: IncidentView) -> int:
        key = (inc.priority, inc.id)
        for row in range(len(self._ids)):
            other = self.incident_at(row)
            if (other.priority, other.id) > key:
                return row
        return len(self._ids)

    def tick(self, now: datetime) -> None:
        """Move the clock: only the age columns change."""
        self.now = now
        if self._ids:
            self.dataChanged.emit(self.index(0, AGE), self.index(len(self._ids) - 1,
                                                                SINCE_STATUS),
                                  [Qt.ItemDataRole.DisplayRole])
