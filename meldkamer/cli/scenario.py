"""``meldkamer scenario ...``: list, validate and run training scenarios (docs/scenarios.md).

``run --headless`` plays on a fresh training database of its own (a temporary file,
removed afterwards) unless ``--db`` names one, as fast as the machine goes unless
``--speed`` is given. Without ``--headless`` it plays on the training database in real
time (``--speed`` 1 to 60) for a trainee at the workstation on the same database.

``run`` on a named or the training database and ``reset`` write, so they act as the
logged-in user (the token, else a login asked for) and need a role that may train
(``permissions.TRAIN``). A headless run on its own temporary database has no users to log
in as; nothing it writes outlives it.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from meldkamer.cli.commands import _emit, _table
from meldkamer.i18n import N_, tr


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("{text!r} is not a number", text=text)) from None
    if not 1 <= value <= 60:
        raise argparse.ArgumentTypeError(tr("{value} is out of range (1 to 60)", value=value))
    return value


def add_commands(sub: Any, cmd: Any) -> None:
    sc = cmd(sub, "scenario", "training scenarios: list, validate and play them")
    s = sc.add_subparsers(dest="scenario_cmd", required=True)
    cmd(s, "list", "the scenarios that come with meldkamer").set_defaults(func=scenario_list)
    p = cmd(s, "validate", "check a scenario file (errors name the line and field)")
    p.add_argument("file", help="a scenario file, or the name of a shipped scenario")
    p.set_defaults(func=scenario_validate)
    p = cmd(s, "run", "play a scenario on a training database and score it")
    p.add_argument("file", help="a scenario file, or the name of a shipped scenario")
    p.add_argument("--speed", type=_speed, default=None,
                   help="simulated seconds per second, 1 to 60 (default: 1; headless: as "
                        "fast as the machine goes)")
    p.add_argument("--headless", action="store_true",
                   help="no workstation: on a fresh training database of its own unless "
                        "--db is given")
    p.add_argument("--autopilot", action="store_true",
                   help="a perfect operator takes every call through the intake session")
    p.add_argument("--radio", action="store_true",
                   help="send the units' status changes through the radio simulator on a "
                        "pty pair and a gateway, as a radio's would arrive")
    p.add_argument("--report", metavar="OUT.html|OUT.pdf",
                   help="write the run's after-action report here: one offline HTML page, "
                        "or a PDF (A4) when the name ends in .pdf (Dutch unless --lang says "
                        "otherwise)")
    p.set_defaults(func=scenario_run)
    p = cmd(s, "from-db", "turn a period of a database into a scenario file (callers "
                          "pseudonymised, free text dropped)")
    p.add_argument("--from", dest="start", required=True, type=_moment,
                   help="start, ISO 8601 with its UTC offset (2026-09-18T22:00-04:00)")
    p.add_argument("--to", dest="end", required=True, type=_moment, help="end, likewise")
    p.add_argument("--island", help="only this island's incidents")
    p.add_argument("--keep-text", action="store_true",
                   help="keep the addresses and notes (what the callers said)")
    p.add_argument("--name", default="recorded-shift", help="the scenario's name")
    p.add_argument("--out", metavar="FILE", help="write the file here (default: print it)")
    p.set_defaults(func=scenario_from_db)
    p = cmd(s, "reset", "empty the training database (incidents, calls, logs, audit trail) "
                        "and load the demo roster again; a live database is refused")
    p.add_argument("--yes", action="store_true",
                   help="do not ask for confirmation (needed when not on a terminal)")
    p.set_defaults(func=scenario_reset)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("{text!r} is not a date and time", text=text)) \
            from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(tr("{text!r} needs a UTC offset (e.g. "
                                            "2026-09-18T22:00-04:00)", text=text))
    return moment


def scenario_from_db(args: argparse.Namespace) -> int:
    from meldkamer.cli.commands import _core
    from meldkamer.training import parse
    from meldkamer.training.record import check_period, from_db

    check_period(args.start, args.end)  # bad input first: before anyone is asked to log in
    if args.out:
        from meldkamer.files import output_file

        output_file(args.out, suffixes=(".toml",))
    core = _core(args)
    try:
        text = from_db(core, args.start, args.end, island=args.island,
                       keep_text=args.keep_text, name=args.name)
        scenario = parse(text, core.ref, name=args.out or "<from-db>")  # it must validate
    finally:
        core.close()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        _emit(args, {"file": args.out, "calls": len(scenario.calls)},
              tr("{file}: {calls} calls", file=args.out, calls=len(scenario.calls)))
    else:
        sys.stdout.write(text)
    return 0


def scenario_reset(args: argparse.Namespace) -> int:
    """Reset the training database (``--db``, else the training database)."""
    from meldkamer import config
    from meldkamer.core import Meldkamer
    from meldkamer.errors import InvalidInput, Refused
    from meldkamer.store.db import Store
    from meldkamer.training.reset import LIVE_REFUSED, reset_training

    url = config.database_url(getattr(args, "db", None), training=True)
    store = Store(url, upgrade=False)
    try:  # a live database is refused before anything is asked, created or marked
        where = store.safe_url
        if store.revision() is not None and store.kind() != "training":
            raise Refused(LIVE_REFUSED, where=where)
    finally:
        store.dispose()
    if not args.yes and not sys.stdin.isatty():
        raise InvalidInput(N_("not on a terminal: give --yes to reset {where}"), where=where)
    core = Meldkamer.open(url, user=getattr(args, "user", None), training=True)
    _logged_in_trainer(core, args)  # who resets it, before they are asked
    try:
        if not args.yes:
            answer = input(tr("Reset the training database {where}? Every incident, call, "
                              "log line and audit event in it is deleted. Type 'yes' to go "
                              "on: ", where=where))
            if answer.strip().lower() not in ("yes", tr("yes").lower()):
                _emit(args, {"reset": False}, tr("Nothing was changed."))
                return 0
        result = reset_training(core)
    finally:
        core.close()
    _emit(args, {"reset": True, "database": where, **result},
          tr("{where}: reset; {stations} stations and {units} units loaded", where=where,
             stations=result["stations_loaded"], units=result["units_loaded"]))
    return 0


def _logged_in_trainer(core: Any, args: argparse.Namespace) -> None:
    """Act as the logged-in user (token or login), who must be allowed to run training."""
    from meldkamer.cli.login import establish
    from meldkamer.commands import permissions

    try:
        actor = establish(core, args)
        permissions.check(actor.role, "operator", permissions.TRAIN, training=core.training)
    except BaseException:
        core.close()
        raise


def _path(text: str) -> Path:
    from meldkamer.training import shipped

    path = Path(text)
    if not path.exists():
        for found in shipped():
            if found.stem == text:
                return found
    return path


def _reference() -> Any:
    from meldkamer import config
    from meldkamer.domain.reference import load_reference

    return load_reference(config.reference_dir(), cache_dir=config.cache_dir())


def scenario_list(args: argparse.Namespace) -> int:
    from meldkamer.training import load, shipped

    ref = _reference()
    found = [load(p, ref) for p in shipped()]
    rows: list[dict[str, Any]] = [{"name": s.name, "title": s.title, "islands": list(s.islands),
             "calls": len(s.calls), "minutes": round(s.duration / 60), "file": s.path}
            for s in found]
    _emit(args, rows, _table(
        [[r["name"], r["title"], " ".join(r["islands"]), str(r["calls"]), str(r["minutes"])]
         for r in rows],
        [tr("Name"), tr("Title"), tr("Islands"), tr("Calls"), tr("Minutes")]))
    return 0


def scenario_validate(args: argparse.Namespace) -> int:
    from meldkamer.training import load

    s = load(_path(args.file), _reference())
    _emit(args, {"valid": True, "name": s.name, "calls": len(s.calls),
                 "events": len(s.events), "disturbances": len(s.disturbances)},
          tr("{file}: valid; {calls} calls, {events} unit events, {disturbances} "
             "disturbances", file=s.path, calls=len(s.calls), events=len(s.events),
             disturbances=len(s.disturbances)))
    return 0


REPORT_KINDS = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def _report_writer(report: str) -> Any | None:
    """Check ``--report`` before playing: its kind from the extension, its folder, and
    for a PDF the UI's writer (the ``pdf`` frontend; None for HTML)."""
    import errno
    import os

    from meldkamer.cli.commands import frontend
    from meldkamer.errors import InvalidInput, MeldkamerError

    kind = REPORT_KINDS.get(Path(report).suffix.lower())
    if kind is None:
        raise InvalidInput(N_("cannot write the report {path}: the name must end in .html "
                              "or .pdf"), path=report)
    if not Path(report).resolve().parent.is_dir():
        raise InvalidInput(N_("cannot write the report {path} ({error})"), path=report,
                           error=os.strerror(errno.ENOENT))
    if kind == "html":
        return None
    to_pdf = frontend("pdf")
    if to_pdf is None:
        raise MeldkamerError(N_("a PDF report needs the workstation UI (QtWebEngine), which "
                                "is not installed (no 'pdf' frontend); write .html instead"))
    return to_pdf


