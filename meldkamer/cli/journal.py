"""``meldkamer journal list|show|replay``: the outage journal, for technicians."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from meldkamer.cli.commands import _core, _emit, _t
from meldkamer.errors import NotFound
from meldkamer.i18n import tr


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                 cmd: Callable[..., argparse.ArgumentParser]) -> None:
    """Register ``journal list``, ``journal show`` and ``journal replay``."""
    jr = cmd(sub, "journal", "the outage journal (commands kept while the database was "
                             "away)").add_subparsers(dest="journal_cmd", required=True)
    p = cmd(jr, "list", "the journaled commands and their state")
    p.add_argument("--state", choices=("pending", "replayed", "conflict", "failed",
                                       "dismissed"), help="only entries in this state")
    p.set_defaults(func=journal_list)
    p = cmd(jr, "show", "one journaled command, with its result or problem")
    p.add_argument("command_id", help="the command id (or the entry's number)")
    p.set_defaults(func=journal_show)
    cmd(jr, "replay", "replay the pending commands into the database now "
                      "(exactly once, by command id)").set_defaults(func=journal_replay)


def journal_list(args: argparse.Namespace) -> int:
    from meldkamer.journal.store import STATES, JournalFile

    journal = JournalFile()
    try:
        entries = journal.entries((args.state,) if args.state else STATES)
    finally:
        journal.close()
    lines = [tr("{seq:>5}  {state:<9}  {at}  {name:<24} {number}  {command_id}",
                seq=e.seq, state=e.state, at=_t(e.journaled_at), name=e.name,
                number=e.provisional or "", command_id=e.command_id) for e in entries]
    _emit(args, [e.to_dict() for e in entries],
          "\n".join(lines) if lines else tr("the journal is empty"))
    return 0


def journal_show(args: argparse.Namespace) -> int:
    import json

    from meldkamer.journal.store import JournalFile

    journal = JournalFile()
    try:
        key: str | int = int(args.command_id) if args.command_id.isdigit() else args.command_id
        entry = journal.get(key)
    finally:
        journal.close()
    if entry is None:
        raise NotFound("no journaled command {command_id}", command_id=args.command_id)
    data = entry.to_dict()
    problem = ""
    if entry.problem:
        problem = "\n" + tr("problem: {problem}",
                            problem=tr(entry.problem["template"], **entry.problem["fields"]))
    _emit(args, data, tr("{name} {command_id}: {state}", name=entry.name,
                         command_id=entry.command_id, state=entry.state) + problem + "\n"
          + json.dumps(data["command"], ensure_ascii=False, indent=2))
    return 0


def journal_replay(args: argparse.Namespace) -> int:
    from meldkamer.journal.outage import Outage

    core = _core(args)
    try:
        outage = Outage.attach(core)
        report = outage.replay()
        outage.journal.close()
    finally:
        core.close()
    _emit(args, {"replayed": report.replayed, "conflicts": report.conflicts,
                 "failed": report.failed, "stopped": report.stopped},
          tr("replayed {replayed}, conflicts {conflicts}, failed {failed}",
             replayed=report.replayed, conflicts=report.conflicts, failed=report.failed)
          + ("\n" + tr("the database went away again; the rest stays pending")
             if report.stopped else ""))
    return 6 if report.stopped else 0
