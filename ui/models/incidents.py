"""Active incidents as a table model over ids, sorted and filtered by the database.

Like Anki's browser table: the model holds the incident ids of the current query (island,
discipline, sort column and order: ``IncidentService.active_ids``) and fetches the rows
themselves a page at a time, only when a view asks for them. Every database call goes
through the operations worker; a row not fetched yet shows a placeholder until its page
arrives. Changes to incidents re-run the id query and move, insert or remove rows in
place, so the selection and scroll position survive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from meldkamer import names
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import IncidentView
from meldkamer.i18n import N_, tr
from meldkamer.services.incidents import INCIDENT_SORTS
from ui import theme
from ui.models.base import ColumnTableModel, Index
from ui.ops import Operations
from ui.qt import QBrush, QColor, QModelIndex, Qt, QTimer, Signal

COLUMNS = (N_("Number"), N_("Prio"), N_("Classification"), N_("Island"), N_("Location"),
           N_("Units"), N_("Age"), N_("Since status"), N_("Disciplines"))
AGE, SINCE_STATUS = 6, 7
PAGE = 50
PLACEHOLDER = "…"
REFRESH_MS = 40  # changes within this window share one query (a burst of radio statuses)
SORT_OF_COLUMN = dict(enumerate(INCIDENT_SORTS))  # the columns and the sorts match up
_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole,
                    Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole})


class IncidentSource(Protocol):
    """What the model reads (``IncidentService``), always on the operations worker."""

    def active_ids(self, *, island: str | None = None, discipline: str | None = None,
                   sort: str = "priority", descending: bool = False) -> list[int]: ...

    def active_count(self) -> int: ...

    def summaries(self, ids: list[int]) -> list[IncidentView]: ...

    def summaries_of(self, numbers: list[str]) -> list[IncidentView]: ...


def age(since: datetime | None, now: datetime) -> str:
    """A compact age like '4:05' or '2h13' (Dutch '2u13') for the operator's tables."""
    if since is None:
        return ""
    secs = max(0, int((now - since).total_seconds()))
    if secs < 3600:
        return f"{secs // 60}:{secs % 60:02d}"
    return tr("{hours}h{minutes}", hours=secs // 3600, minutes=f"{(secs % 3600) // 60:02d}")


def _runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted rows as (first, last) runs of consecutive numbers."""
    out: list[tuple[int, int]] = []
    for row in sorted(rows):
        if out and out[-1][1] == row - 1:
            out[-1] = (out[-1][0], row)
        else:
            out.append((row, row))
    return out


class IncidentTableModel(ColumnTableModel):
    """Open incidents by id for the current filter and sort; rows fetched a page at a time."""

    COLUMNS = COLUMNS

    refreshed = Signal()
    """The id list for the current filter and sort has arrived and is shown."""
    rows_filled = Signal(int, int)
    """Rows first..last have been fetched and can be read (``incident_at``)."""
    incidents_changed = Signal(object)
    """Incidents were reloaded after a change: a list of (number, view or None if gone)."""

    def __init__(self, ref: Reference, ops: Operations, source: IncidentSource) -> None:
        super().__init__()
        self.ref, self.ops, self.source = ref, ops, source
        self.island: str | None = None
        self.discipline: str | None = None
        self.sort_key = "priority"
        self.descending = False
        self.total = 0  # open incidents on every island, of every discipline
        self.visible: Callable[[], tuple[int, int]] = lambda: (0, PAGE - 1)
        self._ids: list[int] = []
        self._row_of_id: dict[int, int] = {}
        self._cache: dict[int, IncidentView] = {}
        self._requested: set[int] = set()  # ids whose page is on its way
        self._missing: set[int] = set()  # ids that were gone when their page came
        self._generation = 0  # bumped by every change of filter or sort
        self._dirty: set[str] = set()  # incidents changed, waiting for the next refresh
        self._dirty_lock = threading.Lock()
        self._refresh_queued = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._queue_refresh)
        self._reloading = 0  # id queries on their way: they bring the visible rows along
        self._brushes: dict[tuple[int, bool], QBrush] = {}
        self._attention_brushes: dict[str, QBrush] = {}
        self._attention_text: QBrush | None = None
        self.now = datetime.now(UTC)

    # -- reading -----------------------------------------------------------------------

    def row_count(self) -> int:
        return len(self._ids)

    def id_at(self, row: int) -> int:
        return self._ids[row]

    def incident_at(self, row: int) -> IncidentView | None:
        """The row's incident if its page has been fetched (None: not yet, and asked for)."""
        inc = self._cache.get(self._ids[row])
        if inc is None:
            self._request_page(row)
        return inc

    def is_fetched(self, row: int) -> bool:
        return self._ids[row] in self._cache

    def drop_rows(self) -> None:
        """Forget the fetched rows: each is fetched again when a view shows it."""
        self._cache.clear()

    def row_of(self, number: str) -> int | None:
        """The row of an incident already fetched, by number."""
        for iid, inc in self._cache.items():
            if inc.number == number:
                return self._row_of_id.get(iid)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None  # asked for every cell a view paints: the cheap answer first
        inc = self.incident_at(index.row())
        col = index.column()
        if inc is None:
            return PLACEHOLDER if role == Qt.ItemDataRole.DisplayRole and col == 0 else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(inc, col)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(inc, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(inc)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(inc, col)
        return None

    def multiData(self, index: Index, roles: Any) -> None:
        """All the roles a delegate paints a cell with, in one call (not one per role).

        A role without a value is cleared: Qt reuses the span from cell to cell, so an
        attention row's text colour would otherwise bleed into the next row's cells.
        """
        if not index.isValid():
            return
        inc = self.incident_at(index.row())
        col = index.column()
        for item in roles:
            role = item.role()
            value: Any = None
            if role == Qt.ItemDataRole.DisplayRole:
                value = self._text(inc, col) if inc is not None else (
                    PLACEHOLDER if col == 0 else None)
            elif inc is None:
                pass
            elif role == Qt.ItemDataRole.BackgroundRole:
                value = self._background(inc, col)
            elif role == Qt.ItemDataRole.ForegroundRole:
                value = self._foreground(inc)
            elif role == Qt.ItemDataRole.ToolTipRole:
                value = self._tooltip(inc, col)
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def _background(self, inc: IncidentView, col: int) -> QBrush:
        """Priority colours, or the attention colour over the whole row of a flagged one."""
        colour = theme.attention_colour(inc.attention)
        if colour is None:
            return self._brush(inc.priority, col == 0)
        brush = self._attention_brushes.get(colour)
        if brush is None:
            brush = self._attention_brushes[colour] = QBrush(QColor(colour))
        return brush

    def _foreground(self, inc: IncidentView) -> QBrush | None:
        if not inc.attention:
            return None
        if self._attention_text is None:
            self._attention_text = QBrush(QColor(theme.ATTENTION_TEXT))
        return self._attention_text

    def _tooltip(self, inc: IncidentView, col: int) -> str | None:
        if col == 0 and inc.attention:
            return tr("Attention: {flags}", flags=names.attention(inc.attention))
        if col == 2:
            return names.classification(self.ref, inc.classification)
        return None

    def _brush(self, priority: int, strong: bool) -> QBrush:
        brush = self._brushes.get((priority, strong))
        if brush is None:
            colour = QColor(self.ref.priorities[priority].colour)
            colour.setAlpha(200 if strong else 70)
            brush = self._brushes[priority, strong] = QBrush(colour)
        return brush

    def _text(self, inc: IncidentView, col: int) -> str:
        if col == 0:
            if inc.state == "pending":  # kept in the outage journal, not yet stored
                return tr("{number} (pending)", number=inc.number)
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
            return names.location(inc.location_state)
        if col == 5:
            return " ".join(a.callsign for a in inc.assignments if a.active)
        if col == AGE:
            return age(inc.created_at, self.now)
        if col == SINCE_STATUS:
            return age(inc.last_status_at, self.now)
        return " ".join(self.ref.disciplines[d].short for d in inc.disciplines
                        if d in self.ref.disciplines)

    # -- pages -------------------------------------------------------------------------

    def _page_ids(self, first: int, last: int) -> list[int]:
        """The ids of the pages covering rows first..last that are not fetched or asked."""
        if not self._ids:
            return []
        start = max(0, first) // PAGE * PAGE
        stop = min(len(self._ids), (max(first, last) // PAGE + 1) * PAGE)
        return [i for i in self._ids[start:stop] if i not in self._cache
                and i not in self._requested and i not in self._missing]

    def _request_page(self, row: int) -> None:
        if self._reloading:
            return  # the rows here are about to change; the new ones come with the ids
        wanted = self._page_ids(row, row)
        if not wanted:
            return
        self._requested.update(wanted)
        self.ops.run(lambda: self.source.summaries(wanted),
                     lambda views: self._page_arrived(wanted, views),
                     lambda _error: self._requested.difference_update(wanted))

    def _page_arrived(self, wanted: list[int], views: list[IncidentView]) -> None:
        self._requested.difference_update(wanted)
        self._store(views)
        self._missing.update(set(wanted) - {v.id for v in views})
        self._filled(v.id for v in views)

    def _store(self, views: Iterable[IncidentView]) -> None:
        for view in views:
            if view.state in ("open", "pending"):  # pending: in the outage journal
                self._cache[view.id] = view
            else:
                self._cache.pop(view.id, None)

    def _filled(self, ids: Iterable[int]) -> None:
        rows = [r for r in (self._row_of_id.get(i) for i in ids) if r is not None]
        for first, last in _runs(rows):
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
            self.rows_filled.emit(first, last)

    # -- the query: filter and sort ----------------------------------------------------

    def set_filter(self, island: str | None, discipline: str | None) -> None:
        """Show the incidents on one island and/or of one discipline (None: all)."""
        island, discipline = island or None, discipline or None
        if (island, discipline) == (self.island, self.discipline):
            return
        self.island, self.discipline = island, discipline
        self._generation += 1
        self.reload(reset=True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A header click: the database sorts, the rows move (the selection stays)."""
        key = SORT_OF_COLUMN.get(column)
        descending = order == Qt.SortOrder.DescendingOrder
        if key is None or (key, descending) == (self.sort_key, self.descending):
            return
        self.sort_key, self.descending = key, descending
        self._generation += 1
        self.reload()

    def _query(self) -> dict[str, Any]:
        return {"island": self.island, "discipline": self.discipline, "sort": self.sort_key,
                "descending": self.descending}

    def reload(self, *, reset: bool = False, then: Callable[[], None] | None = None) -> None:
        """Run the id query again (off the GUI thread) with the first visible page."""
        generation = self._generation
        query = self._query()
        first, last = self.visible()
        if reset:  # a new list: the view starts again at its top
            first, last = 0, max(first, last) - first
        cached = frozenset(self._cache)

        filtered = bool(self.island or self.discipline)

        def work() -> tuple[list[int], int, list[IncidentView]]:
            ids = self.source.active_ids(**query)
            shown = [i for i in ids[max(0, first):max(first, last) + 1] if i not in cached]
            total = self.source.active_count() if filtered else len(ids)
            return ids, total, self.source.summaries(shown)

        def apply(result: tuple[list[int], int, list[IncidentView]]) -> None:
            ids, total, views = result
            self._reloading -= 1
            self._store(views)
            if generation == self._generation:
                self.total = total
                self._show_ids(ids, reset=reset)
                self.refreshed.emit()
            if then is not None:
                then()

        def failed(_error: Exception) -> None:
            self._reloading -= 1

        self._reloading += 1
        self.ops.run(work, apply, failed)

    def refresh(self, number: str) -> None:
        """An incident changed: fetch it and the id list again, and update rows in place.

        Changes within ``REFRESH_MS`` of each other, or arriving while a refresh waits for
        the worker, share one query: a burst of radio statuses costs a few, not hundreds.
        """
        with self._dirty_lock:
            self._dirty.add(number)
        if not self._refresh_queued and not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _queue_refresh(self) -> None:
        if self._refresh_queued:
            return
        self._refresh_queued = True
        generation = self._generation
        query = self._query()

        def work() -> tuple[list[tuple[str, IncidentView | None]], list[int], int]:
            with self._dirty_lock:
                numbers, self._dirty = sorted(self._dirty), set()
            views = {v.number: v for v in self.source.summaries_of(numbers)}
            found = [(n, views.get(n)) for n in numbers]
            return found, self.source.active_ids(**query), self.source.active_count()

        def apply(result: tuple[list[tuple[str, IncidentView | None]], list[int], int]) -> None:
            found, ids, total = result
            self._refresh_queued = False
            views = [v for _, v in found if v is not None]
            for number, view in found:
                if view is None or view.state not in ("open", "pending"):
                    self._forget(number)
            self._store(views)
            if generation == self._generation:
                self.total = total
                self._show_ids(ids)
            self._filled(v.id for v in views)
            self.incidents_changed.emit(found)
            with self._dirty_lock:
                again = bool(self._dirty)
            if again:  # changed after the worker had taken the set
                self._refresh_timer.start()

        def failed(_error: Exception) -> None:
            self._refresh_queued = False

        self.ops.run(work, apply, failed)

    def _forget(self, number: str) -> None:
        gone = [iid for iid, inc in self._cache.items() if inc.number == number]
        for iid in gone:
            del self._cache[iid]

    # -- moving rows -------------------------------------------------------------------

    def _show_ids(self, ids: Sequence[int], *, reset: bool = False) -> None:
        """Make the rows these ids, by removals, a reorder and insertions (or a reset)."""
        new = list(ids)
        self._missing.clear()
        if reset or not self._ids:
            self.beginResetModel()
            self._set_ids(new)
            self.endResetModel()
            return
        if new == self._ids:
            return
        keep = set(new)
        gone = [r for r, i in enumerate(self._ids) if i not in keep]
        for first, last in reversed(_runs(gone)):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._ids[first:last + 1]
            self.endRemoveRows()
        old = set(self._ids)
        staying = [i for i in new if i in old]
        if staying != self._ids:
            self._reorder(staying)
        added = [r for r, i in enumerate(new) if i not in old]
        for first, last in _runs(added):
            self.beginInsertRows(QModelIndex(), first, last)
            self._ids[first:first] = new[first:last + 1]
            self.endInsertRows()
        self._set_ids(self._ids)

    def _reorder(self, order: list[int]) -> None:
        """Same rows, another order: a layout change that carries the selection along."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self._ids[p.row()] for p in persistent]
        self._set_ids(order)
        self.changePersistentIndexList(
            persistent, [self.index(self._row_of_id[i], p.column())
                         for i, p in zip(ids, persistent, strict=True)])
        self.layoutChanged.emit()

    def _set_ids(self, ids: list[int]) -> None:
        self._ids = ids
        self._row_of_id = {iid: row for row, iid in enumerate(ids)}

    def tick(self, now: datetime) -> None:
        """Move the clock: only the age columns change."""
        self.now = now
        if self._ids:
            self.dataChanged.emit(self.index(0, AGE), self.index(len(self._ids) - 1,
                                                                SINCE_STATUS),
                                  [Qt.ItemDataRole.DisplayRole])