def scenario_run(args: argparse.Namespace) -> int:
    import tempfile

    from meldkamer.core import Meldkamer
    from meldkamer.demo import load_demo
    from meldkamer.training import load

    to_pdf = _report_writer(args.report) if args.report else None  # before the run
    db = getattr(args, "db", None)
    with tempfile.TemporaryDirectory(prefix="meldkamer-scenario-") as tmp:
        own = args.headless and db is None  # a database of its own, gone afterwards
        if own:
            db = str(Path(tmp) / "training.sqlite3")
        core = Meldkamer.open(db, user=getattr(args, "user", None), training=True)
        if not own:
            _logged_in_trainer(core, args)
        try:
            scenario = load(_path(args.file), core.ref)
            load_demo(core, incidents=False)
            result, records = _play(args, core, scenario)
        finally:
            core.close()
    data = {"scenario": scenario.name, **result}
    if args.report:
        from meldkamer.training.report import DEFAULT_LANGUAGE, render_report, write_report
        from meldkamer.training.scoring import score_run

        speed = args.speed if args.speed is not None or args.headless else 1.0
        lang = getattr(args, "lang", None) or DEFAULT_LANGUAGE
        if to_pdf is None:
            write_report(args.report, scenario, records, score_run(records), speed=speed,
                         lang=lang)
        else:
            to_pdf(render_report(scenario, records, score_run(records), speed=speed,
                                 lang=lang), args.report)
        data["report"] = args.report
    _emit(args, data, tr("{name}: score {score} of 100 over {calls} calls (dispatched within "
                         "60 s: {share}%)", name=scenario.name, score=data["score"],
                         calls=data["calls"], share=round(100 * data["within_60s"])))
    return 0


