"""``meldkamer report shift``: the shift report as PDF (through the UI's ``pdf`` frontend)
and CSV. The ``report`` group itself belongs to meldkamer/cli/reports.py."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from meldkamer.i18n import N_, language, tr


def add_shift(report_sub: Any, cmd: Any) -> None:
    """Register ``shift`` on the ``report`` group's subparsers."""
    p = cmd(report_sub, "shift", "the shift report of a day (or its day or night shift): "
                                 "incidents, units, notable events, handed over; PDF and CSV")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD",
                   help="the shift's local date (UTC-4); a night shift ends the next morning")
    p.add_argument("--shift", choices=["day", "night"],
                   help="day 07:00-19:00 or night 19:00-07:00 (default: the whole day, "
                        "00:00-24:00)")
    p.add_argument("--pdf", metavar="OUT.pdf", help="write the report as a PDF (A4)")
    p.add_argument("--csv", metavar="OUT.csv", help="write one row per incident as CSV")
    p.add_argument("--island", help="only this island's incidents (BO, SE or SA)")
    p.add_argument("--redact", action="store_true",
                   help="leave out personal data (addresses, what people typed in the log), "
                        "to share the report beyond the control room")
    p.set_defaults(func=report_shift)


def _folder(path: str, what: str) -> None:
    import errno
    import os

    from meldkamer.errors import InvalidInput

    if not Path(path).resolve().parent.is_dir():
        raise InvalidInput(N_("cannot write {path} ({error})"), path=path,
                           error=os.strerror(errno.ENOENT))
    if what == "pdf" and Path(path).suffix.lower() != ".pdf":
        raise InvalidInput(N_("cannot write the report {path}: the name must end in .pdf"),
                           path=path)


def report_shift(args: argparse.Namespace) -> int:
    """Collect the shift, then write what was asked for (the PDF through the UI)."""
    from meldkamer.cli.commands import _core, _emit, frontend
    from meldkamer.errors import InvalidInput, MeldkamerError
    from meldkamer.reports import shift

    day = shift.parse_day(args.date)
    if not args.pdf and not args.csv:
        raise InvalidInput(N_("say where to write the report: --pdf OUT.pdf and/or "
                              "--csv OUT.csv"))
    to_pdf = None
    if args.pdf:
        _folder(args.pdf, "pdf")
        to_pdf = frontend("pdf")
        if to_pdf is None:
            raise MeldkamerError(N_("a PDF report needs the workstation UI (QtWebEngine), "
                                    "which is not installed (no 'pdf' frontend); write "
                                    "--csv instead"))
    if args.csv:
        _folder(args.csv, "csv")
    lang = getattr(args, "lang", None) or shift.DEFAULT_LANGUAGE
    core = _core(args)
    try:
        report = shift.collect(core, day, args.shift, island=args.island)
        if args.redact:
            report = shift.redacted(report)
        ref = core.ref
    finally:
        core.close()
    data: dict[str, Any] = {
        "date": day.isoformat(), "shift": args.shift,
        "start": report.window.start.isoformat(), "end": report.window.end.isoformat(),
        "island": report.island, "incidents": len(report.created),
        "handed_over": len(report.handed_over), "notable": len(report.notable),
        "units": len(report.units)}
    if args.csv:
        shift.write_csv(report, ref, args.csv, lang=lang)
        data["csv"] = args.csv
    if to_pdf is not None:
        to_pdf(shift.render_html(report, ref, lang=lang), args.pdf)
        data["pdf"] = args.pdf
    _emit(args, data, tr("{title}: {incidents} incidents, {handed} handed over, {notable} "
                         "notable events; written: {files}",
                         title=shift.title(report, lang=language()),
                         incidents=data["incidents"], handed=data["handed_over"],
                         notable=data["notable"],
                         files=", ".join(f for f in (args.pdf, args.csv) if f)))
    return 0
