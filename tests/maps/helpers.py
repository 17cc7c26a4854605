"""Small synthetic map data for tests: PNG tiles and MBTiles files."""

from __future__ import annotations

import math
import sqlite3
import struct
import zlib
from collections.abc import Iterable
from pathlib import Path


def png_bytes(width: int = 256, height: int = 256,
              rgb: tuple[int, int, int] = (200, 220, 180)) -> bytes:
    """A plain-colour PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height, 9)) + chunk(b"IEND", b""))


def tile_xy(lat: float, lon: float, z: int) -> tuple[int, int]:
    """XYZ tile holding a point."""
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def tiles_covering(south: float, west: float, north: float, east: float,
                   zooms: Iterable[int]) -> list[tuple[int, int, int]]:
    out = []
    for z in zooms:
        x0, y0 = tile_xy(north, west, z)
        x1, y1 = tile_xy(south, east, z)
        out += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return out


def make_mbtiles(path: Path, tiles: Iterable[tuple[int, int, int]], fmt: str = "png",
                 data: bytes | None = None, name: str = "testtegels") -> Path:
    """An MBTiles 1.3 file holding the given XYZ tiles (stored in TMS row order)."""
    data = data if data is not None else png_bytes()
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE metadata (name TEXT, value TEXT);
        CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
                            tile_data BLOB);
        CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
    """)
    tiles = list(tiles)
    zooms = [t[0] for t in tiles] or [0]
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", [
        ("name", name), ("format", fmt), ("minzoom", str(min(zooms))),
        ("maxzoom", str(max(zooms))), ("bounds", "-68.42,12.02,-68.19,12.32")])
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                     [(z, x, (2 ** z - 1) - y, data) for z, x, y in tiles])
    conn.commit()
    conn.close()
    return path
