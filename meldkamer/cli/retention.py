"""``meldkamer retention run``: the privacy pass by hand (the runtime also runs it daily).

Without ``--dry-run`` it is the ``retention.run`` command (an administrator's); with it,
only what the pass would do is printed and nothing is written. docs/privacy.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime, time

from meldkamer.cli.commands import _core, _emit
from meldkamer.i18n import tr


def _date(text: str) -> datetime:
    """A day (YYYY-MM-DD, control-room time) as the UTC moment it starts, for --before."""
    from meldkamer.domain.views import LOCAL

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("{text!r} is not a date like 2026-01-31",
                                            text=text)) from None
    return datetime.combine(day, time(), LOCAL)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                 cmd: Callable[..., argparse.ArgumentParser]) -> None:
    """Register ``retention run``."""
    group = cmd(sub, "retention", "the privacy retention policy").add_subparsers(
        dest="retention_cmd", required=True)
    p = cmd(group, "run", "pseudonymise the personal data of incidents closed longer ago "
                          "than the retention periods (administrators)")
    p.add_argument("--dry-run", action="store_true",
                   help="only print what would be done; write nothing")
    p.add_argument("--before", type=_date, metavar="DATE",
                   help="instead of the periods: everything closed before this day "
                        "(YYYY-MM-DD, control-room time)")
    p.set_defaults(func=retention_run)


def retention_run(args: argparse.Namespace) -> int:
    from meldkamer import settings as st
    from meldkamer.domain.views import local
    from meldkamer.services import retention

    core = _core(args)
    try:
        policy = retention.Policy.from_settings(st.Settings())
        report = retention.run_policy(core, policy, before=args.before, dry_run=args.dry_run)
    finally:
        core.close()

    def when(moment: datetime | None) -> str:
        shown = local(moment)
        return shown.strftime("%Y-%m-%d %H:%M") if shown is not None else tr("kept")

    lines = [tr("would pseudonymise (dry run, nothing written):") if report.dry_run
             else tr("pseudonymised:"),
             tr("  callers of incidents closed before: {when}", when=when(report.callers_before)),
             tr("  free text of incidents closed before: {when}", when=when(report.text_before)),
             tr("  caller flags set before: {when}", when=when(report.flags_before)),
             tr("  incidents: {count}", count=len(report.incidents)),
             tr("  calls: {count}", count=report.calls),
             tr("  log lines: {count}", count=report.lines),
             tr("  caller flags removed: {count}", count=report.flags),
             tr("  stored command results forgotten: {count}", count=report.commands)]
    if report.incidents:
        lines.append("  " + ", ".join(report.incidents))
    if report.empty:
        lines.append(tr("nothing to do"))
    _emit(args, report.to_dict(), "\n".join(lines))
    return 0
