"""The QWebChannel object between the map page and Python: small JSON messages."""

from __future__ import annotations

import json
import logging
from typing import Any

from maps.page import dumps
from ui.qt import QObject, Signal, Slot

_log = logging.getLogger(__name__)


class MapBridge(QObject):
    """Registered on the page's web channel as ``mapBridge``.

    Python -> page: ``send()`` emits ``sig_to_page`` with one JSON message that the page's
    ``meldkamerMap.handle`` applies. Page -> Python: the page calls ``receive`` with an
    event, re-emitted here as a typed signal.
    """

    sig_to_page = Signal(str)
    """A JSON message for the page (the page's script is connected to it)."""
    clicked = Signal(float, float)
    """The map was clicked at (lat, lon)."""
    incident_clicked = Signal(str)
    """An incident marker (by number) was clicked."""
    ready = Signal()
    """The page has loaded and connected to the channel."""
    applied = Signal(int)
    """The page has applied the message with this sequence number."""
    failed = Signal(int, str)
    """The page could not apply the message with this sequence number (and why)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._seq = 0

    def send(self, message: dict[str, Any]) -> int:
        """Send one message; returns its sequence number (see ``applied``)."""
        self._seq += 1
        self.sig_to_page.emit(dumps({**message, "seq": self._seq}))
        return self._seq

    @Slot(str)
    def receive(self, text: str) -> None:
        """An event from the page."""
        try:
            event = json.loads(text)
            kind = event.get("event")
            if kind == "click":
                self.clicked.emit(float(event["lat"]), float(event["lon"]))
            elif kind == "applied":
                self.applied.emit(int(event["seq"]))
            elif kind == "incident":
                self.incident_clicked.emit(str(event["number"]))
            elif kind == "ready":
                self.ready.emit()
            elif kind == "error":
                _log.warning("the map page could not apply %s (seq %s): %s",
                             event.get("op"), event.get("seq"), event.get("message"))
                self.failed.emit(int(event.get("seq") or 0), str(event.get("message")))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            _log.warning("bad message from the map page: %r (%s)", text[:200], exc)
