"""``meldkamer export incidents``: incidents with their calls, units and log as CSV or JSON,
optionally redacted (meldkamer/exchange/incidents.py says what that removes). The
``export`` group itself belongs to meldkamer/cli/exchange.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from meldkamer.i18n import N_, tr


def add_export_incidents(export_sub: Any, cmd: Any) -> None:
    """Register ``incidents`` on the ``export`` group's subparsers."""
    p = cmd(export_sub, "incidents", "incidents of a period (or one) with their calls, units "
                                     "and log, as CSV or JSON; --redact removes personal data")
    p.add_argument("--from", dest="start", metavar="DATE",
                   help="first local day (YYYY-MM-DD), or a time with its UTC offset")
    p.add_argument("--to", dest="end", metavar="DATE",
                   help="last local day, included (YYYY-MM-DD), or a time with its UTC "
                        "offset (excluded)")
    p.add_argument("--number", metavar="N", help="only this incident")
    p.add_argument("--redact", action="store_true",
                   help="remove callers' names and numbers, free text, addresses and logins; "
                        "round positions to about 110 m")
    p.add_argument("--format", dest="fmt", choices=["csv", "json"], required=True)
    p.add_argument("--out", metavar="FILE", help="write here (default: print it)")
    p.set_defaults(func=export_incidents)


def export_incidents(args: argparse.Namespace) -> int:
    from meldkamer.cli.commands import _core
    from meldkamer.errors import InvalidInput
    from meldkamer.exchange import incidents as ex

    start = ex.moment(args.start) if args.start else None
    end = ex.moment(args.end, end=True) if args.end else None
    if (start is None) != (end is None):
        raise InvalidInput(N_("give both --from and --to"))
    if args.out:
        from meldkamer.files import output_file

        output_file(args.out)
    if args.out and not Path(args.out).resolve().parent.is_dir():
        raise InvalidInput(N_("cannot write {path} ({error})"), path=args.out,
                           error=tr("no such folder"))
    core = _core(args)
    try:
        doc = ex.collect(core, start=start, end=end, number=args.number, redact=args.redact)
    finally:
        core.close()
    text = ex.to_json(doc) if args.fmt == "json" else ex.to_csv(doc)
    if not args.out:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise InvalidInput(N_("cannot write {path} ({error})"), path=args.out,
                           error=exc.strerror or str(exc)) from None
    print(tr("{path}: {count} incidents", path=args.out, count=len(doc["incidents"])),
          file=sys.stderr)
    return 0