def _play(args: argparse.Namespace, core: Any,
          scenario: Any) -> tuple[dict[str, Any], list[Any]]:
    from meldkamer.training.autopilot import Autopilot
    from meldkamer.training.engine import Engine
    from meldkamer.training.scoring import score_run

    speed = args.speed if args.speed is not None or args.headless else 1.0
    path = None
    if args.radio:
        from meldkamer.training.radio import RadioPath

        path = RadioPath(core)
    engine = Engine(core, scenario, speed=speed, radio=path)
    runtime = None
    try:
        if args.autopilot:
            Autopilot(engine)
        if speed is None:
            engine.run()
        else:
            # In real time on the runtime's scheduler, as the trainer console plays it: the
            # calls ring at the trainees' workstations on this training database and their
            # answers come back through the change feed.
            from meldkamer.runtime import Runtime

            runtime = Runtime(core).start()
            engine.attach(runtime)
            engine.start()
            shown = 0
            while not engine.finished:
                time.sleep(0.2)
                with engine.lock:
                    new = engine.log[shown:]
                    shown += len(new)
                for entry in new:
                    if not getattr(args, "json", False):
                        rest = " ".join(f"{k}={v}" for k, v in entry.items()
                                        if k not in ("at", "kind"))
                        print(f"{entry['at']:>8.0f}s  {entry['kind']:<12} {rest}",
                              file=sys.stderr, flush=True)
            engine.detach()
    finally:
        if runtime is not None and runtime.scheduler is not None:
            engine.detach()
            runtime.scheduler.shutdown(wait=True)
            runtime.scheduler = None
        engine.close()
        if path is not None:
            path.close()
    result = score_run(engine.records).as_data()
    result["events"] = len(engine.log)
    return result, list(engine.records)
