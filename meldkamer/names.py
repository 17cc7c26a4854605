"""What people see instead of codes: names of statuses, states, reasons, and log lines.

Codes stay in the data, the database and ``--json``; every screen and the CLI's human
output show names in the chosen language through these helpers.

Incident log lines are stored as an English template plus fields (``Tx.log``). A field
may be a reference object (a status, a disposition, a class, ...), a list of them
(:class:`~meldkamer.i18n.Names`) or a nested message (an error): :func:`encode` turns
those into JSON (``{"$ref": "status", "code": "en_route"}``, ``{"$msg": template,
"fields": {...}}``) and :func:`render` turns them back into names in the reader's
language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from meldkamer.domain import phone
from meldkamer.domain.reference import (
    Answer,
    Capability,
    Classification,
    Discipline,
    Disposition,
    Named,
    Priority,
    Reference,
    StatusDef,
    Urgency,
)
from meldkamer.errors import MeldkamerError
from meldkamer.i18n import N_, Names, Text, language, tr

if TYPE_CHECKING:
    from meldkamer.domain.source import Source
    from meldkamer.domain.views import (
        CallView,
        DivertCandidate,
        DuplicateCandidate,
        LogView,
        Proposal,
        ProposalSet,
        TurnoutSlot,
    )

INCIDENT_STATES = {"open": N_("Open"), "closed": N_("Closed")}
LOCATION_STATES = {
    "unknown": N_("location unknown"),
    "island": N_("on the island"),
    "address": N_("address only"),
    "outside": N_("outside the area"),
}
LOG_KINDS = {
    "call": N_("Call"),
    "location": N_("Location"),
    "classification": N_("Classification"),
    "priority": N_("Priority"),
    "note": N_("Note"),
    "radio": N_("Radio"),
    "dispatch": N_("Dispatch"),
    "status": N_("Status"),
    "link": N_("Link"),
    "close": N_("Closing"),
    "alarm": N_("Emergency"),
    "questions": N_("Questions"),
    "attention": N_("Attention"),
}
ATTENTION = {"unattended": N_("no unit"), "overdue": N_("unit overdue")}
# The workstation's own jobs, as a system source's detail names them.
SYSTEM_JOBS = {"attention": N_("attention watch"), "unit-timers": N_("status timers"),
               "SDS": N_("dispatch SDS")}
SOURCE_KINDS = {
    "radio": N_("radio {detail}"),
    "simulator": N_("simulator {detail}"),
    "scenario": N_("scenario {detail}"),
    "system": N_("system ({detail})"),
}
CLEARED = N_("Cleared")
FLAG_KINDS = {"risk": N_("RISK"), "repeat": N_("REPEAT"), "info": N_("INFO")}
PROPOSAL_METHODS = {
    "no_coordinates": N_("no coordinates: ordered by callsign"),
    "by_road": N_("travel time by road (estimates where no road connects)"),
    "straight_line": N_("travel time estimated from straight-line distance (no road data)"),
}


def state(code: str) -> str:
    """An incident state's name ('open' -> 'Open')."""
    return tr(INCIDENT_STATES[code]) if code in INCIDENT_STATES else code


def location(code: str) -> str:
    """A location state's name ('outside' -> 'outside the area')."""
    return tr(LOCATION_STATES[code]) if code in LOCATION_STATES else code


def log_kind(code: str) -> str:
    """A log line kind's name ('dispatch' -> 'Alarmering')."""
    return tr(LOG_KINDS[code]) if code in LOG_KINDS else code


def attention(codes: Any) -> str:
    """Attention flags by name ('unattended' -> 'geen eenheid'), joined; '' for none."""
    return ", ".join(tr(ATTENTION[c]) if c in ATTENTION else c for c in codes)


def source(src: Source | None, user: str = "") -> str:
    """Who wrote a line: the operator's login, or 'radio P-101 (ISSI 2111001)', never both.

    A line from before sources were recorded shows its user, as it always did.
    """
    if src is None or src.kind == "operator":
        return src.user if src is not None else user
    detail = src.detail or src.kind
    if src.kind == "system" and detail in SYSTEM_JOBS:
        detail = tr(SYSTEM_JOBS[detail])
    return tr(SOURCE_KINDS.get(src.kind, "{detail}"), detail=detail).strip()


