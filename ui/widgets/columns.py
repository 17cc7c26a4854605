"""Table columns as wide as what they show; where space runs out, elided with a tooltip.

A :class:`ColumnFitter` sizes a table view's columns to their header and the rows in view
(only those: a lazy model is never fetched whole for it), again whenever the rows, the
scroll position, the language, the font (Ctrl++) or the width change. When the columns
do not fit, the *elastic* ones (free text: classification, location) give up width and
their text is elided in the middle; the :class:`ElideDelegate` then gives a cut cell
a tooltip with the whole text, and a cut header has its title as its tooltip. Rows
follow the font's height, so a larger text never clips a row either. A column the
operator drags keeps that width.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ui.qt import (
    QEvent,
    QHeaderView,
    QObject,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QTableView,
    QTimer,
    QToolTip,
)

ROW_PADDING = 8  # pixels above and below the text of a row, together
MIN_ELASTIC_CHARS = 6  # an elastic column never shrinks below this many average characters


class ElideDelegate(QStyledItemDelegate):
    """Paints like the default delegate; a cell whose text is cut gets it as its tooltip."""

    def tooltip(self, view: QTableView, index: Any) -> str:
        """The tooltip the cell at ``index`` shows in ``view`` now ('' for none)."""
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        option.rect = view.visualRect(index)
        return self._tip(option, index, view)

    def _tip(self, option: QStyleOptionViewItem, index: Any, view: QTableView) -> str:
        own = index.data(Qt.ItemDataRole.ToolTipRole)
        own = str(own) if own else ""
        text = index.data(Qt.ItemDataRole.DisplayRole)
        text = str(text) if text is not None else ""
        if not text or self.fits(option, index, view):
            return own
        if text in own:
            return own
        return f"{text}\n{own}" if own else text

    def fits(self, option: QStyleOptionViewItem, index: Any, view: QTableView) -> bool:
        """Whether the cell's text shows whole in its rectangle."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = view.style()
        room = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, view)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, opt, view) + 1
        needed = opt.fontMetrics.horizontalAdvance(opt.text) + 2 * margin
        return needed <= room.width()

    def helpEvent(self, event: Any, view: Any, option: QStyleOptionViewItem,
                  index: Any) -> bool:
        if event is None or event.type() != QEvent.Type.ToolTip or view is None \
                or not index.isValid():
            return bool(super().helpEvent(event, view, option, index))
        tip = self._tip(option, index, view)
        if tip:
            QToolTip.showText(event.globalPos(), tip, view, view.visualRect(index))
        else:
            QToolTip.hideText()
            event.ignore()
        return True


