"""The shift report: what happened in one shift, for the supervisor who hands it over.

No shift times are configured anywhere in the reference data, so a shift is the local day
(America/Kralendijk, UTC-4, no daylight saving) from 00:00 to 24:00, or with ``kind`` the
day shift 07:00-19:00 or the night shift 19:00-07:00 (it ends the next morning).

``collect(core, day, kind=None, island=None)`` reads the shift from the database in one
session (a handful of queries, never one per incident) into plain data; ``render_html``
lays it out as one self-contained HTML page (inline CSS, no script, no external URL: the
``pdf`` frontend prints it to A4) and ``write_csv`` writes one row per incident. Both
speak the language they are given (Dutch by default). Sections: totals, incidents per
class and island, units used (how often, how long committed within the shift), notable
events (priority 1, emergencies, attention flags, incomplete turnouts, long incidents),
open incidents handed over (state, units, last log line), and every incident.

Which incidents: those created in the shift, plus those still open at its end (handed
over, whenever they were created). "Open at the end" is read from the closing time, so a
report written later still shows what was handed over then.
"""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meldkamer.errors import InvalidInput
from meldkamer.i18n import N_, language, set_language, tr

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer
    from meldkamer.domain.reference import Reference
    from meldkamer.domain.views import LogView
    from meldkamer.store.models import LogEntry

DEFAULT_LANGUAGE = "nl"
SHIFTS = {"day": (time(7), timedelta(hours=12)), "night": (time(19), timedelta(hours=12))}
SHIFT_NAMES = {"day": N_("day shift"), "night": N_("night shift"), None: N_("whole day")}
LONG_INCIDENT = timedelta(hours=2)
"""An incident open longer than this is a notable event."""
GAP_TEMPLATE = "Turnout incomplete: {gap}"  # the dispatch service's log line for a gap


@dataclasses.dataclass(frozen=True)
class Window:
    """A shift: its local day and kind, and its start and end in UTC (end excluded)."""

    day: date
    kind: str | None
    start: datetime
    end: datetime
    until: datetime | None = None
    """For a shift still running when the report is written: now (times end here)."""

    @property
    def stop(self) -> datetime:
        """Where the shift's time ends: its end, or now for one still running."""
        return self.until or self.end


@dataclasses.dataclass(frozen=True)
class LogLine:
    """A log line, shown in the reader's language when the report is laid out."""

    at: datetime
    kind: str
    view: LogView


@dataclasses.dataclass(frozen=True)
class ShiftIncident:
    """One incident as the report shows it (state and units as they were at shift end)."""

    number: str
    island: str
    classification: str | None
    priority: int
    urgency: str | None
    address: str
    created_at: datetime
    closed_at: datetime | None
    state: str
    """open, closed or duplicate at the shift's end."""
    disposition: str | None
    duplicate_of: str | None
    calls: int
    units: tuple[str, ...]
    """Callsigns dispatched before the shift ended, in dispatch order."""
    units_on: tuple[str, ...]
    """Of those, the ones still assigned at the shift's end."""
    first_dispatch: datetime | None
    first_on_scene: datetime | None
    last_log: LogLine | None
    in_shift: bool
    """Created in the shift (False: carried over from an earlier one and still open)."""
    handed_over: bool


@dataclasses.dataclass(frozen=True)
class UnitUse:
    callsign: str
    discipline: str
    island: str
    dispatches: int
    committed: timedelta


@dataclasses.dataclass(frozen=True)
class Notable:
    at: datetime
    kind: str
    """priority1, emergency, attention, turnout_gap or long."""
    number: str | None
    text: str = ""
    log: LogView | None = None


@dataclasses.dataclass(frozen=True)
class ShiftReport:
    window: Window
    island: str | None
    incidents: tuple[ShiftIncident, ...]
    units: tuple[UnitUse, ...]
    notable: tuple[Notable, ...]
    written: datetime

    @property
    def created(self) -> tuple[ShiftIncident, ...]:
        return tuple(i for i in self.incidents if i.in_shift)

    @property
    def handed_over(self) -> tuple[ShiftIncident, ...]:
        return tuple(i for i in self.incidents if i.handed_over)


