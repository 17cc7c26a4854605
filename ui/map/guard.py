"""Local tiles over a custom URL scheme, and a guard that refuses every remote request.

The map page is a local file; its tiles come from the imported MBTiles file through
``mktiles:{z}/{x}/{y}``, answered here on the GUI thread from SQLite. The guard sits on
the map's page and blocks anything that is not local (file, qrc, data, blob, the tile
scheme), so even a stray reference in a page could never reach the network.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from maps.errors import MapDataError
from maps.tiles import TileStore
from ui.map.webengine import (
    TILE_SCHEME,
    QBuffer,
    QByteArray,
    QIODevice,
    QWebEngineProfile,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlSchemeHandler,
)
from ui.qt import QObject, Signal

LOCAL_SCHEMES = frozenset({"file", "qrc", "data", "blob", "about", TILE_SCHEME.decode()})
TILE_URL = f"{TILE_SCHEME.decode()}:{{z}}/{{x}}/{{y}}"
_TILE_PATH = re.compile(r"^/?(\d+)/(\d+)/(\d+)(?:\.\w+)?$")
_log = logging.getLogger(__name__)


class TileSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers ``mktiles:z/x/y`` from the current MBTiles file (one per application)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store: TileStore | None = None
        self.served = 0

    def set_source(self, path: str | Path | None) -> bool:
        """Serve tiles from this MBTiles file (None: none); False when it is unusable."""
        self.store = None
        if path is None:
            return True
        try:
            self.store = TileStore(path)
        except MapDataError as exc:
            _log.warning("tiles not available: %s", exc)
            return False
        return True

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        found = _TILE_PATH.match(job.requestUrl().path())
        data = None
        if found is not None and self.store is not None:
            z, x, y = (int(v) for v in found.groups())
            data = self.store.tile(z, x, y)
        if data is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        buffer = QBuffer(job)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        assert self.store is not None
        job.reply(QByteArray(self.store.mime.encode()), buffer)
        self.served += 1


class LocalOnlyGuard(QWebEngineUrlRequestInterceptor):
    """Blocks every request to a non-local scheme and reports it."""

    blocked = Signal(str)
    """A request to this URL was refused."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.blocked_urls: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        if url.scheme().lower() in LOCAL_SCHEMES:
            return
        info.block(True)
        text = url.toString()
        self.blocked_urls.append(text)
        _log.warning("map page tried to load %s; blocked (no network)", text)
        self.blocked.emit(text)


_installed: dict[str, TileSchemeHandler] = {}


def tile_handler() -> TileSchemeHandler:
    """The tile handler of the default profile, installed on first use.

    One per application: Qt accepts one handler per scheme and profile, and every map
    page uses the default profile.
    """
    handler = _installed.get("default")
    if handler is None:
        profile = QWebEngineProfile.defaultProfile()
        handler = TileSchemeHandler(profile)
        profile.installUrlSchemeHandler(QByteArray(TILE_SCHEME), handler)
        _installed["default"] = handler
    return handler
