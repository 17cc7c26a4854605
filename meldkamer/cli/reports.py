"""``meldkamer report``: reports read from the incident store (``report kpi``, ...).

Other report commands join the group through ``add_commands``'s ``report_sub``.
"""

from __future__ import annotations

import argparse
import csv
import io
from typing import Any

from meldkamer.cli.commands import _core, _emit, _table
from meldkamer.i18n import tr


def add_commands(sub: Any, cmd: Any) -> Any:
    """Add the ``report`` group; returns its subparsers for other report commands."""
    report_sub = cmd(sub, "report", "reports: response times, shifts").add_subparsers(
        dest="report_cmd", required=True)
    p = cmd(report_sub, "kpi", "response-time figures per island, discipline and priority, "
                               "with the targets (NFPA 1225, ambulance A1, police priority 1)")
    p.add_argument("--from", dest="start", required=True, metavar="DATE",
                   help="first local date, YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, metavar="DATE",
                   help="last local date, YYYY-MM-DD (included)")
    p.add_argument("--island", help="BO, SE or SA (default: all)")
    p.add_argument("--discipline", help="police, fire, ambulance, kmar, coastguard")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=report_kpi)
    from meldkamer.cli.shift import add_shift

    add_shift(report_sub, cmd)
    return report_sub


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes}:{seconds:02d}"


def report_kpi(args: argparse.Namespace) -> int:
    from meldkamer.errors import InvalidInput
    from meldkamer.reports import kpi

    start = kpi.parse_date(args.start, tr("start date"))
    end = kpi.parse_date(args.end, tr("end date"))
    kpi.utc_bounds(start, end)  # a period that ends before it starts: before opening
    core = _core(args)
    try:
        island = core.ref.island(args.island).code if args.island else None
        discipline = None
        if args.discipline:
            discipline = args.discipline.strip().lower()
            if discipline not in core.ref.disciplines:
                raise InvalidInput("unknown discipline {code!r}; use one of {codes}",
                                   code=args.discipline,
                                   codes=", ".join(core.ref.disciplines))
        with core.store.read() as session:
            report = kpi.compute(session, start, end, island=island, discipline=discipline)
    finally:
        core.close()
    data = report.as_data()
    if args.format == "json" or getattr(args, "json", False):
        args.json = True
        _emit(args, data, "")
        return 0
    header = [tr("Island"), tr("Discipline"), tr("Priority"), tr("Interval"), tr("Count"),
              tr("Missing"), tr("Median"), "P90", "P95"]
    interval_names = {"processing": tr("processing"), "travel": tr("dispatch to scene"),
                      "total": tr("call to scene")}

    def discipline_name(code: str) -> str:
        found = core.ref.disciplines.get(code)
        return found.name() if found else tr("not dispatched")

    if args.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["island", "discipline", "priority", "interval", "count", "missing",
                         "median_s", "p90_s", "p95_s"])
        for f in report.figures:
            writer.writerow([f.island, f.discipline, f.priority, f.interval, f.count,
                             f.missing, f.median, f.p90, f.p95])
        print(out.getvalue(), end="")
        return 0
    rows = [[f.island, discipline_name(f.discipline), str(f.priority),
             interval_names[f.interval], str(f.count), str(f.missing), _seconds(f.median),
             _seconds(f.p90), _seconds(f.p95)] for f in report.figures]
    lines = [tr("Response times {start} to {end} ({count} incidents)",
                start=start.isoformat(), end=end.isoformat(), count=report.incidents)]
    lines.append(_table(rows, header) if rows else tr("No incidents in this period."))
    if report.results:
        lines.append("")
        names = {t.code: t.name() for t in report.targets}
        trows = [[names.get(r.target, r.target), r.island, str(r.count),
                  "-" if r.share is None else f"{r.share * 100:.1f}%",
                  f"{r.required * 100:.0f}%",
                  "-" if r.ok is None else (tr("met") if r.ok else tr("not met")),
                  str(r.missing)] for r in report.results]
        lines.append(_table(trows, [tr("Target"), tr("Island"), tr("Count"), tr("Share"),
                                    tr("Required"), tr("Result"), tr("Missing")]))
    print("\n".join(lines))
    return 0
