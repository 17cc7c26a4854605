"""Qt's chart and SVG modules, imported only by the windows that draw charts.

Kept out of ``ui.qt`` so the workstation's start does not load QtCharts.
"""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QPainter, QPen
from PySide6.QtSvg import QSvgGenerator

__all__ = ["QBarCategoryAxis", "QBarSeries", "QBarSet", "QChart", "QChartView",
           "QLineSeries", "QPainter", "QPen", "QRect", "QSize", "QSvgGenerator", "QValueAxis"]
