"""The one place the UI imports Qt from; version workarounds live here."""

from __future__ import annotations

import os

if hasattr(os, "geteuid") and os.geteuid() == 0:
    # QtWebEngine refuses to run as root with its sandbox on.
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    QSettings,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QHeaderView,
    QLabel,
    QMainWindow,
    QStatusBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

__all__ = [
    "QAbstractItemView", "QAbstractTableModel", "QAction", "QApplication", "QBrush",
    "QByteArray", "QColor", "QDockWidget", "QFont", "QHeaderView", "QKeySequence", "QLabel",
    "QMainWindow", "QModelIndex", "QObject", "QPalette", "QPersistentModelIndex", "QRunnable",
    "QSettings", "QSize", "QStatusBar", "QTableView", "QThreadPool", "QTimer", "QVBoxLayout",
    "QWidget", "Qt", "Signal", "Slot",
]