def log_source(entry: LogView) -> str:
    """The source of a log line as the detail view and ``incident show`` print it."""
    return source(entry.source, entry.user)


def flag_kind(code: str) -> str:
    return tr(FLAG_KINDS[code]) if code in FLAG_KINDS else code


def status(ref: Reference, code: str) -> str:
    """A unit status's name; the assignment pseudo-status 'cleared' too."""
    if code == "cleared":
        return tr(CLEARED)
    st = ref.statuses.get(code)
    return st.name() if st else code


def disposition(ref: Reference, code: str | None) -> str:
    disp = ref.dispositions.get(code or "")
    return disp.name() if disp else (code or "")


def discipline(ref: Reference, code: str) -> str:
    disc = ref.disciplines.get(code)
    return disc.name() if disc else code


def capability(ref: Reference, code: str) -> str:
    cap = ref.capabilities.get(code)
    return cap.name() if cap else code


def capabilities(ref: Reference, codes: Any) -> str:
    return ", ".join(capability(ref, c) for c in codes)


def classification(ref: Reference, code: str | None) -> str:
    """A class's full name from the root, in the current language."""
    cls = ref.classifications.get(code or "")
    return cls.path(ref) if cls else (code or "")


def _distance(metres: float | None) -> str:
    return tr("distance unknown") if metres is None else f"{metres / 1000:.1f} km"


def travel(p: Proposal | DivertCandidate, *, brief: bool = False) -> str:
    """'~12 min (estimate) · 3.4 km' for a proposal or a unit that could be diverted.

    ``brief``: '~12 min · 3.4 km', the '~' alone marking an estimate (not by road), and
    saying so when no travel time is known (the F5 question's line).
    """
    parts = []
    if p.travel_s is not None:
        minutes = f"{'' if p.routed else '~'}{p.travel_s / 60:.0f} min"
        how = tr("by road") if p.routed else tr("estimate")
        parts.append(minutes if brief else f"{minutes} ({how})")
    elif brief:
        parts.append(tr("travel time unknown"))
    parts.append(_distance(p.distance_m))
    return " · ".join(parts)


def proposal_reason(ref: Reference, p: Proposal) -> str:
    """Why a unit is proposed, in the current language."""
    cap = capability(ref, p.capability)
    if p.basis == "needed":
        return tr("needed: {capability}; nearest available ({travel})", capability=cap,
                  travel=travel(p))
    if p.basis == "alternative":
        return tr("alternative: {capability} ({travel})", capability=cap, travel=travel(p))
    return tr("no classification yet; available on the island: {capability} ({travel})",
              capability=cap, travel=travel(p))


def _busy(d: DivertCandidate) -> Text:
    if d.incident:
        return Text("{callsign} busy on {number}", callsign=d.callsign, number=d.incident)
    return Text("{callsign} busy", callsign=d.callsign)


def gap_message(ref: Reference, island: str, slot: TurnoutSlot) -> Text:
    """Why a turnout slot is unfilled ("Boat: no unit available; K-101 busy on BON-...")."""
    cap: Any = ref.capabilities.get(slot.capability) or slot.capability
    isl: Any = ref.islands[island].name if island in ref.islands else island
    if slot.gap == "busy":
        return Text("{capability}: no unit available; {busy}", capability=cap,
                    busy=Names(_busy(d) for d in slot.divert))
    if slot.gap == "cannot_divert":
        return Text("{capability}: no unit available; the ones on {island} are busy where "
                    "they cannot be taken away (a patient aboard)", capability=cap, island=isl)
    if slot.gap == "out_of_service":
        return Text("{capability}: no unit available; the ones on {island} are out of "
                    "service", capability=cap, island=isl)
    if slot.gap == "too_few":
        return Text("{capability}: no unit left; every one on {island} is already in this "
                    "turnout", capability=cap, island=isl)
    return Text("{capability}: {island} has no unit with it", capability=cap, island=isl)


def gap(ref: Reference, island: str, slot: TurnoutSlot) -> str:
    """``gap_message`` in the current language."""
    found = gap_message(ref, island, slot)
    return render(found.template, found.fields, ref)


def divert_candidate(ref: Reference, d: DivertCandidate) -> str:
    """'K-101 on BON-2026-000002 (priority 2) · ~12 min (estimate) · 29.6 km'."""
    if d.incident:
        where = tr("{callsign} on {number} (priority {priority})", callsign=d.callsign,
                   number=d.incident, priority=d.incident_priority)
    else:
        where = tr("{callsign} ({status})", callsign=d.callsign, status=status(ref, d.status))
    return f"{where} · {travel(d)}"