class ColumnFitter(QObject):
    """Keeps one table's columns sized to their content (see the module docstring)."""

    def __init__(self, view: QTableView, elastic: Iterable[int] = (),
                 samples: Mapping[int, str] | None = None, *,
                 header_elide: bool = True) -> None:
        """Args:
            elastic: the columns that give up width (elided) when not all fit; their
                header too, which then has the whole title as its tooltip.
            samples: text a column is always wide enough for (e.g. an incident number),
                so it does not jump as rows come and go.
            header_elide: False for headers of two lines: elastic columns then keep the
                width of their header.
        """
        super().__init__(view)
        self.view = view
        self.elastic = set(elastic)
        self.samples = dict(samples or {})
        self.delegate = ElideDelegate(view)
        view.setItemDelegate(self.delegate)
        view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        view.setWordWrap(False)
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # A two-line header must not be elided (that flattens it into one): such a table
        # passes ``header_elide=False`` and its columns never shrink below their header.
        self.header_elide = header_elide
        header.setTextElideMode(Qt.TextElideMode.ElideMiddle if header_elide
                                else Qt.TextElideMode.ElideNone)
        header.sectionResized.connect(self._resized)
        view.verticalScrollBar().valueChanged.connect(self.schedule)  # other rows in view
        self.dragged: dict[int, int] = {}  # columns the operator sized: their widths
        self._fitting = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        self._width = -1
        self._viewport = view.viewport()
        view.installEventFilter(self)
        self._viewport.installEventFilter(self)
        self._model: Any = None
        self._watch(view.model())
        self._rows()

    # -- when to fit -------------------------------------------------------------------

    def _watch(self, model: Any) -> None:
        if model is self._model or model is None:
            return
        self._model = model
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved,
                       model.layoutChanged, model.dataChanged, model.headerDataChanged,
                       model.columnsInserted, model.columnsRemoved):
            signal.connect(self.schedule)

    def schedule(self, *_: object) -> None:
        """Fit again once the event loop is idle (many changes: one fit)."""
        if not self._timer.isActive():
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Only the watched objects and the event are touched here: while a table is being
        # destroyed its viewport still sends events, and the table is half gone.
        kind = event.type()
        if kind == QEvent.Type.Resize and watched is self._viewport:
            if event.size().width() != self._width:  # type: ignore[attr-defined]
                self.schedule()
        elif kind in (QEvent.Type.FontChange, QEvent.Type.StyleChange) \
                and watched is self.view:
            self._rows()
            self.schedule()
        elif kind == QEvent.Type.Show and watched is self.view:
            self.schedule()
        return False

    def _resized(self, column: int, _old: int, new: int) -> None:
        if not self._fitting:
            self.dragged[column] = new  # the operator's choice stands

    def _rows(self) -> None:
        """Rows as high as the font needs (the style's default is fixed in pixels)."""
        height = self.view.fontMetrics().height() + ROW_PADDING
        self.view.verticalHeader().setMinimumSectionSize(height)
        self.view.verticalHeader().setDefaultSectionSize(height)

    # -- fitting -----------------------------------------------------------------------

    def wanted(self, column: int) -> int:
        """The width that shows the column's header and every row in view whole."""
        view = self.view
        header = view.horizontalHeader()
        width = max(header.sectionSizeFromContents(column).width(), self._rows_width(column))
        sample = self.samples.get(column)
        if sample:
            margin = 2 * (view.style().pixelMetric(
                QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1) + 1
            width = max(width, view.fontMetrics().horizontalAdvance(sample) + margin)
        return width

    def rows_in_view(self) -> range:
        """The rows the view shows now (worked out from the row height while the header
        has not laid its sections out yet)."""
        view = self.view
        count = view.model().rowCount()
        height = view.viewport().height()
        first = max(0, view.rowAt(0))
        last = view.rowAt(height - 1)
        if last < 0:
            step = max(1, view.verticalHeader().defaultSectionSize())
            last = first + height // step
        return range(first, min(count - 1, last) + 1)

    def _rows_width(self, column: int) -> int:
        # Not Qt's sizeHintForColumn: it also reads rows out of view (pages of a lazy
        # model nobody looks at), whatever resizeContentsPrecision says.
        view = self.view
        model = view.model()
        grid = 1 if view.showGrid() else 0
        return max((view.sizeHintForIndex(model.index(row, column)).width() + grid
                    for row in self.rows_in_view()), default=0)

    def least(self, column: int) -> int:
        """How narrow an elastic column may become: a few characters (or its header, when
        headers are not elided)."""
        chars = self.view.fontMetrics().averageCharWidth() * MIN_ELASTIC_CHARS
        if self.header_elide:
            return chars
        return max(chars, self.view.horizontalHeader().sectionSizeFromContents(column).width())

    def fit(self) -> None:
        """Size every column now."""
        self._timer.stop()
        view = self.view
        self._watch(view.model())
        model = view.model()
        if model is None or not view.isVisible():
            return  # a hidden table would be measured over all its rows; fitted when shown
        header = view.horizontalHeader()
        columns = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]
        if not columns:
            return
        # Never below the header's minimum: Qt would widen such a column (a one-character
        # "#") behind the fit's back, and the last column would run past the edge.
        minimum = header.minimumSectionSize()
        want = {c: max(minimum, self.dragged.get(c) or self.wanted(c)) for c in columns}
        room = view.viewport().width()
        self._width = room
        widths = dict(want)
        elastic = [c for c in columns if c in self.elastic and c not in self.dragged]
        total = sum(want.values())
        if total > room and elastic:
            fixed = total - sum(want[c] for c in elastic)
            least = {c: min(want[c], self.least(c)) for c in elastic}
            space = max(room - fixed, sum(least.values()))
            over = sum(want[c] for c in elastic) - space
            if over > 0:
                give = {c: want[c] - least[c] for c in elastic}
                can = sum(give.values()) or 1
                for c in elastic:  # each gives up width in proportion to what it can spare
                    widths[c] = want[c] - round(over * give[c] / can)
        elif total < room and elastic:
            grow = elastic
            spare = room - total
            weights = sum(want[c] for c in grow) or 1
            for c in grow:  # the free width goes to the free-text columns
                widths[c] += spare * want[c] // weights
            widths[grow[-1]] += room - sum(widths.values())
        self._fitting = True
        try:
            for c in columns:
                if header.sectionSize(c) != widths[c]:
                    header.resizeSection(c, widths[c])
        finally:
            self._fitting = False


def two_lines(text: str, longer_than: int = 10) -> str:
    """A long header of several words on two lines, broken at the space nearest its middle."""
    if len(text) <= longer_than or " " not in text.strip():
        return text
    middle = len(text) / 2
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return text[:cut] + "\n" + text[cut + 1:]
