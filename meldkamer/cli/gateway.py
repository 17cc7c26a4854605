"""``meldkamer gateway ...``: technician tools for radio and serial links."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

from meldkamer.cli.commands import _emit
from meldkamer.errors import InvalidInput, LinkProblem
from meldkamer.i18n import tr


def add_commands(sub: Any, cmd: Any) -> None:
    gw = cmd(sub, "gateway", "radio and serial gateways: tests and tools for technicians")
    g = gw.add_subparsers(dest="gw_cmd", required=True)
    p = cmd(g, "loopback", "test a port with a loopback plug (or loop://): errors, latency, "
                           "throughput")
    p.add_argument("url")
    p.add_argument("--baud", type=int, default=115200)
    p.add_argument("--bytes", type=int, default=65536, dest="nbytes")
    p.add_argument("--pattern", choices=["prbs9", "prbs15"], default="prbs9")
    p.set_defaults(func=loopback)
    p = cmd(g, "monitor", "show what a radio or GPS receiver sends, decoded, until Ctrl+C")
    p.add_argument("url")
    p.add_argument("--protocol", choices=["pei", "nmea"], required=True)
    p.add_argument("--baud", type=int)
    p.set_defaults(func=monitor)
    p = cmd(g, "decode", "decode a capture file: one JSON object per message, then a summary")
    p.add_argument("file")
    p.add_argument("--protocol", choices=["pei", "nmea"], required=True)
    p.set_defaults(func=decode)
    p = cmd(g, "simulate", "run a simulated radio network for the units in the database")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--pty", action="store_true", help="on a new pty pair (the default)")
    where.add_argument("url", nargs="?", help="a port or pyserial URL, or listen://HOST:PORT")
    p.add_argument("--units", type=int, default=10, help="how many units (with an ISSI)")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between positions")
    p.add_argument("--status-interval", type=float, default=20.0,
                   help="seconds between status changes (0: none)")
    p.set_defaults(func=simulate)


def check_port(url: str) -> None:
    """Refuse a port URL pyserial cannot even parse, before any thread starts."""
    if url.startswith("listen://"):
        port = url[len("listen://"):].rpartition(":")[2]
        if not (port.isdigit() and 0 < int(port) < 65536):
            raise InvalidInput("{url}: give listen://HOST:PORT with a port from 1 to 65535",
                               url=url)
        return
    import serial

    try:
        serial.serial_for_url(url, do_not_open=True)
    except (ValueError, serial.SerialException) as exc:
        raise LinkProblem("{url} is not a port this machine can open: {error}", url=url,
                          error=exc) from exc


def loopback(args: argparse.Namespace) -> int:
    from hardware.tools import loopback as run

    if args.nbytes < 1 or args.nbytes > 64 * 1024 * 1024:
        raise InvalidInput("--bytes must be between 1 and 67108864")

    def progress(fraction: float) -> None:
        if not getattr(args, "json", False):
            print(f"\r{fraction * 100:5.1f} %", end="", file=sys.stderr, flush=True)

    try:
        result = run(args.url, baud=args.baud, nbytes=args.nbytes, pattern=args.pattern,
                     progress=progress)
    except (OSError, ValueError) as exc:
        raise LinkProblem("cannot test {url}: {error}", url=args.url, error=exc) from exc
    if not getattr(args, "json", False):
        print(file=sys.stderr)
    data = result.to_dict()
    data["passed"] = result.passed
    lines = [f"{k:<16} {v}" for k, v in data.items() if k not in ("errors",)]
    lines += [f"problem          {e}" for e in result.errors]
    _emit(args, data, "\n".join(lines))
    return 0 if result.passed else LinkProblem.exit_code


def monitor(args: argparse.Namespace) -> int:
    from hardware.tools import monitor as run

    check_port(args.url)
    stop = threading.Event()

    def emit(event: dict[str, Any]) -> None:
        kind = event.get("type", "event")
        rest = " ".join(f"{k}={v}" for k, v in event.items() if k not in ("type",))
        _emit(args, event, f"{kind:<20} {rest}", stream=True)

    try:
        run(args.url, args.protocol, emit, stop, baudrate=args.baud)
    except KeyboardInterrupt:
        stop.set()
    except (OSError, ValueError) as exc:
        raise LinkProblem("cannot monitor {url}: {error}", url=args.url, error=exc) from exc
    return 0


def decode(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hardware.tools import decode_capture

    path = Path(args.file)
    if not path.is_file():
        raise InvalidInput("{path} is not a file", path=str(path))
    try:
        for item in decode_capture(path, args.protocol):
            print(json.dumps(item, ensure_ascii=False, default=str), flush=True)
    except OSError as exc:
        raise InvalidInput("cannot read {path}: {error}", path=str(path),
                           error=exc.strerror) from exc
    return 0


def simulate(args: argparse.Namespace) -> int:
    from hardware.simulator import RadioSimulator
    from meldkamer.cli.commands import _core

    core = _core(args)
    units = [u for u in core.units.list_units() if u.issi is not None][: max(1, args.units)]
    if not units:
        raise InvalidInput("no units with a radio ISSI; load the demo roster first")
    plan = core.ref.radio
    # Free units report "at station" and "mobile": always legal, so the board visibly moves.
    values = [plan.value_of(s.radio) for s in core.ref.statuses.values() if s.available]
    url = None if args.pty or not args.url else args.url
    if url is not None:
        check_port(url)
    from hardware.tools import run_simulator

    try:
        sim: RadioSimulator = run_simulator(
            url, [(u.issi, u.lat or 0.0, u.lon or 0.0) for u in units if u.issi],
            interval=args.interval or None,
            status_interval=args.status_interval or None)
    except (OSError, ValueError, OverflowError) as exc:
        raise LinkProblem("cannot start the simulator: {error}", error=exc) from exc
    sim.status_values = tuple(values)
    where = sim.pty_path or url
    _emit(args, {"pty": sim.pty_path, "url": url, "units": [u.callsign for u in units]},
          tr("simulated radio network on {where} for {count} units ({callsigns}); configure "
             "a gateway with url = \"{where}\", protocol = \"pei\" and simulator = true "
             "(its messages are then logged as the simulator's); Ctrl+C stops",
             where=where, count=len(units), callsigns=", ".join(u.callsign for u in units)))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0