# -- the window -----------------------------------------------------------------------

def redacted(report: ShiftReport) -> ShiftReport:
    """The report without personal data, to share beyond the control room: no addresses,
    and log lines (an incident's last line, a notable event's) without what a person typed
    (``meldkamer.exchange.incidents.redact_log``). Numbers, classes, times, units stay."""
    from meldkamer.exchange.incidents import redact_log

    def line(entry: LogLine | None) -> LogLine | None:
        return None if entry is None else dataclasses.replace(entry,
                                                              view=redact_log(entry.view))

    return dataclasses.replace(
        report,
        incidents=tuple(dataclasses.replace(i, address="", last_log=line(i.last_log))
                        for i in report.incidents),
        notable=tuple(dataclasses.replace(n, log=redact_log(n.log)) if n.log is not None
                      else n for n in report.notable))


def parse_day(text: str) -> date:
    """A date as YYYY-MM-DD; anything else is ``InvalidInput``."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(N_("{text!r} is not a date: type YYYY-MM-DD"), text=text) from None


def window(day: date, kind: str | None = None) -> Window:
    """The shift of ``day`` (local): the whole day, or its day or night shift."""
    from meldkamer.domain.views import LOCAL

    if kind is not None and kind not in SHIFTS:
        raise InvalidInput(N_("unknown shift {kind!r}; use day or night"), kind=kind)
    begin, length = SHIFTS[kind] if kind else (time(0), timedelta(days=1))
    start = datetime.combine(day, begin, tzinfo=LOCAL)
    # Local time has no daylight saving: adding in UTC gives the same wall-clock end.
    return Window(day, kind, start.astimezone(UTC), (start + length).astimezone(UTC))


# -- reading --------------------------------------------------------------------------

def collect(core: Meldkamer, day: date, kind: str | None = None, *,
            island: str | None = None) -> ShiftReport:
    """Read the shift's incidents, units and notable events from the database."""
    from sqlalchemy import and_, func, or_, select
    from sqlalchemy.orm import selectinload

    from meldkamer.domain.views import LogView
    from meldkamer.services.common import log_source
    from meldkamer.store.models import Alarm, Assignment, Incident, LogEntry, Unit
    from meldkamer.store.models import UnitStatusChange as Change

    win = window(day, kind)
    now = core.clock()
    if now < win.end:  # a shift still running: committed and open "until now"
        win = dataclasses.replace(win, until=max(now, win.start))
    code = core.ref.island(island).code if island else None
    start, end = win.start, win.end
    with core.store.read() as session:
        # Every incident the shift worked on: made in it, or taken over from the shift
        # before (open at its start, whether closed in this shift or handed on again).
        q = select(Incident).where(
            Incident.created_at < end,
            or_(Incident.created_at >= start, Incident.closed_at.is_(None),
                Incident.closed_at >= start),
        ).options(selectinload(Incident.calls),
                  selectinload(Incident.assignments).selectinload(Assignment.unit))
        if code:
            q = q.where(Incident.island == code)
        rows = list(session.execute(q.order_by(Incident.created_at, Incident.id)).scalars())
        ids = [inc.id for inc in rows]
        numbers = dict(session.execute(select(Incident.id, Incident.number).where(
            Incident.id.in_({i.duplicate_of_id for i in rows if i.duplicate_of_id}))).all())
        on_scene: dict[int, datetime] = {}
        logs: dict[int, list[LogEntry]] = defaultdict(list)
        if ids:
            on_scene = dict(session.execute(  # type: ignore[arg-type]
                select(Change.incident_id, func.min(Change.at))
                .where(Change.incident_id.in_(ids), Change.to_status == "on_scene",
                       Change.at < end)
                .group_by(Change.incident_id)).all())
            for entry in session.execute(
                    select(LogEntry).where(LogEntry.incident_id.in_(ids), LogEntry.at < end)
                    .order_by(LogEntry.id)).scalars():
                logs[entry.incident_id].append(entry)
        uses = session.execute(
            select(Assignment, Unit, Incident.island).join(Unit, Assignment.unit_id == Unit.id)
            .join(Incident, Assignment.incident_id == Incident.id)
            .where(Assignment.dispatched_at < end,
                   or_(Assignment.cleared_at.is_(None), Assignment.cleared_at > start),
                   *([Incident.island == code] if code else []))).all()
        alarm_q = select(Alarm, Unit).outerjoin(Unit, Alarm.unit_id == Unit.id).where(
            Alarm.raised_at >= start, Alarm.raised_at < end)
        if code:
            alarm_q = alarm_q.where(and_(Unit.island == code))
        alarms = session.execute(alarm_q.order_by(Alarm.raised_at)).all()

        def line(e: LogEntry) -> LogLine:
            view = LogView(e.at, e.user, e.kind, e.text, e.template, e.fields, log_source(e))
            return LogLine(e.at, e.kind, view)

        incidents: list[ShiftIncident] = []
        notable: list[Notable] = []
        for inc in rows:
            closed = inc.closed_at if inc.closed_at is not None and inc.closed_at < end \
                else None
            went = [a for a in inc.assignments if a.dispatched_at < end]
            state = "open" if closed is None else ("duplicate" if inc.duplicate_of_id
                                                   else "closed")
            entries = logs.get(inc.id, [])
            incidents.append(ShiftIncident(
                number=inc.number, island=inc.island, classification=inc.classification,
                priority=inc.priority, urgency=inc.urgency, address=inc.address,
                created_at=inc.created_at, closed_at=closed, state=state,
                disposition=inc.disposition if closed else None,
                duplicate_of=numbers.get(inc.duplicate_of_id or 0) if closed else None,
                calls=sum(1 for c in inc.calls if c.at < end),
                units=tuple(dict.fromkeys(a.unit.callsign for a in went)),
                units_on=tuple(dict.fromkeys(
                    a.unit.callsign for a in went
                    if a.cleared_at is None or a.cleared_at >= end)),
                first_dispatch=min((a.dispatched_at for a in went), default=None),
                first_on_scene=on_scene.get(inc.id),
                last_log=line(entries[-1]) if entries else None,
                in_shift=inc.created_at >= start, handed_over=closed is None))
            notable += _notable_of(incidents[-1], entries, line, win)
        logged = {n.at for n in notable if n.kind == "emergency"}
        for alarm, unit in alarms:  # those on no incident (the others are in its log)
            if alarm.raised_at in logged:
                continue
            who = unit.callsign if unit is not None else f"ISSI {alarm.issi}"
            notable.append(Notable(alarm.raised_at, "emergency", None,
                                   f"EMERGENCY from {who} ({alarm.kind})"))
        units = _unit_uses(uses, win)
    notable.sort(key=lambda n: (n.at, n.number or ""))
    return ShiftReport(win, code, tuple(incidents), units, tuple(notable), now)


