"""The imported map data: one SQLite file of OSM features and an MBTiles file beside it.

Layout of a geodata folder::

    geodata.sqlite3   roads, addresses, places, road graph (nodes, edges), import metadata
    tiles.mbtiles     the imported raster tiles, copied in as they are

Every import builds into a temporary file in the same folder and moves it into place
with ``os.replace``: a failed or interrupted import leaves the previous data usable.
Functions take either the folder or the ``geodata.sqlite3`` path.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maps import tiles as tilesets
from maps.errors import MapDataError

if TYPE_CHECKING:
    from maps.osm import Progress

DB_NAME = "geodata.sqlite3"
TILES_NAME = "tiles.mbtiles"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE roads (
    id INTEGER PRIMARY KEY, osm_id INTEGER NOT NULL, name TEXT, class TEXT NOT NULL,
    island TEXT, geometry TEXT NOT NULL, oneway INTEGER NOT NULL DEFAULT 0);
CREATE TABLE addresses (
    id INTEGER PRIMARY KEY, street TEXT NOT NULL, housenumber TEXT NOT NULL,
    lat REAL NOT NULL, lon REAL NOT NULL, island TEXT, osm_type TEXT, osm_id INTEGER);
CREATE TABLE places (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
    lat REAL NOT NULL, lon REAL NOT NULL, island TEXT, osm_id INTEGER);
CREATE TABLE nodes (id INTEGER PRIMARY KEY, lat REAL NOT NULL, lon REAL NOT NULL);
CREATE TABLE edges (
    src INTEGER NOT NULL, dst INTEGER NOT NULL, metres REAL NOT NULL,
    class TEXT NOT NULL, oneway INTEGER NOT NULL);
CREATE INDEX roads_name ON roads (name);
CREATE INDEX addresses_street ON addresses (street, housenumber);
"""


def db_file(path: str | Path) -> Path:
    """The geodata.sqlite3 path for a folder or a database path."""
    path = Path(path)
    return path / DB_NAME if path.is_dir() or not path.suffix else path


def tiles_file(path: str | Path) -> Path:
    """The tiles.mbtiles path beside a geodata database (or in a folder)."""
    return db_file(path).with_name(TILES_NAME)


