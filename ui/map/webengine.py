"""QtWebEngine, QtWebChannel and the few other Qt classes the map dock needs.

A shim in the manner of ui/qt.py, to be merged into it: the map dock imports these
classes from here only. Importing it registers the map's URL scheme, which Qt accepts
only before the QApplication exists, and loads QtWebEngineWidgets early for the same
reason.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QEventLoop, QIODevice, QPoint, QUrl
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QApplication, QButtonGroup, QCheckBox, QHBoxLayout, QToolButton

import ui.qt  # noqa: F401  (sets QTWEBENGINE_DISABLE_SANDBOX when running as root)

__all__ = [
    "TILE_SCHEME", "QBuffer", "QButtonGroup", "QByteArray", "QCheckBox", "QEvent",
    "QEventLoop", "QHBoxLayout", "QIODevice",
    "QPoint", "QToolButton", "QUrl", "QWebChannel", "QWebEnginePage", "QWebEngineProfile",
    "QWebEngineSettings", "QWebEngineUrlRequestInfo", "QWebEngineUrlRequestInterceptor",
    "QWebEngineUrlRequestJob", "QWebEngineUrlScheme", "QWebEngineUrlSchemeHandler",
    "QWebEngineView", "register_schemes", "schemes_registered",
]

TILE_SCHEME = b"mktiles"
_log = logging.getLogger(__name__)
_state = {"registered": False}


def register_schemes() -> bool:
    """Register the local tile scheme; must run before the QApplication is created."""
    if _state["registered"]:
        return True
    if QApplication.instance() is not None:
        _log.warning("the %s scheme is registered after the QApplication was created; "
                     "local tiles will not show", TILE_SCHEME.decode())
        return False
    scheme = QWebEngineUrlScheme(TILE_SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Path)
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme
                    | QWebEngineUrlScheme.Flag.LocalScheme
                    | QWebEngineUrlScheme.Flag.LocalAccessAllowed)
    QWebEngineUrlScheme.registerScheme(scheme)
    _state["registered"] = True
    return True


def schemes_registered() -> bool:
    return _state["registered"]


register_schemes()