def _notable_of(inc: ShiftIncident, entries: list[LogEntry],
                line: Callable[[LogEntry], LogLine], win: Window) -> list[Notable]:
    out: list[Notable] = []
    if inc.in_shift and inc.priority == 1:
        out.append(Notable(inc.created_at, "priority1", inc.number))
    for e in entries:
        if e.at < win.start:
            continue
        if e.kind == "attention" and e.template and not e.template.startswith(
                "Attention acknowledged"):
            out.append(Notable(e.at, "attention", inc.number, log=line(e).view))
        elif e.kind == "alarm" and (e.template or "").startswith("EMERGENCY"):
            out.append(Notable(e.at, "emergency", inc.number, log=line(e).view))
        elif e.kind == "dispatch" and e.template == GAP_TEMPLATE:
            out.append(Notable(e.at, "turnout_gap", inc.number, log=line(e).view))
    lasted = (inc.closed_at or win.stop) - inc.created_at
    if lasted > LONG_INCIDENT:
        out.append(Notable(inc.closed_at or win.stop, "long", inc.number,
                           f"{_duration(lasted)}"))
    return out


def _unit_uses(uses: Iterable[Any], win: Window) -> tuple[UnitUse, ...]:
    """Per unit: dispatches made in the shift, time committed within it (an assignment
    from an earlier shift counts its time here, not its dispatch)."""
    count: Counter[str] = Counter()
    busy: dict[str, timedelta] = defaultdict(timedelta)
    info: dict[str, tuple[str, str]] = {}
    for a, unit, _island in uses:
        count[unit.callsign] += 1 if a.dispatched_at >= win.start else 0
        begin = max(a.dispatched_at, win.start)
        until = min(a.cleared_at or win.stop, win.stop)
        busy[unit.callsign] += max(until - begin, timedelta(0))
        info[unit.callsign] = (unit.discipline, unit.island)
    return tuple(UnitUse(cs, info[cs][0], info[cs][1], count[cs], busy[cs])
                 for cs in sorted(info, key=lambda c: (-busy[c], c)))


