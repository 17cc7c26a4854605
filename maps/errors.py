"""The one exception the maps package raises for bad or missing map data."""

from __future__ import annotations


class MapDataError(Exception):
    """Map data could not be read or imported; the message says what and where.

    An import that raises this leaves the previously imported data untouched.
    """
