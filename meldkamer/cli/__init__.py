"""The ``meldkamer`` command line. Parsing is cheap; each command imports what it needs.

Exit codes: 0 done, 1 unexpected error (a bug), 2 invalid input, 3 not found, 4 refused
by the rules, 5 conflict with someone else's change, 6 database problem, 7 reference data
problem, 8 audit chain broken, 9 a port or link test failed, 10 map data that cannot be
read or imported, 11 not logged in (no valid login, or a wrong password), 130 interrupted.

Human output and messages follow ``--lang nl|en|pap``, else LANGUAGE, LC_ALL, LC_MESSAGES
or LANG, else English; ``--json`` output keeps codes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from meldkamer.cli import commands as c
from meldkamer.cli import db as db_cli
from meldkamer.cli import events as events_cli
from meldkamer.cli import exchange as exchange_cli
from meldkamer.cli import gateway as gateway_cli
from meldkamer.cli import journal as journal_cli
from meldkamer.cli import maps as maps_cli
from meldkamer.cli import reports as reports_cli
from meldkamer.cli import retention as retention_cli
from meldkamer.cli import scenario as scenario_cli
from meldkamer.cli import serve as serve_cli
from meldkamer.cli import users as users_cli
from meldkamer.cli.export_incidents import add_export_incidents
from meldkamer.i18n import LANGUAGES, from_environment, set_language, tr


def _positive(text: str) -> int:
    """A count between 1 and 10,000, for --limit."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("{text!r} is not a whole number", text=text)) \
            from None
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError(tr("{value} is out of range (1 to 10000)",
                                            value=value))
    return value


def _offset(text: str) -> str:
    """A time from a scenario's start (h:mm:ss, mm:ss or seconds), for --jump."""
    from meldkamer.training.scenario import offset

    if offset(text) is None:
        raise argparse.ArgumentTypeError(tr("{text!r} is not a time: type h:mm:ss, mm:ss or "
                                            "seconds", text=text))
    return text


def _size(text: str) -> str:
    """WIDTHxHEIGHT in pixels, for --size."""
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and 200 <= int(width) <= 10_000
            and 200 <= int(height) <= 10_000):
        raise argparse.ArgumentTypeError(tr("{text!r} is not a size like 1920x1080", text=text))
    return f"{int(width)}x{int(height)}"


def version() -> str:
    """The installed package's version: from its metadata, which the bundle carries too
    (installer/meldkamer.spec copies the dist-info); in a checkout that was never
    installed, from its pyproject.toml. Never fails: --version must not break the CLI."""
    import importlib.metadata

    try:
        return importlib.metadata.version("meldkamer")
    except importlib.metadata.PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"])
        except (OSError, tomllib.TOMLDecodeError, KeyError):
            return "unknown"