# -- showing --------------------------------------------------------------------------

@contextmanager
def _speaking(lang: str) -> Iterator[None]:
    """Names (meldkamer.names) follow the current language: switch it for the report."""
    before = language()
    set_language(lang)
    try:
        yield
    finally:
        set_language(before)


def _local(ts: datetime | None, *, day: bool = False) -> str:
    from meldkamer.domain.views import local

    shown = local(ts)
    if shown is None:
        return ""
    return shown.strftime("%Y-%m-%d %H:%M" if day else "%H:%M")


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _when(report: ShiftReport, ts: datetime) -> str:
    """A time in the shift as hh:mm; with the date when it is not the shift's first day."""
    from meldkamer.domain.views import local

    shown = local(ts)
    assert shown is not None
    return _local(ts) if shown.date() == report.window.day else _local(ts, day=True)


NOTABLE_KINDS = {"priority1": N_("Priority 1"), "emergency": N_("Emergency"),
                 "attention": N_("Attention"), "turnout_gap": N_("Turnout incomplete"),
                 "long": N_("Long incident")}
STATES = {"open": N_("open"), "closed": N_("closed"), "duplicate": N_("duplicate")}


def title(report: ShiftReport, lang: str = DEFAULT_LANGUAGE) -> str:
    """The report's title: the shift, its local times and the island (or all)."""
    win = report.window
    where = report.island or tr("all islands", lang=lang)
    return tr("Shift report {day}, {shift} ({start} to {end}), {island}", lang=lang,
              day=win.day.isoformat(), shift=tr(SHIFT_NAMES[win.kind], lang=lang),
              start=_local(win.start, day=True), end=_local(win.end, day=True), island=where)


def _notable_text(ref: Reference, n: Notable, report: ShiftReport, lang: str) -> str:
    if n.kind == "priority1":
        inc = next(i for i in report.incidents if i.number == n.number)
        from meldkamer import names

        return names.classification(ref, inc.classification) or tr("no class", lang=lang)
    if n.kind == "long":
        return tr("open for {hours} (h:mm)", lang=lang, hours=n.text)
    if n.kind == "emergency":
        who, _, rest = n.text.removeprefix("EMERGENCY from ").partition(" (")
        return tr("EMERGENCY from {callsign}", lang=lang, callsign=who) + f" ({rest}"
    if n.log is not None:
        from meldkamer import names

        return names.log_text(ref, n.log, lang)
    return n.text


_CSS = """
body{font-family:sans-serif;margin:2em;color:#222}
h1{font-size:1.4em;margin-bottom:.2em}
h2{font-size:1.1em;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.4em 0;font-size:.85em}
th,td{border:1px solid #bbb;padding:.2em .45em;text-align:left;vertical-align:top}
th{background:#eee}
td.num{text-align:right}
td.nw{white-space:nowrap}
p.none{font-style:italic;color:#555}
.p1{color:#a00;font-weight:bold}
dl.totals{display:grid;grid-template-columns:max-content auto;gap:.15em 1em}
dl.totals dt{font-weight:bold}dl.totals dd{margin:0}
@media print{
body{margin:0;font-size:9pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1,h2{break-after:avoid}
table{font-size:7.5pt}
table.wide{width:100%}
thead{display:table-header-group}
tr,dl.totals{break-inside:avoid}
td.wrap{overflow-wrap:anywhere}
}
"""


