"""Offline maps for the control room: pages, island outlines, geodata, gazetteer, routing.

A standalone library: it imports nothing from ``meldkamer``, ``ui`` or ``hardware`` and
never Qt. Modules: ``page`` (offline Leaflet pages), ``islands`` (shipped outlines),
``geodata`` (imported OSM data and MBTiles), ``geocode`` (gazetteer), ``routing``
(travel times), ``tiles`` (MBTiles reader).
"""

from maps.errors import MapDataError

__all__ = ["MapDataError"]
