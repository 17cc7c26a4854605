"""Incidents exported for partners: ``meldkamer export incidents``, as JSON or CSV.

An export holds each incident of a period (created from ``--from`` to ``--to``) or one
incident by number, with its calls, its assignments (with each unit's status times) and
its log. Times are ISO 8601 in UTC. The JSON is one document
(``{"format": "meldkamer-incidents", "version": 1, "redacted": ..., "incidents": [...]}``);
the CSV is long: one row per record (``incident``, ``call``, ``assignment``, ``log``), the
record type in the first column and the incident number in the second, so a spreadsheet
filters it and ``read_csv`` rebuilds exactly what ``read_json`` reads.

Redaction (``redact=True``) removes personal data, the way ``scenario from-db``
pseudonymises its callers, for sharing outside the control room. Personal data here is:

- callers: their numbers, names and call-back numbers (each call keeps its time and
  whether a number was known, withheld or unknown);
- free text anyone typed: notes and radio lines, the override reason of a dispatch, and
  every log-line field that is not a code (reasons, a caller's own description of the
  place, close notes, names and numbers in "Call from ..." lines);
- the address (it names a home) and the precise position: coordinates are rounded to 3
  decimals (about 110 m), so the map and the island stay right;
- the staff's logins (who took the call, dispatched, wrote the line): they become
  ``operator``; what acted (operator, radio, system) and the radio's callsign stay.

What stays: numbers, islands, classes, priorities, states, dispositions, units, every
time, the rounded position and the log lines written by the system from codes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from meldkamer.errors import InvalidInput
from meldkamer.i18n import N_

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer
    from meldkamer.domain.reference import Reference
    from meldkamer.domain.views import IncidentView, LogView

FORMAT = "meldkamer-incidents"
VERSION = 1
REDACTED = "[redacted]"
STAFF = "operator"
ROUND_DIGITS = 3
MAX_INCIDENTS = 100_000
# Log-line fields that hold codes or the system's own words, never what a person typed.
SAFE_FIELDS = frozenset({"callsign", "number", "old", "new", "priority", "limit", "island",
                         "flags", "status", "disposition", "classification", "gap",
                         "urgency", "previous"})

INCIDENT_FIELDS = ("number", "island", "state", "location_state", "lat", "lon", "address",
                   "classification", "classification_name", "priority", "urgency",
                   "created_at", "updated_at", "closed_at", "disposition", "duplicate_of")
CALL_FIELDS = ("at", "caller_number", "number_state", "caller_name", "callback_number",
               "taken_by")
ASSIGNMENT_FIELDS = ("callsign", "discipline", "dispatched_at", "cleared_at",
                     "dispatched_by", "override_reason", "times")
LOG_FIELDS = ("at", "user", "kind", "text", "source_kind", "source_detail")
RECORDS = {"incident": INCIDENT_FIELDS, "call": CALL_FIELDS,
           "assignment": ASSIGNMENT_FIELDS, "log": LOG_FIELDS}
CSV_FIELDS = ("record", "incident", *dict.fromkeys(
    f for fields in RECORDS.values() for f in fields if f != "number"))
NULLABLE = frozenset({"lat", "lon", "classification", "urgency", "closed_at", "disposition",
                      "duplicate_of", "cleared_at", "source_kind", "source_detail"})
FLOATS = frozenset({"lat", "lon"})
INTS = frozenset({"priority"})


# -- the period -----------------------------------------------------------------------

def moment(text: str, *, end: bool = False) -> datetime:
    """``--from``/``--to``: a local date (YYYY-MM-DD: its start, or for ``end`` the start
    of the next day, so the day counts whole) or ISO 8601 with a UTC offset."""
    from meldkamer.domain.views import LOCAL

    value = text.strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is not None and len(value) == 10:
        start = datetime.combine(day + timedelta(days=1 if end else 0), time(0), tzinfo=LOCAL)
        return start.astimezone(UTC)
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(N_("{text!r} is not a date: type YYYY-MM-DD, or a time with its "
                              "UTC offset (2026-09-18T22:00-04:00)"), text=text) from None
    if found.tzinfo is None:
        raise InvalidInput(N_("{text!r} needs a UTC offset (e.g. 2026-09-18T22:00-04:00)"),
                           text=text)
    return found.astimezone(UTC)


# -- reading and redacting ------------------------------------------------------------

def collect(core: Meldkamer, *, start: datetime | None = None, end: datetime | None = None,
            number: str | None = None, redact: bool = False) -> dict[str, Any]:
    """The export document: the incidents created in [start, end), or the one ``number``."""
    from sqlalchemy import select

    from meldkamer.store.models import Incident

    if number is None and (start is None or end is None):
        raise InvalidInput(N_("give --from and --to, or --number"))
    if start is not None and end is not None and end <= start:
        raise InvalidInput(N_("--to ({end}) is not after --from ({start})"),
                           start=start.isoformat(), end=end.isoformat())
    if number is not None:
        views = [core.incidents.get(number)]
        views = [v for v in views
                 if (start is None or v.created_at >= start) and (end is None
                                                                 or v.created_at < end)]
    else:
        with core.store.read() as session:
            found = list(session.execute(
                select(Incident.number).where(Incident.created_at >= start,
                                              Incident.created_at < end)
                .order_by(Incident.created_at, Incident.id).limit(MAX_INCIDENTS + 1)).scalars())
        if len(found) > MAX_INCIDENTS:
            raise InvalidInput(N_("more than {limit} incidents in this period; export a "
                                  "shorter one"), limit=MAX_INCIDENTS)
        views = [core.incidents.get(n) for n in found]
    return {
        "format": FORMAT, "version": VERSION, "redacted": redact,
        "from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
        "incidents": [incident_data(core.ref, v, redact=redact) for v in views],
    }


def _iso(ts: datetime | None) -> str | None:
    return ts.astimezone(UTC).isoformat() if ts is not None else None


def _coded(value: Any) -> bool:
    """A log field that is a code (or made only of codes): nothing a person typed."""
    if isinstance(value, dict) and "$ref" in value:
        return True
    if isinstance(value, dict) and "$list" in value:
        return all(_coded(v) for v in value["$list"])
    if isinstance(value, dict) and "$msg" in value:
        return all(k in SAFE_FIELDS or _coded(v) for k, v in (value.get("fields") or {}).items())
    return isinstance(value, int | float) and not isinstance(value, bool)


def _log_text(ref: Reference, entry: LogView, redact: bool) -> str:
    from meldkamer import names

    if not redact:
        return entry.text
    if entry.template is None:  # a note, a radio line, or a line from before templates
        return REDACTED
    fields = {k: v if k in SAFE_FIELDS or _coded(v) else REDACTED
              for k, v in (entry.fields or {}).items()}
    return names.render(entry.template, fields, ref, "en")


def redact_log(entry: LogView) -> LogView:
    """A log line without what a person typed (the shift report's ``--redact``): a note or
    radio line becomes ``REDACTED``; a system line keeps its codes, other fields redacted."""
    if entry.template is None:
        return dataclasses.replace(entry, text=REDACTED, fields=None)
    fields = {k: v if k in SAFE_FIELDS or _coded(v) else REDACTED
              for k, v in (entry.fields or {}).items()}
    return dataclasses.replace(entry, text=REDACTED, fields=fields or None)


def incident_data(ref: Reference, inc: IncidentView, *, redact: bool = False) -> dict[str, Any]:
    """One incident as plain JSON data (codes, English texts, UTC times)."""
    def place(value: float | None) -> float | None:
        return round(value, ROUND_DIGITS) if redact and value is not None else value

    def staff(login: str) -> str:
        return STAFF if redact else login

    return {
        "number": inc.number, "island": inc.island, "state": inc.state,
        "location_state": inc.location_state, "lat": place(inc.lat), "lon": place(inc.lon),
        "address": "" if redact else inc.address, "classification": inc.classification,
        "classification_name": inc.classification_name, "priority": inc.priority,
        "urgency": inc.urgency, "created_at": _iso(inc.created_at),
        "updated_at": _iso(inc.updated_at), "closed_at": _iso(inc.closed_at),
        "disposition": inc.disposition, "duplicate_of": inc.duplicate_of,
        "calls": [{
            "at": _iso(c.at), "caller_number": "" if redact else c.caller_number,
            "number_state": c.number_state, "caller_name": "" if redact else c.caller_name,
            "callback_number": "" if redact else c.callback_number,
            "taken_by": staff(c.taken_by)} for c in inc.calls],
        "assignments": [{
            "callsign": a.callsign, "discipline": a.discipline,
            "dispatched_at": _iso(a.dispatched_at), "cleared_at": _iso(a.cleared_at),
            "dispatched_by": staff(a.dispatched_by),
            "override_reason": REDACTED if redact and a.override_reason else a.override_reason,
            "times": [{"status": t.status, "at": _iso(t.at)} for t in a.times],
        } for a in inc.assignments],
        "log": [{
            "at": _iso(e.at), "user": staff(e.user), "kind": e.kind,
            "text": _log_text(ref, e, redact),
            "source_kind": e.source.kind if e.source else None,
            "source_detail": (e.source.detail or None) if e.source else None,
        } for e in inc.log],
    }


# -- writing and reading back ---------------------------------------------------------

def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _cell(field: str, value: Any) -> str:
    if field == "times":
        return " ".join(f"{t['status']}@{t['at']}" for t in value)
    return "" if value is None else str(value)


def to_csv(doc: dict[str, Any]) -> str:
    """The long CSV: an incident row, then its calls, assignments and log lines."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for inc in doc["incidents"]:
        rows = [("incident", inc)] + [(kind, item) for kind, key in
                                      (("call", "calls"), ("assignment", "assignments"),
                                       ("log", "log")) for item in inc[key]]
        for kind, item in rows:
            row = {"record": kind, "incident": inc["number"]}
            row.update({f: _cell(f, item[f]) for f in RECORDS[kind] if f != "number"})
            writer.writerow(row)
    return out.getvalue()


def read_json(text: str) -> dict[str, Any]:
    """An export read back (for partners' tools and the round-trip test)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(N_("not an incident export: {error}"), error=str(exc)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InvalidInput(N_("not an incident export: {error}"), error="format")
    return doc


def _value(field: str, text: str) -> Any:
    if field == "times":
        return [{"status": s, "at": a} for s, _, a in (p.partition("@") for p in text.split())]
    if text == "" and field in NULLABLE:
        return None
    if field in FLOATS:
        return float(text)
    if field in INTS:
        return int(text)
    return text


def read_csv(text: str) -> list[dict[str, Any]]:
    """The incidents of a CSV export, rebuilt as the JSON export holds them."""
    incidents: dict[str, dict[str, Any]] = {}
    reader = csv.DictReader(io.StringIO(text))
    for line, row in enumerate(reader, 2):
        kind, number = row.get("record"), row.get("incident") or ""
        if kind not in RECORDS:
            raise InvalidInput(N_("line {line}: unknown record {kind!r}"), line=line,
                               kind=kind)
        try:
            item = {f: _value(f, row.get(f) or "") for f in RECORDS[kind] if f != "number"}
        except ValueError as exc:
            raise InvalidInput(N_("line {line}: {error}"), line=line, error=str(exc)) from None
        if kind == "incident":
            incidents[number] = {"number": number, **item, "calls": [], "assignments": [],
                                 "log": []}
        elif number not in incidents:
            raise InvalidInput(N_("line {line}: {kind} of {number} before its incident"),
                               line=line, kind=kind, number=number)
        else:
            key = {"call": "calls", "assignment": "assignments", "log": "log"}[kind]
            incidents[number][key].append(item)
    return list(incidents.values())
