"""The one place the UI imports Qt from; version workarounds live here."""

from __future__ import annotations

import os

if hasattr(os, "geteuid") and os.geteuid() == 0:
    # QtWebEngine refuses to run as root with its sandbox on.
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    QSettings,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QBrush,
    QColor,
    QFont,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStatusBar,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = [
    "QAbstractItemView", "QAbstractTableModel", "QAction", "QActionGroup", "QApplication",
    "QBrush", "QByteArray", "QColor", "QComboBox", "QDialog", "QDialogButtonBox",
    "QDockWidget", "QEvent", "QFont", "QFormLayout", "QFrame", "QGridLayout", "QHBoxLayout",
    "QHeaderView", "QInputDialog", "QItemSelectionModel", "QKeyEvent", "QKeySequence",
    "QLabel", "QLineEdit",
    "QListWidget", "QListWidgetItem", "QMainWindow", "QMenu", "QMessageBox", "QModelIndex",
    "QObject", "QPalette", "QPersistentModelIndex", "QPlainTextEdit", "QProgressBar", "QPushButton", "QSpinBox",
    "QRunnable", "QSettings", "QShortcut", "QSize", "QSortFilterProxyModel", "QStatusBar",
    "QTableView", "QTableWidget", "QTableWidgetItem", "QThreadPool", "QTimer", "QVBoxLayout",
    "QWidget", "Qt", "Signal", "Slot",
]
