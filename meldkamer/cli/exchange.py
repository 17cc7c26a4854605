"""``meldkamer export`` and ``import`` (exchange formats) and ``meldkamer cap`` (alerts kept)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from meldkamer.cli.commands import _core, _emit, _t, _table
from meldkamer.i18n import tr

SEVERITIES = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
URGENCIES = ["Immediate", "Expected", "Future", "Past", "Unknown"]
CERTAINTIES = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"]


def _when(text: str) -> datetime:
    """An ISO date and time; without an offset it is the islands' local time (-04:00)."""
    from meldkamer.exchange.cap import ISLANDS_OFFSET

    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise argparse.ArgumentTypeError(tr("{text!r} is not a date and time like "
                                            "2026-09-01T18:00", text=text)) from None
    return value if value.tzinfo else value.replace(tzinfo=ISLANDS_OFFSET)


def add_commands(sub: Any, cmd: Any) -> tuple[Any, Any]:
    """Register the groups; returns the export and import subparsers for other formats."""
    export = cmd(sub, "export", "export to exchange formats").add_subparsers(
        dest="export_cmd", required=True)
    p = cmd(export, "cap", "write a public warning as CAP 1.2 XML (stored and audited)")
    p.add_argument("--headline", default="", help="the headline, in Dutch")
    p.add_argument("--area", action="append", default=[], metavar="ISLAND",
                   help="BO, SE or SA (repeatable)")
    p.add_argument("--event", default="public_safety",
                   help="event type from cap.toml: hurricane, tropical_storm, flood, "
                        "road_closure, missing_person, fire, hazardous_materials, tsunami, "
                        "earthquake, utility_outage, public_safety")
    p.add_argument("--severity", choices=SEVERITIES, help="default: the event type's")
    p.add_argument("--urgency", choices=URGENCIES, help="default: the event type's")
    p.add_argument("--certainty", choices=CERTAINTIES, help="default: the event type's")
    p.add_argument("--description", default="", help="what is happening, in Dutch")
    p.add_argument("--instruction", default="",
                   help="what people should do, in Dutch (default: the event type's)")
    for lang, name in (("en", "English"), ("pap", "Papiamentu")):
        for part in ("headline", "description", "instruction"):
            p.add_argument(f"--{part}-{lang}", default="", help=f"the {part} in {name}")
    p.add_argument("--expires", type=_when, metavar="DATETIME",
                   help="when the warning ends, e.g. 2026-09-01T18:00 (local time)")
    p.add_argument("--status", choices=["Actual", "Exercise", "Test"],
                   help="default Actual; the training database sends Exercise")
    p.add_argument("--update", metavar="IDENTIFIER", help="this alert updates that one")
    p.add_argument("--cancel", metavar="IDENTIFIER", help="this alert cancels that one")
    p.add_argument("--out", required=True, metavar="FILE.xml")
    p.set_defaults(func=export_cap)

    imp = cmd(sub, "import", "import from exchange formats").add_subparsers(
        dest="import_cmd", required=True)
    p = cmd(imp, "cap", "read a CAP 1.2 alert (a weather warning, say) and show it to operators")
    p.add_argument("file")
    p.set_defaults(func=import_cap)

    cap = cmd(sub, "cap", "public warnings sent and received").add_subparsers(
        dest="cap_cmd", required=True)
    p = cmd(cap, "list", "list alerts in force (or all with --all)")
    p.add_argument("--all", action="store_true", help="also expired, cancelled and replaced")
    p.set_defaults(func=cap_list)
    p = cmd(cap, "show", "print a stored alert's XML")
    p.add_argument("identifier")
    p.set_defaults(func=cap_show)
    return export, imp


def export_cap(args: argparse.Namespace) -> int:
    from meldkamer.exchange.alerts import PublicWarnings

    core = _core(args)
    try:
        warnings = PublicWarnings(core)
        texts = {lang: {part: getattr(args, f"{part}_{lang}")
                        for part in ("headline", "description", "instruction")}
                 for lang in ("en", "pap")}
        if not any(texts["pap"].values()):
            del texts["pap"]
        alert = warnings.compose(
            headline=args.headline, areas=args.area, event=args.event,
            severity=args.severity, urgency=args.urgency, certainty=args.certainty,
            description=args.description, instruction=args.instruction,
            expires=args.expires, status=args.status, update=args.update,
            cancel=args.cancel, texts=texts)
        from meldkamer.files import output_file

        kept = warnings.export(alert, output_file(args.out))
    finally:
        core.close()
    _emit(args, kept.as_data(), tr("{kind} {identifier} ({status}) written to {path}",
                                   kind=alert.msg_type, identifier=alert.identifier,
                                   status=alert.status, path=args.out))
    return 0


def import_cap(args: argparse.Namespace) -> int:
    from meldkamer.exchange.alerts import PublicWarnings

    core = _core(args)
    try:
        kept = PublicWarnings(core).import_file(Path(args.file))
    finally:
        core.close()
    from meldkamer.i18n import language

    info = kept.alert.info(language())
    _emit(args, kept.as_data(), tr("imported {identifier} from {sender}: {headline}",
                                   identifier=kept.alert.identifier, sender=kept.alert.sender,
                                   headline=(info.headline or info.event) if info else "-"))
    return 0


def cap_list(args: argparse.Namespace) -> int:
    from meldkamer.exchange.alerts import PublicWarnings
    from meldkamer.exchange.cap import MSG_TYPE_NAMES, SEVERITY_NAMES, STATUS_NAMES
    from meldkamer.i18n import language

    def name(names: dict[str, str], code: str) -> str:
        return tr(names[code]) if code in names else code

    core = _core(args)
    try:
        warnings = PublicWarnings(core)
        kept = list(reversed(warnings.stored())) if args.all else warnings.active()
    finally:
        core.close()
    lang = language()
    rows = []
    for k in kept:
        info = k.alert.info(lang)
        rows.append([k.alert.identifier, name(STATUS_NAMES, k.alert.status),
                     name(MSG_TYPE_NAMES, k.alert.msg_type),
                     name(SEVERITY_NAMES, info.severity) if info else "-",
                     ", ".join(a.description for a in info.areas) if info else "-",
                     _t(k.alert.sent), _t(k.alert.expires),
                     (info.headline or info.event) if info else "-"])
    human = (_table(rows, [tr("Identifier"), tr("Status"), tr("Type"), tr("Severity"),
                           tr("Area"), tr("Sent"), tr("Expires"), tr("Headline")])
             if rows else tr("no public warnings"))
    _emit(args, [k.as_data(lang) for k in kept], human)
    return 0


def cap_show(args: argparse.Namespace) -> int:
    from meldkamer.exchange.alerts import PublicWarnings

    core = _core(args)
    try:
        kept = PublicWarnings(core).find(args.identifier)
    finally:
        core.close()
    _emit(args, kept.as_data(), kept.xml.rstrip())
    return 0
