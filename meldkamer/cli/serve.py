"""``meldkamer serve``: the workstation runtime without a window.

Runs what a workstation runs on its own (the change feed, unit status timers, SQLite
checkpoints, the configured radio gateways) and prints each event as it happens, until
Ctrl+C or SIGTERM. For a gateway PC without a screen, for technicians watching a link,
and for scripts that want the same clock as the workstation.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from meldkamer.cli.commands import _emit
from meldkamer.i18n import tr


def add_commands(sub: Any, cmd: Any) -> None:
    p = cmd(sub, "serve", "run the workstation runtime headless (radio, timers, change feed)")
    p.add_argument("--no-gateways", action="store_true",
                   help="do not open the gateways configured in settings.toml")
    p.add_argument("--for", dest="seconds", type=float, default=None, metavar="SECONDS",
                   help="stop after this many seconds (default: run until Ctrl+C)")
    p.set_defaults(func=serve)


def serve(args: argparse.Namespace) -> int:
    import sys

    from meldkamer.events import DomainEvent
    from meldkamer.radio import usable_configs
    from meldkamer.runtime import Runtime
    from meldkamer.settings import Settings

    configs: list[Any] = []
    if not args.no_gateways:
        configs, problems = usable_configs(Settings().gateways())
        for problem in problems:
            print("meldkamer: " + tr("{problem} (gateway skipped)", problem=problem),
                  file=sys.stderr)
    runtime = Runtime.open(getattr(args, "db", None), user=getattr(args, "user", None),
                           training=getattr(args, "training", False), gateways=configs)
    from meldkamer.cli.login import establish

    try:
        establish(runtime.core, args)
    except BaseException:
        runtime.core.close()
        raise
    stop = threading.Event()

    def show(event: DomainEvent) -> None:
        data = {"type": event.type_name, "seq": event.seq, **event.payload()}
        rest = " ".join(f"{k}={v}" for k, v in event.payload().items())
        _emit(args, data, f"{event.type_name:<18} {rest}", stream=True)

    runtime.core.bus.subscribe(show)
    previous = {s: signal.signal(s, lambda *_: stop.set())
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        runtime.start()
        print("meldkamer: " + tr("runtime started on {database} ({count} gateways; jobs: "
                                 "{jobs})", database=runtime.core.store.safe_url,
                                 count=len(configs), jobs=", ".join(runtime.job_ids())),
              file=sys.stderr, flush=True)
        stop.wait(args.seconds)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        runtime.stop()
    return 0
