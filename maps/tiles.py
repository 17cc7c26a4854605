"""MBTiles raster tile sets: validation and read-only tile look-ups.

MBTiles 1.3 keeps tiles in TMS order (row 0 at the south); Leaflet asks in XYZ order,
so ``tile(z, x, y)`` flips the row.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from maps.errors import MapDataError

FORMATS = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
_MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff"}


@dataclass(frozen=True)
class TileSetInfo:
    """What an MBTiles file holds."""

    name: str
    format: str
    min_zoom: int
    max_zoom: int
    count: int
    bounds: tuple[float, float, float, float] | None  # west, south, east, north
    attribution: str


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                           check_same_thread=False)


def validate(path: str | Path) -> TileSetInfo:
    """Check that ``path`` is a usable raster MBTiles file; MapDataError says why not."""
    path = Path(path)
    if not path.is_file():
        raise MapDataError(f"tile file not found: {path}")
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
        if head != b"SQLite format 3\x00":
            raise MapDataError(f"{path.name} is not an MBTiles file (not an SQLite database)")
        conn = _connect_ro(path)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise MapDataError(f"{path.name} is damaged: {check[0] if check else '?'}")
            names = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
            missing = {"tiles", "metadata"} - names
            if missing:
                raise MapDataError(
                    f"{path.name} is not an MBTiles file: missing table "
                    f"{', '.join(sorted(missing))}")
            meta = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
            fmt = str(meta.get("format", "")).lower()
            if fmt not in FORMATS:
                raise MapDataError(f"{path.name}: tile format {fmt or '(empty)'!r} is not "
                                   "supported (png or jpg only)")
            row = conn.execute("SELECT COUNT(*), MIN(zoom_level), MAX(zoom_level) "
                               "FROM tiles").fetchone()
            count = int(row[0])
            if count == 0:
                raise MapDataError(f"{path.name} holds no tiles")
            sample = conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()[0]
            if not bytes(sample).startswith(_MAGIC[fmt]):
                raise MapDataError(f"{path.name}: the tiles are not {fmt} images")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise MapDataError(f"{path.name} is damaged or not an MBTiles file: {exc}") from exc
    except OSError as exc:
        raise MapDataError(f"cannot read {path.name}: {exc}") from exc
    return TileSetInfo(
        name=str(meta.get("name", path.stem)), format=fmt,
        min_zoom=int(meta.get("minzoom", row[1])), max_zoom=int(meta.get("maxzoom", row[2])),
        count=count, bounds=_bounds(meta.get("bounds")),
        attribution=str(meta.get("attribution", "")))


def _bounds(text: object) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(v) for v in str(text).split(","))
    except ValueError:
        return None
    return west, south, east, north


class TileStore:
    """Read-only tile access to one MBTiles file; safe to call from several threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.info = validate(self.path)
        self.mime = FORMATS[self.info.format]
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect_ro(self.path)
            self._local.conn = conn
        return conn

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ coordinates, or None when the set has none there."""
        if z < 0 or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
            return None
        row = self._conn().execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
            (z, x, (2 ** z - 1) - y)).fetchone()
        return bytes(row[0]) if row else None

    def export(self, dest: str | Path) -> int:
        """Write every tile as ``dest/z/x/y.<format>`` (XYZ order); returns the count."""
        dest = Path(dest)
        count = 0
        for z, x, tms_y, data in self._conn().execute(
                "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
            folder = dest / str(z) / str(x)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{(2 ** z - 1) - tms_y}.{self.info.format}").write_bytes(bytes(data))
            count += 1
        return count

