"""The map dock and what it needs from QtWebEngine.

Import this package before the QApplication is created: the local tile scheme can only
be registered before then (``ui.map.webengine.register_schemes``).
"""

from ui.map.bridge import MapBridge
from ui.map.dock import MapDock

__all__ = ["MapBridge", "MapDock"]
