"""Island and discipline filters: one bar for every table that needs them.

The unit board (a small, fixed list in memory) filters through ``PlaceFilter``; the
incident list hands the filter to its model, which asks the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from meldkamer.domain.reference import Reference
from meldkamer.i18n import tr
from ui.models.base import Index
from ui.qt import QComboBox, QHBoxLayout, QSortFilterProxyModel, QWidget, Signal


class Filtered(Protocol):
    """Anything the bar can drive: a proxy here, or a model that filters in the database."""

    def set_filter(self, island: str | None, discipline: str | None) -> None: ...


# What a row is about: its island and the disciplines involved.
RowKeys = Callable[[int], tuple[str, tuple[str, ...]]]


class PlaceFilter(QSortFilterProxyModel):
    """Keeps the rows on one island and/or of one discipline (None: all)."""

    def __init__(self, keys: RowKeys) -> None:
        super().__init__()
        self._keys = keys
        self.island: str | None = None
        self.discipline: str | None = None
        # A status change never moves a unit to another island or discipline: no need to
        # filter again on every row change (hundreds a second under radio traffic).
        self.setDynamicSortFilter(False)

    def multiData(self, index: Index, roles: Any) -> None:
        """Hand the whole cell to the source in one call (Qt's proxy asks role by role)."""
        source = self.sourceModel()
        if source is not None and index.isValid():
            source.multiData(self.mapToSource(index), roles)

    def set_filter(self, island: str | None, discipline: str | None) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            self.island, self.discipline = island or None, discipline or None
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # older Qt within the supported range
            self.island, self.discipline = island or None, discipline or None
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        if self.island is None and self.discipline is None:
            return True  # no need to look at (and fetch) the row
        island, disciplines = self._keys(row)
        if self.island and island != self.island:
            return False
        return not (self.discipline and self.discipline not in disciplines)


class FilterBar(QWidget):
    """Two combo boxes, all islands and all disciplines by default."""

    changed = Signal(object, object)
    """The operator picked (island code or None, discipline code or None)."""

    def __init__(self, ref: Reference, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.ref = ref
        self.island = QComboBox(objectName=f"{name}_island")
        self.island.addItem(tr("All islands"), "")
        for isl in ref.islands.values():
            self.island.addItem(isl.name, isl.code)
        self.discipline = QComboBox(objectName=f"{name}_discipline")
        self.discipline.addItem(tr("All disciplines"), "")
        for disc in ref.disciplines.values():
            self.discipline.addItem(disc.name(), disc.code)
        for box in (self.island, self.discipline):
            box.currentIndexChanged.connect(self._changed)
            row.addWidget(box)

    def retranslate(self) -> None:
        """'All islands', 'All disciplines' and the discipline names in the language."""
        self.island.setItemText(0, tr("All islands"))
        self.discipline.setItemText(0, tr("All disciplines"))
        for i in range(1, self.discipline.count()):
            self.discipline.setItemText(i, self.ref.disciplines[self.discipline.itemData(i)]
                                        .name())

    def _changed(self) -> None:
        self.changed.emit(self.island.currentData() or None,
                          self.discipline.currentData() or None)

    def attach(self, target: Filtered) -> None:
        """Drive a proxy (or a model) with this bar."""
        self.changed.connect(target.set_filter)