def proposal_method(ps: ProposalSet) -> str:
    return tr(PROPOSAL_METHODS.get(ps.method_code, ps.method))


def duplicate_reason(d: DuplicateCandidate, minutes: int = 30) -> str:
    """Why an incident may be the one a new call is about."""
    if d.basis == "same_caller":
        return tr("same caller within {minutes} min", minutes=minutes)
    return tr("{distance} m away, related class", distance=f"{d.distance_m or 0:.0f}")


def caller(call: CallView) -> str:
    """A call's number as people read it: "+599 717 1234", or why there is none."""
    return phone.CallerNumber(call.caller_number, call.number_state).shown()


# -- log lines ------------------------------------------------------------------------

_KIND_OF: dict[type, str] = {StatusDef: "status", Disposition: "disposition",
                             Classification: "classification", Discipline: "discipline",
                             Capability: "capability", Priority: "priority",
                             Urgency: "urgency", Answer: "answer"}


def _key_of(value: Any) -> Any:
    return getattr(value, "code", getattr(value, "level", None))


def encode(value: Any) -> Any:
    """A message field as JSON: reference objects by kind and code, messages nested."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    kind = _KIND_OF.get(type(value))
    if kind is not None:
        return {"$ref": kind, "code": _key_of(value)}
    if isinstance(value, Names):
        return {"$list": [encode(v) for v in value.items], "sep": value.sep}
    texts = getattr(value, "texts", None)
    if isinstance(texts, Mapping):  # an intake question: its text in every language
        return {"$texts": dict(texts)}
    if isinstance(value, Text | MeldkamerError):
        return {"$msg": value.template, "fields": {k: encode(v) for k, v in
                                                   value.fields.items()}}
    return str(value)


def _lookup(ref: Reference, kind: str, code: Any) -> Any:
    tables: dict[str, Mapping[Any, Any]] = {
        "status": ref.statuses, "disposition": ref.dispositions,
        "classification": ref.classifications, "discipline": ref.disciplines,
        "capability": ref.capabilities, "priority": ref.priorities,
        "urgency": ref.urgencies, "answer": ref.answers,
    }
    return tables.get(kind, {}).get(code)


def resolve(value: Any, ref: Reference, lang: str) -> Any:
    """A field (live object or its JSON) as the text it shows in ``lang``."""
    if isinstance(value, str | int | float) or value is None:
        return value
    if isinstance(value, dict) and "$ref" in value:
        found = _lookup(ref, str(value["$ref"]), value.get("code"))
        return resolve(found, ref, lang) if found is not None else str(value.get("code"))
    if isinstance(value, dict) and "$msg" in value:
        return render(str(value["$msg"]), value.get("fields") or {}, ref, lang)
    if isinstance(value, dict) and "$list" in value:
        return str(value.get("sep", ", ")).join(
            str(resolve(v, ref, lang)) for v in value["$list"]) or "-"
    if isinstance(value, dict) and "$texts" in value:
        texts = value["$texts"]
        return texts.get(lang) or texts.get("nl") or ""
    if isinstance(value, list):
        return ", ".join(str(resolve(v, ref, lang)) for v in value) or "-"
    if isinstance(value, Classification):
        return f"{value.code} {value.path(ref, lang)}"
    if isinstance(value, Named):
        return value.name(lang)
    if isinstance(value, Names):
        return value.sep.join(str(resolve(v, ref, lang)) for v in value.items) or value.empty
    if isinstance(value, Text | MeldkamerError):
        return render(value.template, value.fields, ref, lang)
    return value


def render(template: str, fields: Mapping[str, Any], ref: Reference,
           lang: str | None = None) -> str:
    """A stored message in ``lang`` (default: the current language)."""
    lang = lang or language()
    return tr(template, lang=lang, **{k: resolve(v, ref, lang) for k, v in fields.items()})


def log_text(ref: Reference, entry: LogView, lang: str | None = None) -> str:
    """A log line as the reader should see it; notes and old lines as they were written."""
    if entry.template is None:
        return entry.text
    return render(entry.template, entry.fields or {}, ref, lang)
