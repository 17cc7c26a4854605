"""A call the trainer makes by hand (the trainer console's form), checked field by field.

``manual_call(ref, form, taken)`` turns what the trainer typed into a scenario ``Call``
that ``Engine.inject_call`` rings, with the same rules as a scenario file's calls: a
phone number, a language of the scenarios, a place the gazetteer knows on the chosen
island (or coordinates typed as "lat, lon"), a class of the reference tree, its
priority (the class's own unless the trainer sets another), capabilities that exist.
Every refusal is a ``FieldError`` that names the form's field, so the console shows it
next to that field; nothing is rung.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput
from meldkamer.i18n import N_
from meldkamer.training.scenario import CALLER_RE, LANGUAGES, Call

_POINT = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
FIELDS = ("caller", "name", "language", "location", "island", "says", "classification",
          "priority", "units")


class FieldError(InvalidInput):
    """One field of the trainer's form is wrong; ``field`` names it."""

    def __init__(self, field: str, template: str, /, **fields: Any) -> None:
        super().__init__(template, **fields)
        self.field = field


@dataclass(frozen=True)
class CallForm:
    """What the trainer typed (texts as typed; ``priority`` None: the class's own)."""

    caller: str
    location: str
    island: str
    classification: str
    name: str = ""
    language: str = "nl"
    says: tuple[str, ...] = ()
    priority: int | None = None
    units: tuple[str, ...] = ()
    answers: Mapping[str, str] = field(default_factory=dict)
    clear_after: float = 900.0
    point: tuple[float, float] | None = None
    """Where the caller is when ``location`` is an address (a scenario call copied)."""


def leaf_classes(ref: Reference) -> list[str]:
    """The classes a call is given (those without sub-classes), by code."""
    parents = {c.parent for c in ref.classifications.values() if c.parent}
    return sorted(code for code in ref.classifications if code not in parents)


def class_priority(ref: Reference, code: str) -> int:
    """The priority a class gives an incident (its urgency's, for ambulance classes)."""
    cls = ref.classifications[code]
    return ref.urgencies[cls.urgency].priority if cls.urgency else cls.priority


def next_id(taken: Iterable[str]) -> str:
    """The first free id of the form T1, T2, ... (the scenario's own ids are taken)."""
    used = set(taken)
    n = 1
    while f"T{n}" in used:
        n += 1
    return f"T{n}"


def locate(ref: Reference, text: str, island: str) -> tuple[str, float, float]:
    """(what the caller says, lat, lon) for a place name (or alias) on ``island``, or
    coordinates typed as "lat, lon" that lie on it."""
    said = " ".join(text.split())
    if not said:
        raise FieldError("location", N_("say where: a place name or lat, lon"))
    isl = ref.islands[island]
    point = _POINT.match(said)
    if point:
        lat, lon = float(point.group(1)), float(point.group(2))
        if not isl.contains(lat, lon):
            raise FieldError("location", N_("{lat}, {lon} is not on {island}"), lat=lat,
                             lon=lon, island=isl.name)
        return f"{lat:.5f}, {lon:.5f}", lat, lon
    key = said.lower()
    for place in ref.places:
        if place.island == island and key in (place.name.lower(),
                                              *(a.lower() for a in place.aliases)):
            return place.name, place.lat, place.lon
    raise FieldError("location", N_("{text!r} is not a place on {island} in the gazetteer; "
                                    "type a place name or lat, lon"), text=said,
                     island=isl.name)


def manual_call(ref: Reference, form: CallForm, taken: Iterable[str] = ()) -> Call:
    """The form as a call to ring; ``taken``: the ids in use (the scenario's and earlier
    injects')."""
    caller = " ".join(form.caller.split())
    if not CALLER_RE.match(caller):
        raise FieldError("caller", N_("{value!r} is not a phone number (digits, spaces, "
                                      "a leading +)"), value=form.caller)
    if form.language not in LANGUAGES:
        raise FieldError("language", N_("language must be one of {known}"),
                         known=", ".join(LANGUAGES))
    if form.island not in ref.islands:
        raise FieldError("island", N_("choose an island"))
    if form.point is not None and form.location.strip():
        said, (lat, lon) = " ".join(form.location.split()), form.point
        if not ref.islands[form.island].contains(lat, lon):
            raise FieldError("island", N_("{lat}, {lon} is not on {island}"), lat=lat,
                             lon=lon, island=ref.islands[form.island].name)
    else:
        said, lat, lon = locate(ref, form.location, form.island)
    code = form.classification.strip().split(" ", 1)[0].upper()
    if code not in ref.classifications:
        raise FieldError("classification", N_("choose a class from the list (unknown class "
                                              "{code!r})"), code=form.classification)
    priority = class_priority(ref, code) if form.priority is None else form.priority
    if priority not in ref.priorities:
        raise FieldError("priority", N_("priority must be one of {known}"),
                         known=", ".join(str(p) for p in sorted(ref.priorities)))
    for cap in form.units:
        if cap not in ref.capabilities:
            raise FieldError("units", N_("unknown capability {capability!r}"),
                             capability=cap)
    questions = {q.id: q for q in ref.classifications[code].questions}
    answers = {k: v for k, v in form.answers.items()
               if k in questions and (not questions[k].answers or v in questions[k].answers)}
    return Call(id=next_id(taken), at=0.0, caller=caller, name=form.name.strip(),
                language=form.language, location=said, lat=lat, lon=lon, island=form.island,
                says=tuple(s.strip() for s in form.says if s.strip()), answers=answers,
                classification=code, priority=priority, units=tuple(form.units),
                clear_after=form.clear_after)