def _table(heads: list[str], rows: list[list[str]], *, numeric: frozenset[int] = frozenset(),
           none: str, wide: bool = False, nowrap: frozenset[int] = frozenset({0})) -> str:
    """A table (cells already escaped), or a line that says there is nothing."""
    if not rows:
        return f'<p class="none">{escape(none)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    body = "\n".join(
        "<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else
                         f'<td class="nw">{c}</td>' if i in nowrap else f"<td>{c}</td>"
                         for i, c in enumerate(r)) + "</tr>" for r in rows)
    klass = ' class="wide"' if wide else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def render_html(report: ShiftReport, ref: Reference, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """The report as one self-contained HTML page in ``lang``."""
    with _speaking(lang):
        return _render(report, ref, lang)


def _render(report: ShiftReport, ref: Reference, lang: str) -> str:
    from meldkamer import names

    created = report.created
    nothing = tr("none")
    totals = [
        (tr("Incidents created"), str(len(created))),
        (tr("Closed in the shift"), str(sum(1 for i in report.incidents
                                           if i.closed_at is not None and i.state != "open"))),
        (tr("Duplicates"), str(sum(1 for i in created if i.state == "duplicate"))),
        (tr("Handed over (open at the end)"), str(len(report.handed_over))),
        (tr("Priority 1"), str(sum(1 for i in created if i.priority == 1))),
        (tr("Calls"), str(sum(i.calls for i in created))),
        (tr("Units used"), str(len(report.units))),
        (tr("Notable events"), str(len(report.notable))),
    ]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in totals)
    islands = sorted({i.island for i in created})
    per: Counter[tuple[str | None, str]] = Counter((i.classification, i.island)
                                                    for i in created)
    classes = sorted({c for c, _ in per}, key=lambda c: (c is None, c or ""))
    class_rows = [[escape(c or "-"), escape(names.classification(ref, c) or tr("no class")),
                   *[str(per[(c, isl)] or "") for isl in islands],
                   str(sum(per[(c, isl)] for isl in islands))] for c in classes]
    if class_rows:
        class_rows.append(["", f"<b>{escape(tr('Total'))}</b>",
                           *[str(sum(1 for i in created if i.island == isl)) for isl in islands],
                           f"<b>{len(created)}</b>"])
    unit_rows = [[escape(u.callsign), escape(names.discipline(ref, u.discipline)),
                  escape(u.island), str(u.dispatches), _duration(u.committed)]
                 for u in report.units]
    notable_rows = [[_when(report, n.at), escape(tr(NOTABLE_KINDS[n.kind])),
                     escape(n.number or ""), escape(_notable_text(ref, n, report, lang))]
                    for n in report.notable]
    handed = [[escape(i.number), escape(tr(STATES[i.state])), str(i.priority),
               escape(names.classification(ref, i.classification) or tr("no class")),
               _when(report, i.created_at) if i.in_shift else _local(i.created_at, day=True),
               escape(", ".join(i.units_on) or "-"),
               (escape(f"{_when(report, i.last_log.at)} {_log_line(ref, i, lang)}")
                if i.last_log else "")]
              for i in report.handed_over]
    all_rows = [[escape(i.number), str(i.priority) + (f" {escape(i.urgency)}" if i.urgency
                                                      else ""),
                 escape(names.classification(ref, i.classification) or tr("no class")),
                 escape(i.address), _when(report, i.created_at),
                 _when(report, i.first_dispatch) if i.first_dispatch else "",
                 _when(report, i.first_on_scene) if i.first_on_scene else "",
                 _when(report, i.closed_at) if i.closed_at else "",
                 escape(tr(STATES[i.state]) + (f" {names.disposition(ref, i.disposition)}"
                                               if i.disposition else "")),
                 escape(", ".join(i.units))] for i in created]
    sections = [
        (N_("Totals"), f'<dl class="totals">{dl}</dl>'),
        (N_("Incidents per class and island"),
         _table([tr("Code"), tr("Class"), *islands, tr("Total")], class_rows,
                numeric=frozenset(range(2, 3 + len(islands))), none=nothing)),
        (N_("Units used"), _table([tr("Unit"), tr("Discipline"), tr("Island"), tr("Dispatches"),
                               tr("Committed (h:mm)")], unit_rows,
                              numeric=frozenset({3, 4}), none=nothing)),
        (N_("Notable events"), _table([tr("Time"), tr("Event"), tr("Incident"), tr("Details")],
                                  notable_rows, none=nothing, wide=True,
                                  nowrap=frozenset({0, 2}))),
        (N_("Open incidents handed over"),
         _table([tr("Incident"), tr("State"), tr("Priority"), tr("Class"), tr("Created"),
                 tr("Units"), tr("Last log line")], handed, none=nothing, wide=True)),
        (N_("Incidents of the shift"),
         _table([tr("Incident"), tr("Priority"), tr("Class"), tr("Address"), tr("Created"),
                 tr("Dispatched"), tr("On scene"), tr("Closed"), tr("State"), tr("Units")],
                all_rows, none=nothing, wide=True)),
    ]
    body = "\n".join(f"<h2>{escape(tr(h))}</h2>\n{content}" for h, content in sections)
    heading = escape(title(report, lang))
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8"/>\n'
            f"<title>{heading}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            f"<h1>{heading}</h1>\n<p>"
            + escape(tr("Written {at} (local time, UTC-4).", at=_local(report.written, day=True))
                     + (" " + tr("The shift was still running: figures up to then.")
                        if report.window.until else ""))
            + f"</p>\n{body}\n</body>\n</html>\n")


