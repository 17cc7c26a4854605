"""``meldkamer maps ...`` and ``meldkamer geocode``: offline map data for technicians."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from dataclasses import asdict
from typing import Any

from meldkamer.cli.commands import _emit
from meldkamer.domain.lookup import NOT_FOUND, SearchNote
from meldkamer.errors import InvalidInput, MapProblem, NotFound
from meldkamer.i18n import tr


def add_commands(sub: Any, cmd: Any) -> None:
    m = cmd(sub, "maps", "offline maps: render pages, import OpenStreetMap and tiles")
    g = m.add_subparsers(dest="maps_cmd", required=True)
    p = cmd(g, "render", "write the standalone offline map page with its assets beside it")
    p.add_argument("out", metavar="OUT.html")
    p.add_argument("--island", help="BO, SE or SA (the page opens there)")
    p.set_defaults(func=render)
    p = cmd(g, "import-osm", "import roads, addresses and places from an .osm or .osm.pbf file")
    p.add_argument("file")
    p.set_defaults(func=import_osm)
    p = cmd(g, "import-tiles", "import raster tiles (.mbtiles) for the map background")
    p.add_argument("file")
    p.set_defaults(func=import_tiles)
    cmd(g, "info", "what map data is imported, from where, when").set_defaults(func=info)
    p = cmd(sub, "geocode", "find an address, street or place (or what is at a coordinate); "
                            "nothing found exits 3 and says why")
    p.add_argument("query", nargs="?", help='e.g. "kaya grandi 12"')
    p.add_argument("--island", help="BO, SE or SA")
    p.add_argument("--reverse", metavar="LAT,LON", help="what is at this coordinate")
    p.add_argument("--limit", type=int, default=5)
    p.set_defaults(func=geocode)


def _core(args: argparse.Namespace) -> Any:
    from meldkamer.cli.commands import _core as core

    return core(args)


def render(args: argparse.Namespace) -> int:
    from maps import geodata
    from maps.errors import MapDataError
    from maps.page import render as write
    from meldkamer.files import output_file
    from meldkamer.geo import geodata_dir, place_dicts, station_dicts

    out = output_file(args.out, suffixes=(".html", ".htm"))
    core = _core(args)
    island = core.ref.island(args.island).code if args.island else core.ref.home_island
    where = geodata_dir()
    try:
        roads = geodata.roads_geojson(where) if geodata.has_osm(where) else None
        tiles = geodata.tiles_file(where) if geodata.has_tiles(where) else None
        path = write(out, island=island, places=place_dicts(core),
                     stations=station_dicts(core), tiles=tiles, roads=roads)
    except (MapDataError, OSError, ValueError, sqlite3.Error) as exc:
        raise MapProblem("cannot write {out}: {error}", out=args.out, error=exc) from exc
    _emit(args, {"page": str(path), "island": island},
          tr("wrote {path} (island {island})", path=path, island=island))
    return 0


def _regular(path: str) -> None:
    """Map data files are read by maps/ (no project imports there): check them first, so a
    FIFO or a device is refused instead of hanging the import."""
    import os

    from meldkamer.files import MAP_DATA_LIMIT, open_regular

    os.close(open_regular(path, MAP_DATA_LIMIT))


def import_osm(args: argparse.Namespace) -> int:
    from maps import geodata
    from maps.errors import MapDataError
    from meldkamer.geo import geodata_dir

    _regular(args.file)

    last = {"phase": ""}

    def progress(phase: str, count: int) -> None:
        if not getattr(args, "json", False):
            end = "\n" if phase != last["phase"] and last["phase"] else ""
            print(f"{end}\r{phase:<8} {count:>10,}", end="", file=sys.stderr, flush=True)
        last["phase"] = phase

    try:
        result = geodata.import_osm(args.file, geodata_dir(), progress=progress)
    except (MapDataError, OSError) as exc:
        raise MapProblem("{error}; the previous map data is still in use", error=exc) from exc
    if not getattr(args, "json", False):
        print(file=sys.stderr)
    osm = result.get("osm") or {}
    _emit(args, result, tr("imported {file}: {roads} roads, {addresses} addresses, {places} "
                           "places", file=args.file, roads=osm.get("roads", 0),
                           addresses=osm.get("addresses", 0), places=osm.get("places", 0)))
    return 0


def import_tiles(args: argparse.Namespace) -> int:
    from maps import geodata
    from maps.errors import MapDataError
    from meldkamer.geo import geodata_dir

    _regular(args.file)
    try:
        result = geodata.import_mbtiles(args.file, geodata_dir())
    except (MapDataError, OSError) as exc:
        raise MapProblem("{error}; the previous tiles are still in use", error=exc) from exc
    tiles = result.get("tiles") or {}
    _emit(args, result, tr("imported {file}: {count} tiles, zoom {min_zoom}-{max_zoom}",
                           file=args.file, count=tiles.get("count", 0),
                           min_zoom=tiles.get("min_zoom"), max_zoom=tiles.get("max_zoom")))
    return 0


def info(args: argparse.Namespace) -> int:
    from maps import geodata
    from maps.errors import MapDataError
    from meldkamer.geo import geodata_dir

    try:
        data = geodata.info(geodata_dir())
    except (MapDataError, OSError, sqlite3.Error, KeyError, ValueError) as exc:
        raise MapProblem("the imported map data cannot be read: {error}", error=exc) from exc
    osm, tiles = data.get("osm"), data.get("tiles")
    lines = [f"geodata   {data.get('path')}"]
    lines.append("osm       " + tr("none imported (straight-line estimates, shipped places "
                                   "only)")
                 if not osm else
                 f"osm       {osm.get('source')} imported {osm.get('imported_at')}: "
                 f"{osm.get('roads')} roads, {osm.get('addresses')} addresses, "
                 f"{osm.get('places')} places, {osm.get('nodes')} nodes, "
                 f"{osm.get('edges')} edges")
    lines.append("tiles     " + tr("none imported (island outlines only)") if not tiles else
                 f"tiles     {tiles.get('source')} imported {tiles.get('imported_at')}: "
                 f"{tiles.get('count')} tiles, zoom {tiles.get('min_zoom')}-"
                 f"{tiles.get('max_zoom')}")
    _emit(args, data, "\n".join(lines))
    return 0


def _not_found(args: argparse.Namespace, note: SearchNote) -> int:
    """Nothing found: the reason the intake shows too, exit 3; ``--json`` adds its code."""
    error = NotFound(note.template, **note.fields)
    if not getattr(args, "json", False):
        raise error
    print(f"meldkamer: {error}", file=sys.stderr)
    print(json.dumps({"error": {"kind": error.kind, "reason": note.code,
                                "message": str(error)}}, ensure_ascii=False))
    return error.exit_code


def geocode(args: argparse.Namespace) -> int:
    core = _core(args)
    if args.reverse:
        try:
            lat_text, lon_text = args.reverse.replace(" ", "").split(",")
        except ValueError:
            raise InvalidInput("--reverse takes LAT,LON, e.g. 12.15,-68.27") from None
        from meldkamer.domain import validate

        lat, lon = validate.coordinate(lat_text, lon_text)
        match = core.geo.gazetteer.nearest(lat, lon)
        data = asdict(match) if match else None
        _emit(args, data, tr("nothing known near that point") if match is None else
              f"{match.name} ({match.kind}, {match.island}) {match.distance_m:.0f} m")
        return 0
    if not args.query or not args.query.strip():
        raise InvalidInput("give something to look for, e.g. \"kaya grandi 12\"")
    island = core.ref.island(args.island).code if args.island else None
    matches = core.geo.gazetteer.search(args.query, island=island,
                                        limit=max(1, min(args.limit, 50)))
    if not matches:
        return _not_found(args, core.geo.explain(args.query) or SearchNote(NOT_FOUND,
                                                                          args.query))
    rows = [f"{m.score:5.1f}  {m.name:<40} {m.kind:<10} {m.island or '-':<3} "
            f"{m.lat:.6f}, {m.lon:.6f}" for m in matches]
    _emit(args, [asdict(m) for m in matches], "\n".join(rows))
    return 0