@contextlib.contextmanager
def connect(path: str | Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to an imported geodata database."""
    db = db_file(path)
    if not db.is_file():
        raise MapDataError(f"no map data imported yet ({db} does not exist)")
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise MapDataError(f"{db} is damaged or not a geodata database: {exc}") from exc
    if not version or int(version[0]) != SCHEMA_VERSION:
        conn.close()
        raise MapDataError(f"{db} has an unknown schema; import the map data again")
    try:
        yield conn
    finally:
        conn.close()


def _temp_beside(target: Path, suffix: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=suffix, dir=target.parent)
    os.close(fd)
    return Path(name)


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def import_osm(path: str | Path, db_path: str | Path,
               progress: Progress | None = None) -> dict[str, Any]:
    """Import an OSM extract into ``db_path``, replacing the previous import atomically.

    Args:
        progress: called now and then with a phase name and a running object count.

    Returns the new ``info()``. Raises MapDataError, leaving the old import in place,
    when the file is missing, damaged or truncated.
    """
    source = Path(path)
    target = db_file(db_path)
    from maps.osm import read_osm  # pyosmium: only an import needs it (30 ms to load)

    data = read_osm(source, progress)
    tmp = _temp_beside(target, ".importing")
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.executescript(SCHEMA)
            if progress is not None:
                progress("writing", data.objects)
            conn.executemany("INSERT INTO roads (osm_id, name, class, island, geometry, "
                             "oneway) VALUES (?, ?, ?, ?, ?, ?)", data.roads)
            conn.executemany("INSERT INTO addresses (street, housenumber, lat, lon, island, "
                             "osm_type, osm_id) VALUES (?, ?, ?, ?, ?, ?, ?)", data.addresses)
            conn.executemany("INSERT INTO places (name, kind, lat, lon, island, osm_id) "
                             "VALUES (?, ?, ?, ?, ?, ?)", data.places)
            conn.executemany("INSERT INTO nodes (id, lat, lon) VALUES (?, ?, ?)",
                             ((k, v[0], v[1]) for k, v in data.nodes.items()))
            conn.executemany("INSERT INTO edges (src, dst, metres, class, oneway) "
                             "VALUES (?, ?, ?, ?, ?)", data.edges)
            stat = source.stat()
            meta = {
                "schema_version": str(SCHEMA_VERSION),
                "osm_source": str(source.resolve()),
                "osm_source_size": str(stat.st_size),
                "osm_imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "osm_counts": json.dumps({
                    "roads": len(data.roads), "addresses": len(data.addresses),
                    "places": len(data.places), "nodes": len(data.nodes),
                    "edges": len(data.edges)}),
            }
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
            conn.commit()
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise MapDataError(f"the new map database failed its check: {check}")
        finally:
            conn.close()
        _fsync(tmp)
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise MapDataError(f"cannot write the map database {target}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    if progress is not None:
        progress("done", data.objects)
    return info(target)


def import_mbtiles(path: str | Path, db_dir: str | Path) -> dict[str, Any]:
    """Validate an MBTiles file and copy it in as the tile source, atomically.

    Raises MapDataError, keeping the previous tiles, when the file is not a usable
    png/jpg MBTiles set. Returns the new ``info()``.
    """
    source = Path(path)
    tilesets.validate(source)
    target = tiles_file(db_dir)
    tmp = _temp_beside(target, ".importing")
    try:
        shutil.copyfile(source, tmp)
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS meldkamer_import "
                         "(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.executemany(
                "INSERT OR REPLACE INTO meldkamer_import (key, value) VALUES (?, ?)",
                [("source", str(source.resolve())),
                 ("imported_at", datetime.now(UTC).isoformat(timespec="seconds"))])
            conn.commit()
        finally:
            conn.close()
        tilesets.validate(tmp)
        _fsync(tmp)
        os.replace(tmp, target)
    except (sqlite3.Error, OSError) as exc:
        raise MapDataError(f"cannot copy {source.name} into {target.parent}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return info(target.parent)


def info(db_path: str | Path) -> dict[str, Any]:
    """What is imported: OSM source, time and counts; tile set, source, time and count."""
    db = db_file(db_path)
    out: dict[str, Any] = {"path": str(db.parent), "osm": None, "tiles": None}
    if db.is_file():
        with connect(db) as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        out["osm"] = {"source": meta.get("osm_source"),
                      "imported_at": meta.get("osm_imported_at"),
                      **json.loads(meta.get("osm_counts", "{}"))}
    tiles = db.with_name(TILES_NAME)
    if tiles.is_file():
        ts = tilesets.validate(tiles)
        conn = sqlite3.connect(f"{tiles.resolve().as_uri()}?mode=ro", uri=True)
        try:
            imported = dict(conn.execute("SELECT key, value FROM meldkamer_import").fetchall())
        except sqlite3.Error:
            imported = {}
        finally:
            conn.close()
        out["tiles"] = {"source": imported.get("source"),
                        "imported_at": imported.get("imported_at"), "name": ts.name,
                        "format": ts.format, "count": ts.count, "min_zoom": ts.min_zoom,
                        "max_zoom": ts.max_zoom, "bounds": ts.bounds}
    return out


def has_osm(db_path: str | Path | None) -> bool:
    return db_path is not None and db_file(db_path).is_file()


def has_tiles(db_path: str | Path | None) -> bool:
    return db_path is not None and tiles_file(db_path).is_file()


def roads_geojson(db_path: str | Path, island: str | None = None,
                  named_only: bool = False) -> dict[str, Any]:
    """Roads as a GeoJSON FeatureCollection (properties: name, class) for the map."""
    sql = "SELECT name, class, geometry FROM roads"
    clauses, args = [], []
    if island:
        clauses.append("island = ?")
        args.append(island)
    if named_only:
        clauses.append("name IS NOT NULL")
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    features = []
    with connect(db_path) as conn:
        for name, cls, geometry in conn.execute(sql, args):
            coords = [[lon, lat] for lat, lon in json.loads(geometry)]
            features.append({"type": "Feature", "properties": {"name": name, "class": cls},
                             "geometry": {"type": "LineString", "coordinates": coords}})
    return {"type": "FeatureCollection", "features": features}