def _log_line(ref: Reference, inc: ShiftIncident, lang: str) -> str:
    from meldkamer import names

    assert inc.last_log is not None
    return f"{names.log_kind(inc.last_log.kind)}: {names.log_text(ref, inc.last_log.view, lang)}"


CSV_FIELDS = ("number", "island", "priority", "urgency", "classification",
              "classification_name", "address", "created", "first_dispatch",
              "first_on_scene", "closed", "state", "disposition", "duplicate_of", "calls",
              "units", "units_at_end", "handed_over", "last_log")
"""The CSV's columns (codes in English, so a spreadsheet can filter on them); names in the
report's language; times local (UTC-4) as YYYY-MM-DD HH:MM."""


def csv_rows(report: ShiftReport, ref: Reference, *,
             lang: str = DEFAULT_LANGUAGE) -> list[dict[str, str]]:
    """One row per incident of the shift (created in it, or handed over at its end)."""
    from meldkamer import names

    with _speaking(lang):
        return [{
            "number": i.number, "island": i.island, "priority": str(i.priority),
            "urgency": i.urgency or "", "classification": i.classification or "",
            "classification_name": names.classification(ref, i.classification),
            "address": i.address, "created": _local(i.created_at, day=True),
            "first_dispatch": _local(i.first_dispatch, day=True),
            "first_on_scene": _local(i.first_on_scene, day=True),
            "closed": _local(i.closed_at, day=True), "state": i.state,
            "disposition": i.disposition or "", "duplicate_of": i.duplicate_of or "",
            "calls": str(i.calls), "units": " ".join(i.units),
            "units_at_end": " ".join(i.units_on),
            "handed_over": "yes" if i.handed_over else "no",
            "last_log": names.log_text(ref, i.last_log.view, lang) if i.last_log else "",
        } for i in report.incidents]


def write_csv(report: ShiftReport, ref: Reference, path: str | Path, *,
              lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write the CSV (UTF-8 with a byte-order mark, so spreadsheets read the accents)."""
    out = Path(path)
    rows = csv_rows(report, ref, lang=lang)
    try:
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise InvalidInput(N_("cannot write {path} ({error})"), path=str(out),
                           error=exc.strerror or str(exc)) from None
    return out
