"""Command handlers. Heavy imports (SQLAlchemy, Qt) happen inside, so --help stays fast."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from meldkamer.errors import InvalidInput, MeldkamerError
from meldkamer.i18n import tr

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer
    from meldkamer.domain.reference import Reference
    from meldkamer.domain.views import IncidentView, ProposalSet, UnitView


def run(args: argparse.Namespace) -> int:
    """Call the command's handler and turn known errors into messages and exit codes."""
    try:
        return int(args.func(args) or 0)
    except MeldkamerError as exc:
        print(f"meldkamer: {exc}", file=sys.stderr)
        if getattr(args, "json", False):
            print(json.dumps({"error": {"kind": exc.kind, "message": str(exc)}}))
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head or less that quit early
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: say so plainly, keep the details for the report
        import traceback

        traceback.print_exc(file=sys.stderr)
        print("meldkamer: " + tr("unexpected error ({error}); nothing was changed by the "
                                 "failed step. Please report the lines above.",
                                 error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 1


def _open(args: argparse.Namespace) -> Meldkamer:
    """The core on the chosen database, before anyone is logged in (login, user init)."""
    from meldkamer.core import Meldkamer

    return Meldkamer.open(getattr(args, "db", None), user=getattr(args, "user", None),
                          training=getattr(args, "training", False))


def _core(args: argparse.Namespace) -> Meldkamer:
    """The core, acting as the logged-in user (the token file, else a login asked for)."""
    from meldkamer.cli.login import establish

    core = _open(args)
    try:
        establish(core, args)
    except BaseException:
        core.close()
        raise
    return core


def _emit(args: argparse.Namespace, data: Any, human: str, *, stream: bool = False) -> None:
    """Print for people, or JSON with --json (one line per item when ``stream``)."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=None if stream else 2, default=str),
              flush=True)
    else:
        print(human, flush=True)


def _t(ts: Any) -> str:
    from meldkamer.domain.views import local

    shown = local(ts)
    return shown.strftime("%Y-%m-%d %H:%M:%S") if shown else "-"


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def _incident_text(ref: Reference, inc: IncidentView) -> str:
    """An incident as a person reads it: names in the chosen language, never codes."""
    from meldkamer import names

    def row(label: str, text: str) -> str:
        return f"  {label:<13} {text}"

    where = names.location(inc.location_state)
    if inc.lat is not None:
        where += f"  {inc.lat:.5f}, {inc.lon:.5f}"
    if inc.address:
        where += f"  {inc.address}"
    out = [
        f"{inc.number}  [{names.state(inc.state)}]  "
        + tr("priority {priority}", priority=inc.priority)
        + (f" {inc.urgency}" if inc.urgency else ""),
        row(tr("Class"), f"{inc.classification or '-'}  "
            f"{names.classification(ref, inc.classification)}"),
        row(tr("Island"), f"{inc.island}  {where}"),
        row(tr("Created"), f"{_t(inc.created_at)}  " + tr("updated {at}",
                                                           at=_t(inc.updated_at))),
    ]
    if inc.closed_at:
        out.append(row(tr("Closed"), f"{_t(inc.closed_at)}  "
                                     f"{names.disposition(ref, inc.disposition)}"))
    if inc.duplicate_of:
        out.append(row(tr("Duplicate of"), inc.duplicate_of))
    if inc.attention:
        out.append(row(tr("Attention"), names.attention(inc.attention)))
    for call in inc.calls:
        out.append(row(tr("Call"), f"{_t(call.at)}  {names.caller(call)}  {call.caller_name}"))
    for a in inc.assignments:
        times = ", ".join(f"{names.status(ref, s.status)} {_t(s.at)[11:]}" for s in a.times)
        out.append(row(tr("Unit"), f"{a.callsign:<8} {names.status(ref, a.unit_status):<22} "
                                   f"{times}"))
    if inc.log:
        out.append("  " + tr("Log") + ":")
        out += [f"    {_t(e.at)}  {names.log_source(e):<10} {names.log_kind(e.kind):<14} "
                f"{names.log_text(ref, e)}" for e in inc.log]
    return "\n".join(out)


def _unit_rows(ref: Reference, units: list[UnitView]) -> list[list[str]]:
    from meldkamer import names

    flags = {"overdue": "!", "escalated": "!!"}
    return [[u.callsign, u.island, names.discipline(ref, u.discipline),
             names.capabilities(ref, u.capabilities), names.status(ref, u.status),
             _t(u.status_since) + (f" {flags[u.timer]}" if u.timer in flags else ""),
             u.incident or "", tr("demo") if u.demo else ""] for u in units]


# -- gui -------------------------------------------------------------------------------

def frontend(name: str) -> Any | None:
    """The UI package's entry point ``name`` (group ``meldkamer.frontends``), loaded; None
    when it is not installed. The core reaches the UI only this way, never by import."""
    from importlib.metadata import entry_points

    found = entry_points(group="meldkamer.frontends", name=name)
    if not found:
        return None
    return next(iter(found)).load()


def _screenshot_path(args: argparse.Namespace) -> None:
    """``--screenshot ""`` or a folder would start a window or write beside it: refused."""
    if getattr(args, "screenshot", None) is not None:
        from meldkamer.files import output_file

        output_file(args.screenshot)


def gui(args: argparse.Namespace) -> int:
    """Start the workstation through the UI package's registered entry point."""
    _screenshot_path(args)
    launch = frontend("gui")
    if launch is None:
        raise MeldkamerError("the workstation UI is not installed (no 'gui' frontend)")
    return int(launch(args) or 0)


def trainer(args: argparse.Namespace) -> int:
    """Start the trainer console through the UI package's registered entry point."""
    from importlib.metadata import entry_points

    _screenshot_path(args)
    found = entry_points(group="meldkamer.frontends", name="trainer")
    if not found:
        raise MeldkamerError("the trainer console is not installed (no 'trainer' frontend)")
    launch = next(iter(found)).load()
    return int(launch(args) or 0)


# -- db and demo -----------------------------------------------------------------------

def db_upgrade(args: argparse.Namespace) -> int:
    from meldkamer import config
    from meldkamer.store.db import Store

    store = Store(config.database_url(getattr(args, "db", None)), upgrade=False)
    before = store.revision()
    changed = store.upgrade()
    after = store.revision()
    _emit(args, {"database": store.safe_url, "from": before, "to": after, "changed": changed},
          tr("{database}: schema {before} -> {after}", database=store.safe_url,
             before=before or tr("empty"), after=after) if changed
          else tr("{database}: schema is up to date ({revision})", database=store.safe_url,
                  revision=after))
    return 0


def db_info(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from meldkamer.store.models import AuditHead, Incident, LogEntry, Unit

    core = _core(args)
    with core.store.read() as s:
        info = {
            "database": core.store.safe_url,
            "dialect": core.store.dialect,
            "revision": core.store.revision(),
            "incidents": s.scalar(select(func.count()).select_from(Incident)),
            "active_incidents": s.scalar(
                select(func.count()).select_from(Incident).where(Incident.state == "open")),
            "units": s.scalar(select(func.count()).select_from(Unit)),
            "log_entries": s.scalar(select(func.count()).select_from(LogEntry)),
            "audit_events": s.scalar(select(AuditHead.seq)),
            "reference": dict(core.ref.sources),
        }
    _emit(args, info, "\n".join(f"{k:<17} {v}" for k, v in info.items() if k != "reference"))
    return 0


def demo_load(args: argparse.Namespace) -> int:
    """Load the demo data and create the demo accounts. On a fresh database (no users, no
    units) no one can be logged in yet: the demo data and its accounts come first."""
    from meldkamer.demo import load_demo

    core = _open(args)
    if core.users.count() or core.units.list_units():
        from meldkamer.cli.login import establish

        establish(core, args)
    result = load_demo(core, incidents=not args.no_incidents)
    core.users.create_demo_accounts()
    _emit(args, result, tr("demo data loaded into {database}: {stations} stations, {units} "
                           "units, {incidents} incidents created", database=core.store.safe_url,
                           stations=result["stations"], units=result["units"],
                           incidents=result["incidents"]))
    return 0


# -- reference -------------------------------------------------------------------------

def classification_list(args: argparse.Namespace) -> int:
    from meldkamer import config, names
    from meldkamer.domain.reference import load_reference
    from meldkamer.i18n import language

    ref = load_reference(config.reference_dir())
    lang = language()
    words = (args.search or "").lower().split()
    rows = []
    for cls in ref.classifications.values():
        hay = " ".join([cls.code.lower(), *[n.lower() for n in cls.names.values()], *cls.terms])
        if all(w in hay for w in words):
            rows.append(cls)
    data = [{"code": x.code, "level": x.level, "parent": x.parent, "names": dict(x.names),
             "path": x.path(ref, lang), "terms": list(x.terms), "priority": x.priority,
             "urgency": x.urgency, "needs": list(x.needs)} for x in rows]
    human = _table([[x.code, str(x.priority) + (f"/{x.urgency}" if x.urgency else ""),
                     x.path(ref, lang), names.capabilities(ref, x.needs)] for x in rows],
                   [tr("CODE"), tr("PRIO"), tr("CLASS"), tr("NEEDS")])
    _emit(args, data, human)
    return 0


# -- units -----------------------------------------------------------------------------

def unit_list(args: argparse.Namespace) -> int:
    core = _core(args)
    units = core.units.list_units(island=args.island, discipline=args.discipline)
    _emit(args, [u.to_dict() for u in units], _table(
        _unit_rows(core.ref, units),
        [tr("CALLSIGN"), tr("ISL"), tr("DISCIPLINE"), tr("CAPABILITIES"), tr("STATUS"),
         tr("SINCE"), tr("INCIDENT"), ""]))
    return 0


def unit_status(args: argparse.Namespace) -> int:
    from meldkamer import names

    core = _core(args)
    u = core.units.set_status(args.callsign, args.status, reason=args.reason)
    _emit(args, u.to_dict(), tr("{callsign}: {status} since {at}", callsign=u.callsign,
                                status=names.status(core.ref, u.status), at=_t(u.status_since))
          + (f" ({u.incident})" if u.incident else ""))
    return 0


def unit_import(args: argparse.Namespace) -> int:
    """Show what a roster changes; write it only with --apply."""
    from pathlib import Path

    diff = _core(args).units.roster_diff(Path(args.file), apply=args.apply)
    lines = [tr("added: {key}", key=k) for k in diff.added]
    for key, fields in diff.changed.items():
        lines.append(tr("changed: {key}", key=key))
        lines += [f"    {name}: {old!r} -> {new!r}" for name, (old, new) in fields.items()]
    lines += [tr("unchanged: {key}", key=k) for k in diff.unchanged]
    if diff.applied:
        lines.append(tr("imported {stations} stations and {units} units", stations=diff.stations,
                        units=diff.units))
    else:
        lines.append(tr("nothing written: run again with --apply to make these changes"))
    _emit(args, diff.to_dict(), "\n".join(lines))
    return 0


# -- incidents -------------------------------------------------------------------------

def _show(args: argparse.Namespace, core: Meldkamer, number: str) -> int:
    """Print the whole incident (calls, units, log) after a change."""
    inc = core.incidents.get(number)
    _emit(args, inc.to_dict(), _incident_text(core.ref, inc))
    return 0


def incident_create(args: argparse.Namespace) -> int:
    core = _core(args)
    inc = core.incidents.create(
        caller_number=args.caller, caller_name=args.name, callback_number=args.callback,
        lat=args.lat, lon=args.lon, address=args.address, island=args.island,
        classification=args.classification, priority=args.priority,
        priority_reason=args.reason, urgency=args.urgency,
    )
    return _show(args, core, inc.number)


def incident_list(args: argparse.Namespace) -> int:
    from meldkamer import names

    core = _core(args)
    incs = core.incidents.list_incidents(active=args.active, island=args.island,
                                         limit=args.limit)
    rows = [[i.number, names.state(i.state), str(i.priority), i.classification or "-",
             names.location(i.location_state), i.address[:30], _t(i.created_at),
             " ".join(a.callsign for a in i.assignments if a.active),
             ("! " + names.attention(i.attention)) if i.attention else ""] for i in incs]
    _emit(args, [i.to_dict() for i in incs],
          _table(rows, [tr("NUMBER"), tr("STATE"), "P", tr("CLASS"), tr("LOCATION"),
                        tr("ADDRESS"), tr("CREATED"), tr("UNITS"), tr("ATTENTION")]) if rows
          else tr("no incidents"))
    return 0


def incident_show(args: argparse.Namespace) -> int:
    return _show(args, _core(args), args.number)


def incident_locate(args: argparse.Namespace) -> int:
    core = _core(args)
    inc = core.incidents.locate(args.number, lat=args.lat, lon=args.lon,
                                       address=args.address, island=args.island)
    return _show(args, core, inc.number)


def incident_classify(args: argparse.Namespace) -> int:
    core = _core(args)
    inc = core.incidents.classify(args.number, args.classification,
                                         priority=args.priority, reason=args.reason,
                                         urgency=args.urgency)
    return _show(args, core, inc.number)


def incident_note(args: argparse.Namespace) -> int:
    core = _core(args)
    inc = core.incidents.add_note(args.number, args.text)
    return _show(args, core, inc.number)


def _slot_rows(ref: Reference, ps: ProposalSet) -> list[list[str]]:
    from meldkamer import names

    rows = []
    for n, slot in enumerate(ps.slots, start=1):
        cap = names.capability(ref, slot.capability)
        if slot.proposal is not None:
            p = slot.proposal
            rows.append([str(n), cap, p.callsign, names.travel(p),
                         tr("nearest available")])
        elif slot.assigned is not None:
            rows.append([str(n), cap, slot.assigned, "", tr("already on the incident")])
        else:
            why = tr("UNFILLED: {gap}", gap=names.gap(ref, ps.island, slot))
            rows.append([str(n), cap, "-", "", why])
            rows += [["", "", "", "", "  " + tr("divert? {candidate}",
                                                 candidate=names.divert_candidate(ref, d))]
                     for d in slot.divert]
    return rows


def _turnout_text(ref: Reference, ps: ProposalSet) -> str:
    """The turnout slot by slot, then the alternatives, as a person reads them."""
    from meldkamer import names

    if ps.plan is not None:
        plan = tr("plan for {island}: {classification}", island=ref.islands[ps.island].name,
                  classification=names.classification(ref, ps.plan))
    else:
        plan = tr("standard")
    out = [tr("Turnout ({plan})", plan=plan) + ":"]
    if ps.slots:
        out.append(_table(_slot_rows(ref, ps), [tr("SLOT"), tr("CAPABILITY"), tr("CALLSIGN"),
                                                 tr("TRAVEL"), tr("WHY")]))
    else:
        out.append("  " + tr("no turnout: the incident has no class that sends units"))
    others = [p for p in ps.proposals if p.basis != "needed"]
    if others:
        out += ["", tr("Alternatives") + ":", _table(
            [[str(p.rank), p.callsign, names.discipline(ref, p.discipline),
              names.capability(ref, p.capability), names.travel(p)] for p in others],
            ["#", tr("CALLSIGN"), tr("DISCIPLINE"), tr("CAPABILITY"), tr("TRAVEL")])]
    if ps.gaps:
        out += ["", tr("Not complete: {count} slot(s) unfilled", count=len(ps.gaps))]
    out.append(f"({names.proposal_method(ps)})")
    return "\n".join(out)


def incident_propose(args: argparse.Namespace) -> int:
    core = _core(args)
    ps = core.dispatch.propose(args.number)
    _emit(args, ps.to_dict(), _turnout_text(core.ref, ps))
    return 0


def _divert_args(values: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for value in values:
        cap, sep, callsign = value.partition("=")
        if not sep or not cap.strip() or not callsign.strip():
            raise InvalidInput("--divert takes CAPABILITY=CALLSIGN (like boat=K-101), not "
                               "{value!r}", value=value)
        out.setdefault(cap.strip(), []).append(callsign.strip())
    return out


def incident_dispatch(args: argparse.Namespace) -> int:
    from meldkamer import names

    if args.proposal == bool(args.callsigns):  # argparse's own usage error: exit 2
        args.usage_error(tr("give the callsigns to dispatch, or --proposal for the whole "
                            "turnout (not both)"))
    if not args.proposal and (args.partial or args.divert):
        args.usage_error(tr("--partial and --divert go with --proposal"))
    core = _core(args)
    if not args.proposal:
        inc = core.dispatch.dispatch(args.number, args.callsigns,
                                     override_reason=args.override)
        return _show(args, core, inc.number)
    done = core.dispatch.dispatch_turnout(args.number, partial=args.partial,
                                          divert=_divert_args(args.divert),
                                          reason=args.override)
    inc = core.incidents.get(done.incident.number)
    data = inc.to_dict()
    data["turnout"] = {"dispatched": list(done.dispatched), "diverted": list(done.diverted),
                       "unfilled": [s.to_dict() for s in done.unfilled]}
    summary = tr("dispatched: {units}", units=", ".join(done.dispatched) or "-")
    if done.unfilled:
        summary += "\n" + tr("left unfilled: {gaps}", gaps="; ".join(
            names.gap(core.ref, inc.island, s) for s in done.unfilled))
    _emit(args, data, _incident_text(core.ref, inc) + "\n" + summary)
    return 0


def incident_withdraw(args: argparse.Namespace) -> int:
    core = _core(args)
    inc = core.dispatch.withdraw(args.number, args.callsign, reason=args.reason)
    return _show(args, core, inc.number)


def incident_acknowledge(args: argparse.Namespace) -> int:
    core = _core(args)
    inc = core.attention.acknowledge(args.number)
    return _show(args, core, inc.number)


def incident_attach(args: argparse.Namespace) -> int:
    core = _core(args)
    inc = core.incidents.attach_call(args.number, caller_number=args.caller,
                                            caller_name=args.name,
                                            callback_number=args.callback)
    return _show(args, core, inc.number)


def incident_duplicate(args: argparse.Namespace) -> int:
    core = _core(args)
    inc = core.incidents.mark_duplicate(args.number, args.of)
    return _show(args, core, inc.number)


def incident_close(args: argparse.Namespace) -> int:
    core = _core(args)
    inc = core.incidents.close(args.number, args.disposition, note=args.note)
    return _show(args, core, inc.number)


def incident_search(args: argparse.Namespace) -> int:
    from meldkamer import names

    hits = _core(args).incidents.search(args.text, limit=args.limit)
    rows = [[h.number, names.state(h.state), _t(h.at), names.log_kind(h.kind), h.text[:70]]
            for h in hits]
    _emit(args, [h.to_dict() for h in hits],
          _table(rows, [tr("NUMBER"), tr("STATE"), tr("AT"), tr("KIND"), tr("TEXT")]) if rows
          else tr("no matches"))
    return 0


def audit_verify(args: argparse.Namespace) -> int:
    report = _core(args).verify_audit()
    if report.ok:
        lines = [tr("audit trail intact: {events} events", events=report.events),
                 tr("checkpoints compared: {count}", count=report.checkpoints)]
        if report.not_covered:
            lines.append(tr("incidents written before the trail carried digests (not "
                            "covered by the replay): {count}", count=report.not_covered))
    else:
        where = report.first_broken if report.first_broken is not None else "-"
        lines = [tr("AUDIT TRAIL BROKEN at event {event}: {problem}", event=where,
                    problem=report.problem), *("  " + p for p in report.problems[1:])]
    _emit(args, report.to_dict(), "\n".join(lines))
    return 0 if report.ok else 8
