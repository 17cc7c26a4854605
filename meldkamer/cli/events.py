"""``meldkamer events``: the change feed, as stored, or live with ``--follow``.

Prints every shared change event (any workstation's) one line each, for people or one
JSON object per line with ``--json``. Without ``--follow`` it prints what is stored after
``--since SEQ`` and exits; with it, it keeps printing as changes are committed, until
Ctrl+C (exit 0) or a closed pipe. On PostgreSQL it waits on LISTEN/NOTIFY
(``meldkamer.services.listen``), on SQLite it polls the file.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

from meldkamer.cli.commands import _emit
from meldkamer.i18n import tr

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer
    from meldkamer.events import DomainEvent
    from meldkamer.services.changes import Cursor

POLL_S = 0.25  # SQLite, and PostgreSQL's fallback while the listener is down
FALLBACK_S = 5.0  # PostgreSQL while the listener is live


def _seq(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("{text!r} is not a whole number", text=text)) \
            from None
    if value < 0:
        raise argparse.ArgumentTypeError(tr("{value} is out of range (0 or more)", value=value))
    return value


def add_commands(sub: Any, cmd: Any) -> None:
    p = cmd(sub, "events", "print change events (every workstation's), or follow them live")
    p.add_argument("--follow", "-f", action="store_true",
                   help="keep printing changes as they are committed, until Ctrl+C")
    p.add_argument("--since", type=_seq, default=None, metavar="SEQ",
                   help="start after this audit sequence (default: everything stored, or "
                        "with --follow only what comes next)")
    p.set_defaults(func=events)


def _show(args: argparse.Namespace, origin: str, event: DomainEvent) -> None:
    payload = event.payload()
    data = {"seq": event.seq, "type": event.type_name, "origin": origin, **payload}
    rest = " ".join(f"{k}={v}" for k, v in payload.items())
    _emit(args, data, f"{event.seq:>8}  {event.type_name:<18} {rest}", stream=True)


class _Follower:
    """Reads the feed from a cursor and prints it; one read at a time."""

    def __init__(self, core: Meldkamer, args: argparse.Namespace, cursor: Cursor) -> None:
        self.core = core
        self.args = args
        self.cursor = cursor
        self.failed: BaseException | None = None
        self.wake = threading.Event()
        self._lock = threading.Lock()

    def read(self) -> None:
        from meldkamer.services.changes import changes_since

        with self._lock:
            while True:
                before = self.cursor
                rows, self.cursor = changes_since(self.core, before)
                for origin, event in rows:
                    _show(self.args, origin, event)
                if self.cursor == before or not rows:
                    return

    def notified(self) -> None:
        """From the listener's thread: read now (a broken pipe stops the command)."""
        try:
            self.read()
        except BrokenPipeError as exc:
            self.failed = exc
            self.wake.set()


def events(args: argparse.Namespace) -> int:
    from meldkamer.cli.commands import _core
    from meldkamer.services.changes import latest_cursor

    core = _core(args)
    try:
        if args.since is not None:
            # After every row of that sequence; never past the newest (the feed reads a
            # cursor ahead of it as a reset database, from its start).
            start: Cursor = min((args.since, 2**31 - 1), latest_cursor(core))
        elif args.follow:
            start = latest_cursor(core)
        else:
            start = (0, 0)
        follower = _Follower(core, args, start)
        follower.read()
        if not args.follow:
            return 0
        return _follow(core, follower)
    finally:
        core.close()


def _follow(core: Meldkamer, follower: _Follower) -> int:
    from meldkamer.errors import MeldkamerError
    from meldkamer.services.listen import ChangeListener

    stop = follower.wake
    listener: ChangeListener | None = None
    if core.store.dialect == "postgresql":
        listener = ChangeListener(core.store.url, follower.notified,
                                  name="meldkamer-events").start()
        listener.wait_live(5.0)
    previous = {s: signal.signal(s, lambda *_: stop.set())
                for s in (signal.SIGINT, signal.SIGTERM)}
    print("meldkamer: " + tr("following changes on {database} (Ctrl+C to stop)",
                             database=core.store.safe_url), file=sys.stderr, flush=True)
    try:
        while not stop.is_set():
            live = listener is not None and listener.live
            if stop.wait(FALLBACK_S if live else POLL_S):
                break
            try:
                follower.read()
            except MeldkamerError as exc:  # the database briefly away: say so, go on
                print(f"meldkamer: {exc}", file=sys.stderr, flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if listener is not None:
            listener.stop()
    if follower.failed is not None:
        raise follower.failed
    return 0
