"""Response times (Reports > Response times, Ctrl+Shift+R): figures, targets and a chart.

Period and island pickers; the figures (``meldkamer.reports.kpi``) are computed on the
operations worker, never on the GUI thread. The chart shows, for the chosen island and
interval, the median, 90th and 95th percentile per discipline and priority as bars, and
the target for that interval as a line; it is saved as PNG or SVG.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from meldkamer.core import Meldkamer
from meldkamer.domain.views import LOCAL
from meldkamer.i18n import N_, tr
from meldkamer.reports.kpi import INTERVALS, KpiReport, compute, load_targets
from ui.ops import Operations
from ui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.qt_charts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QPainter,
    QPen,
    QRect,
    QSize,
    QSvgGenerator,
    QValueAxis,
)

INTERVAL_NAMES = {"processing": N_("Processing (call to dispatch)"),
                  "travel": N_("Dispatch to on scene"),
                  "total": N_("Call to on scene")}
SHORT_NAMES = {"processing": N_("processing"), "travel": N_("dispatch to scene"),
               "total": N_("call to scene")}
BAR_NAMES = (N_("Median"), N_("90th percentile"), N_("95th percentile"))
BAR_COLOURS = ("#4e79a7", "#f28e2b", "#e15759")


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


class KpiWindow(QWidget):
    """The response-times report: pickers, the figures table, targets and the chart."""

    loaded = Signal()
    """New figures are shown (table, targets and chart)."""

    def __init__(self, core: Meldkamer, ops: Operations, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.core, self.ops = core, ops
        self.setObjectName("kpi_window")
        self.setWindowTitle(tr("Reports — response times"))
        self.report: KpiReport | None = None
        self.targets = load_targets()
        today = datetime.now(LOCAL).date()
        self.start_edit = self._date_edit("kpi_from", today.replace(day=1))
        self.end_edit = self._date_edit("kpi_to", today)
        self.island_box = QComboBox(self)
        self.island_box.setObjectName("kpi_island")
        self.island_box.addItem(tr("All islands"), None)
        for isl in core.ref.islands.values():
            self.island_box.addItem(isl.name, isl.code)
        self.interval_box = QComboBox(self)
        self.interval_box.setObjectName("kpi_interval")
        for code in INTERVALS:
            self.interval_box.addItem(tr(INTERVAL_NAMES[code]), code)
        self.refresh_button = QPushButton(tr("&Show"), self)
        self.refresh_button.setObjectName("kpi_refresh")
        self.png_button = QPushButton(tr("Save chart as &PNG…"), self)
        self.svg_button = QPushButton(tr("Save chart as S&VG…"), self)
        self.status = QLabel("", self)
        self.status.setObjectName("kpi_status")
        pickers = QHBoxLayout()
        for text, widget in ((N_("&From"), self.start_edit), (N_("&To"), self.end_edit),
                             (N_("&Island"), self.island_box),
                             (N_("I&nterval"), self.interval_box)):
            label = QLabel(tr(text), self)
            label.setBuddy(widget)
            pickers.addWidget(label)
            pickers.addWidget(widget)
        pickers.addWidget(self.refresh_button)
        pickers.addStretch(1)
        pickers.addWidget(self.png_button)
        pickers.addWidget(self.svg_button)
        self.table = QTableWidget(0, 9, self)
        self.table.setObjectName("kpi_table")
        self.table.setHorizontalHeaderLabels([
            tr("Island"), tr("Discipline"), tr("Priority"), tr("Interval"), tr("Count"),
            tr("Missing"), tr("Median"), "P90", "P95"])
        self.targets_table = QTableWidget(0, 6, self)
        self.targets_table.setObjectName("kpi_targets")
        self.targets_table.setHorizontalHeaderLabels([
            tr("Target"), tr("Island"), tr("Count"), tr("Share"), tr("Required"),
            tr("Result")])
        for table in (self.table, self.targets_table):
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            table.verticalHeader().setVisible(False)
            table.horizontalHeader().setSectionResizeMode(
                QHeaderView.ResizeMode.ResizeToContents)
            table.horizontalHeader().setStretchLastSection(True)
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart_view = QChartView(self.chart, self)
        self.chart_view.setObjectName("kpi_chart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(320)
        tables = QSplitter(Qt.Orientation.Horizontal, self)
        tables.addWidget(self.table)
        tables.addWidget(self.targets_table)
        tables.setSizes([780, 520])
        body = QSplitter(Qt.Orientation.Vertical, self)
        body.addWidget(tables)
        body.addWidget(self.chart_view)
        body.setSizes([330, 470])
        layout = QVBoxLayout(self)
        layout.addLayout(pickers)
        layout.addWidget(body, 1)
        layout.addWidget(self.status)
        self.refresh_button.clicked.connect(self.refresh)
        self.island_box.currentIndexChanged.connect(self.refresh)
        self.interval_box.currentIndexChanged.connect(self._draw)
        self.png_button.clicked.connect(lambda: self._save("png"))
        self.svg_button.clicked.connect(lambda: self._save("svg"))
        QShortcut(QKeySequence("F5"), self, self.refresh)
        QShortcut(QKeySequence("Escape"), self, self.close)
        self.resize(1400, 860)
        self.refresh()

    def _date_edit(self, name: str, value: date) -> QDateEdit:
        edit = QDateEdit(QDate(value.year, value.month, value.day), self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    @staticmethod
    def _date(edit: QDateEdit) -> date:
        d = edit.date()
        return date(d.year(), d.month(), d.day())

    def set_period(self, start: date, end: date) -> None:
        """Choose the period (as a person would in the pickers) and show it."""
        self.start_edit.setDate(QDate(start.year, start.month, start.day))
        self.end_edit.setDate(QDate(end.year, end.month, end.day))
        self.refresh()

    def refresh(self) -> None:
        """Compute the figures for the chosen period and island on the worker."""
        start, end = self._date(self.start_edit), self._date(self.end_edit)
        if end < start:
            self.status.setText(tr("The period ends before it starts: choose another "
                                   "end date"))
            return
        island = self.island_box.currentData()
        core, targets = self.core, self.targets
        self.status.setText(tr("Computing…"))

        def work() -> KpiReport:
            with core.store.read() as session:
                return compute(session, start, end, island=island, targets=targets)

        self.ops.run(work, self._show, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.status.setText(str(exc))

    def _show(self, report: KpiReport) -> None:
        self.report = report
        ref = self.core.ref

        def discipline(code: str) -> str:
            found = ref.disciplines.get(code)
            return found.name() if found else tr("not dispatched")

        self.table.setRowCount(len(report.figures))
        for row, f in enumerate(report.figures):
            cells = [ref.islands[f.island].name if f.island in ref.islands else f.island,
                     discipline(f.discipline), str(f.priority),
                     tr(SHORT_NAMES[f.interval]), str(f.count), str(f.missing),
                     _minutes(f.median), _minutes(f.p90), _minutes(f.p95)]
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if col >= 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        names = {t.code: t.name() for t in self.targets.targets}
        self.targets_table.setRowCount(len(report.results))
        for row, r in enumerate(report.results):
            verdict = "-" if r.ok is None else (tr("met") if r.ok else tr("not met"))
            cells = [names.get(r.target, r.target),
                     ref.islands[r.island].name if r.island in ref.islands else r.island,
                     str(r.count), "-" if r.share is None else f"{r.share * 100:.1f}%",
                     f"{r.required * 100:.0f}%", verdict]
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if col == 5 and r.ok is not None:
                    item.setForeground(Qt.GlobalColor.darkGreen if r.ok
                                       else Qt.GlobalColor.red)
                self.targets_table.setItem(row, col, item)
        self.status.setText(tr("{start} to {end}: {count} incidents",
                               start=report.start.isoformat(), end=report.end.isoformat(),
                               count=report.incidents))
        self._draw()
        self.loaded.emit()

    def chart_groups(self) -> list[tuple[str, list[float | None]]]:
        """The chart's categories (discipline and priority) and their three percentiles
        in minutes, for the chosen interval."""
        if self.report is None:
            return []
        interval = self.interval_box.currentData()
        ref = self.core.ref
        groups = []
        for f in self.report.figures:
            if f.interval != interval or not f.count:
                continue
            found = ref.disciplines.get(f.discipline)
            name = found.short if found else f.discipline
            label = f"{name} P{f.priority}"
            if self.island_box.currentData() is None:
                label = f"{f.island} {label}"
            groups.append((label, [None if v is None else v / 60
                                   for v in (f.median, f.p90, f.p95)]))
        return groups

    def target_minutes(self) -> float | None:
        """The tightest target for the chosen interval, in minutes (the chart's line)."""
        interval = self.interval_box.currentData()
        found = [t.seconds for t in self.targets.targets if t.interval == interval]
        return min(found) / 60 if found else None

    def _draw(self) -> None:
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        interval = self.interval_box.currentData()
        chart.setTitle(tr("{interval}: minutes", interval=tr(INTERVAL_NAMES[interval])))
        groups = self.chart_groups()
        bars = QBarSeries()
        for n, name in enumerate(BAR_NAMES):
            bar = QBarSet(tr(name))
            bar.setColor(BAR_COLOURS[n])
            for _label, values in groups:
                bar.append(values[n] or 0.0)
            bars.append(bar)
        chart.addSeries(bars)
        x = QBarCategoryAxis()
        x.append([label for label, _values in groups] or [tr("no figures")])
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        bars.attachAxis(x)
        y = QValueAxis()
        y.setTitleText(tr("minutes"))
        top = max([v or 0.0 for _label, values in groups for v in values] or [1.0])
        target = self.target_minutes()
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(y)
        if target is not None:
            top = max(top, target)
            line = QLineSeries()
            line.setName(tr("Target {minutes} min", minutes=format(target, "g")))
            pen = QPen(Qt.GlobalColor.darkGreen)
            pen.setWidth(3)
            pen.setStyle(Qt.PenStyle.DashLine)
            line.setPen(pen)
            last = max(len(groups) - 1, 0)
            line.append(-0.5, target)
            line.append(last + 0.5, target)
            chart.addSeries(line)
            line.attachAxis(x)
            line.attachAxis(y)
        y.setRange(0, top * 1.15)
        y.applyNiceNumbers()
        # Below 5 minutes the ticks fall on halves and quarters: show the decimals, or
        # "0, 1, 1, 2, 2" reads like a broken axis.
        y.setLabelFormat("%.0f" if y.max() >= 5 else "%.1f")
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)

    def save_chart(self, path: Path) -> Path:
        """Write the chart to ``path``: SVG when it ends in .svg, else PNG."""
        size = QSize(max(self.chart_view.width(), 800), max(self.chart_view.height(), 500))
        if path.suffix.lower() == ".svg":
            generator = QSvgGenerator()
            generator.setFileName(str(path))
            generator.setSize(size)
            generator.setViewBox(QRect(0, 0, size.width(), size.height()))
            generator.setTitle(self.chart.title())
            painter = QPainter(generator)
            self.chart_view.render(painter, target=QRect(0, 0, size.width(), size.height()))
            painter.end()
        else:
            image = self.chart_view.grab()
            if not image.save(str(path), "PNG"):
                raise OSError(tr("{path} could not be written", path=str(path)))
        return path

    def _save(self, kind: str) -> None:
        start, end = self._date(self.start_edit), self._date(self.end_edit)
        suggested = f"responstijden-{start.isoformat()}-{end.isoformat()}.{kind}"
        name, _filter = QFileDialog.getSaveFileName(
            self, tr("Save chart"), suggested,
            "PNG (*.png)" if kind == "png" else "SVG (*.svg)")
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != f".{kind}":
            path = path.with_suffix(f".{kind}")
        try:
            self.save_chart(path)
        except OSError as exc:
            self.status.setText(str(exc))
            return
        self.status.setText(tr("Chart saved to {path}", path=str(path)))

