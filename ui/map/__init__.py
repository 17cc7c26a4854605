"""The map dock and what it needs from QtWebEngine.

Import ``ui.map.webengine`` before the QApplication is created: the local tile scheme
can only be registered before then. The dock itself (and folium behind it) loads on
first use, so start-up does not wait for it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MapBridge", "MapDock"]


def __getattr__(name: str) -> Any:
    if name == "MapDock":
        from ui.map.dock import MapDock

        return MapDock
    if name == "MapBridge":
        from ui.map.bridge import MapBridge

        return MapBridge
    raise AttributeError(name)