def _common() -> argparse.ArgumentParser:
    """Options every command accepts, before or after its name."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--db", default=argparse.SUPPRESS, metavar="URL",
                   help="database: a SQLite file path or sqlite:/// or postgresql:// URL "
                        "(default: MELDKAMER_DB, else the embedded database)")
    p.add_argument("--user", default=argparse.SUPPRESS, metavar="NAME",
                   help="the login name to log in as (asked for with the password when the "
                        "token file is not this user's; default name: MELDKAMER_USER)")
    p.add_argument("--token-file", default=argparse.SUPPRESS, metavar="PATH",
                   help="the login token written by 'meldkamer login' (default: "
                        "MELDKAMER_TOKEN_FILE, else 'token' in the config directory; "
                        "refused unless only its owner may read it)")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help="machine-readable output")
    p.add_argument("--training", action="store_true", default=argparse.SUPPRESS,
                   help="use the training database (its own file, never the live one)")
    p.add_argument("--lang", choices=list(LANGUAGES), default=argparse.SUPPRESS,
                   help="language of the output and messages (default: from LANG, else "
                        "English; the workstation: its setting)")
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="meldkamer", parents=[common],
        description="Dispatch workstation for the KPCN control room (Bonaire, Sint Eustatius, "
                    "Saba). Without a command, starts the workstation.",
        epilog=" ".join((__doc__ or "").partition("\n\n")[2].split()),  # the exit codes
    )
    parser.add_argument("--version", action="version", version=f"meldkamer {version()}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def cmd(parent: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
            helptext: str) -> argparse.ArgumentParser:
        return parent.add_parser(name, parents=[common], help=helptext, description=helptext)

    p = cmd(sub, "gui", "start the workstation window")
    p.add_argument("--screenshot", metavar="PATH", help="render the main window to a PNG and exit")
    p.add_argument("--demo", action="store_true", help="load demo data first if there is none")
    p.add_argument("--size", default="1920x1080", type=_size,
                   help="window size for --screenshot, e.g. 1920x1080")
    p.add_argument("--exit-when-loaded", action="store_true",
                   help="exit as soon as the window has loaded (start-up checks and benchmarks)")
    p.set_defaults(func=c.gui)

    p = cmd(sub, "trainer", "start the trainer console on the training database")
    p.add_argument("--scenario", metavar="NAME|FILE",
                   help="load this scenario (a shipped one by name, or a file)")
    p.add_argument("--autopilot", action="store_true",
                   help="a perfect operator in this process takes the calls (demonstrations)")
    p.add_argument("--jump", metavar="H:MM:SS", type=_offset,
                   help="play the scenario to this time first (demonstrations, --screenshot)")
    p.add_argument("--screenshot", metavar="PATH", help="render the console to a PNG and exit")
    p.add_argument("--size", default="1600x1000", type=_size,
                   help="window size for --screenshot, e.g. 1600x1000")
    p.set_defaults(func=c.trainer)

    db = cmd(sub, "db", "database maintenance").add_subparsers(dest="db_cmd", required=True)
    cmd(db, "upgrade", "bring the database schema up to date").set_defaults(func=c.db_upgrade)
    cmd(db, "info", "where the database is and what it holds").set_defaults(func=c.db_info)
    db_cli.add_commands(db, cmd)
    journal_cli.add_commands(sub, cmd)

    demo = cmd(sub, "demo", "demo data").add_subparsers(dest="demo_cmd", required=True)
    p = cmd(demo, "load", "load the KPCN demo stations, units and a running shift")
    p.add_argument("--no-incidents", action="store_true", help="only stations and units")
    p.set_defaults(func=c.demo_load)

    cl = cmd(sub, "classification", "the incident classification tree").add_subparsers(
        dest="cl_cmd", required=True)
    p = cmd(cl, "list", "list classes (all levels), optionally matching a search")
    p.add_argument("search", nargs="?", help="words in a name or search term")
    p.set_defaults(func=c.classification_list)

    un = cmd(sub, "unit", "units and their statuses").add_subparsers(dest="unit_cmd",
                                                                   required=True)
    p = cmd(un, "list", "list units with their status")
    p.add_argument("--island", help="BO, SE or SA")
    p.add_argument("--discipline", help="police, fire, ambulance, kmar, coastguard")
    p.set_defaults(func=c.unit_list)
    p = cmd(un, "status", "change a unit's status (by code, radio number or name)")
    p.add_argument("callsign")
    p.add_argument("status")
    p.add_argument("--reason", default="")
    p.set_defaults(func=c.unit_status)
    p = cmd(un, "import", "show what a TOML roster changes in stations and units; "
                          "--apply writes it")
    p.add_argument("file")
    p.add_argument("--apply", action="store_true",
                   help="write the changes (without it: only the diff, nothing written)")
    p.set_defaults(func=c.unit_import)

    inc = cmd(sub, "incident", "incidents").add_subparsers(dest="inc_cmd", required=True)
    p = cmd(inc, "create", "create an incident from a call")
    p.add_argument("--caller", help="caller's number (717 1234, +1 305 ...); 'withheld' or "
                   "'unknown', or leave it out, when there is none")
    p.add_argument("--name", default="", help="caller's name")
    p.add_argument("--callback", default="", help="callback number")
    p.add_argument("--lat", type=float)
    p.add_argument("--lon", type=float)
    p.add_argument("--address", default="")
    p.add_argument("--island", help="responsible island when the location is unknown or at sea")
    p.add_argument("--classification", help="class code, e.g. BZ.INB.WON")
    p.add_argument("--priority", type=int, choices=[1, 2, 3])
    p.add_argument("--urgency", help="ambulance urgency A0, A1, A2 or B")
    p.add_argument("--reason", default="", help="why the priority differs from the default")
    p.set_defaults(func=c.incident_create)
    p = cmd(inc, "list", "list incidents (newest first, or the active ones)")
    p.add_argument("--active", action="store_true", help="only open incidents")
    p.add_argument("--island")
    p.add_argument("--limit", type=_positive, default=50, help="at most this many (1-10000)")
    p.set_defaults(func=c.incident_list)
    p = cmd(inc, "show", "show an incident with its calls, units and log")
    p.add_argument("number")
    p.set_defaults(func=c.incident_show)
    p = cmd(inc, "locate", "set an incident's location")
    p.add_argument("number")
    p.add_argument("--lat", type=float)
    p.add_argument("--lon", type=float)
    p.add_argument("--address")
    p.add_argument("--island", help="responsible island for a location at sea")
    p.set_defaults(func=c.incident_locate)
    p = cmd(inc, "classify", "set an incident's class (and priority)")
    p.add_argument("number")
    p.add_argument("classification")
    p.add_argument("--priority", type=int, choices=[1, 2, 3])
    p.add_argument("--urgency")
    p.add_argument("--reason", default="")
    p.set_defaults(func=c.incident_classify)
    p = cmd(inc, "note", "add a note to the incident log")
    p.add_argument("number")
    p.add_argument("text")
    p.set_defaults(func=c.incident_note)
    p = cmd(inc, "propose", "propose units for an incident: its turnout, slot by slot")
    p.add_argument("number")
    p.set_defaults(func=c.incident_propose)
    p = cmd(inc, "dispatch", "dispatch units, or the whole turnout, to an incident")
    p.add_argument("number")
    p.add_argument("callsigns", nargs="*", metavar="CALLSIGN")
    p.add_argument("--proposal", action="store_true",
                   help="dispatch the whole turnout as proposed (refused, exit 4, while a "
                        "slot is unfilled, unless --partial or --divert fills it)")
    p.add_argument("--partial", action="store_true",
                   help="with --proposal: send the rest when a slot is unfilled, and log why")
    p.add_argument("--divert", action="append", default=[], metavar="CAPABILITY=CALLSIGN",
                   help="with --proposal: take this committed unit from its incident for an "
                        "unfilled slot (repeatable)")
    p.add_argument("--override", default="", metavar="REASON",
                   help="reason for dispatching a unit that is busy elsewhere")
    p.set_defaults(func=c.incident_dispatch, usage_error=p.error)
    p = cmd(inc, "withdraw", "take a unit off an incident (dispatched by mistake)")
    p.add_argument("number")
    p.add_argument("callsign")
    p.add_argument("--reason", required=True, help="why (logged)")
    p.set_defaults(func=c.incident_withdraw)
    p = cmd(inc, "acknowledge", "acknowledge an incident's attention flags (no unit, unit "
                                "overdue): quiet until they arise again")
    p.add_argument("number")
    p.set_defaults(func=c.incident_acknowledge)
    p = cmd(inc, "attach", "link another call to an incident")
    p.add_argument("number")
    p.add_argument("--caller", help="caller's number; 'withheld' or 'unknown', or leave it out")
    p.add_argument("--name", default="")
    p.add_argument("--callback", default="")
    p.set_defaults(func=c.incident_attach)
    p = cmd(inc, "duplicate", "close an incident as a duplicate of another")
    p.add_argument("number")
    p.add_argument("--of", required=True, metavar="NUMBER")
    p.set_defaults(func=c.incident_duplicate)
    p = cmd(inc, "close", "close an incident (all units must be cleared)")
    p.add_argument("number")
    p.add_argument("--disposition", required=True)
    p.add_argument("--note", default="")
    p.set_defaults(func=c.incident_close)
    p = cmd(inc, "search", "full-text search over incident logs and notes")
    p.add_argument("text")
    p.add_argument("--limit", type=_positive, default=50, help="at most this many (1-10000)")
    p.set_defaults(func=c.incident_search)

    gateway_cli.add_commands(sub, cmd)
    maps_cli.add_commands(sub, cmd)
    serve_cli.add_commands(sub, cmd)
    events_cli.add_commands(sub, cmd)
    scenario_cli.add_commands(sub, cmd)
    export_sub, _ = exchange_cli.add_commands(sub, cmd)
    add_export_incidents(export_sub, cmd)
    reports_cli.add_commands(sub, cmd)
    users_cli.add_commands(sub, cmd)
    retention_cli.add_commands(sub, cmd)

    au = cmd(sub, "audit", "the audit trail").add_subparsers(dest="audit_cmd", required=True)
    cmd(au, "verify", "check the audit hash chain").set_defaults(func=c.audit_verify)
    return parser


def _unreadable_argument(argv: Sequence[str]) -> str | None:
    """A message for the first argument that is not valid UTF-8 text (the OS handed bytes
    Python kept as surrogate escapes); None when all are fine. Control characters are left
    to each field's own check (a note of them alone is "required")."""
    for n, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
            continue
        except UnicodeEncodeError:
            problem = tr("is not valid UTF-8 text")
        shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        option = next((a for a in reversed(argv[:n - 1]) if a.startswith("-")), None)
        if option is not None and argv[n - 2] == option:
            return tr("argument {position} (the value of {option}) {problem}: {shown}",
                      position=n, option=option, problem=problem, shown=shown)
        return tr("argument {position} {problem}: {shown}", position=n, problem=problem,
                  shown=shown)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors become a message and an exit code, never a traceback."""
    set_language(from_environment() or "en")  # before parsing: argparse errors too
    bad = _unreadable_argument(list(sys.argv[1:] if argv is None else argv))
    if bad is not None:
        print("meldkamer: " + bad, file=sys.stderr)
        return 2
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # Before Python 3.12 argparse ends a "*" positional at the first option, so the
        # callsigns of "incident dispatch N --override R P-101" come back as extras.
        if isinstance(getattr(args, "callsigns", None), list) and not any(
                e.startswith("-") for e in extra):
            args.callsigns += extra
        else:
            args = parser.parse_args(argv)  # argparse's own "unrecognized arguments" (exit 2)
    if getattr(args, "lang", None):
        set_language(args.lang)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "gui"])
    return c.run(args)
