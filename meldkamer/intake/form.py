"""What the operator has recorded about a call so far, and how it is kept in the draft journal.

The journal format (a JSON object, ``meldkamer/drafts.py`` writes it) is the one the intake
dock wrote before the session existed, plus an optional ``note``: drafts saved by an
older workstation restore unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from meldkamer.domain import validate
from meldkamer.domain.lookup import LocationCandidate
from meldkamer.domain.reference import Question, Reference
from meldkamer.errors import InvalidInput
from meldkamer.i18n import tr


@dataclass(frozen=True)
class IntakeForm:
    """The fields of the call being taken, exactly as the operator gave them (unvalidated).

    ``location_text`` and ``class_text`` are what the fields show: the label of a picked
    place or class, or what was typed without picking one (then ``location`` or
    ``classification`` is None). ``answers`` are by question id, in their data form (the
    Dutch word of a choice, or free text).
    """

    caller: str = ""
    name: str = ""
    callback: str = ""
    location_text: str = ""
    location: LocationCandidate | None = None
    classification: str | None = None
    class_text: str = ""
    priority: int | None = None
    priority_reason: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    def is_empty(self) -> bool:
        """Nothing worth keeping has been entered."""
        return self.location is None and not any((
            self.caller, self.name, self.location_text, self.class_text, self.callback,
            self.note))


def to_draft(form: IntakeForm) -> dict[str, Any]:
    """The form as the draft journal stores it."""
    loc = form.location
    return {
        "caller": form.caller, "name": form.name, "callback": form.callback,
        "location_text": form.location_text,
        "location": None if loc is None else {
            "label": loc.label, "kind": loc.kind, "lat": loc.lat, "lon": loc.lon,
            "island": loc.island, "source": loc.source, "score": loc.score},
        "classification": form.classification,
        "class_text": form.class_text,
        "priority": form.priority if form.classification else None,
        "reason": form.priority_reason,
        "answers": dict(form.answers),
        "note": form.note,
    }


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise InvalidInput("the saved call cannot be restored: {problem}",
                           problem=f"{key} is not text")
    return str(value)


def _location(raw: object) -> LocationCandidate | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidInput("the saved call cannot be restored: {problem}",
                           problem="location is not an object")
    try:
        lat, lon = validate.coordinate(raw["lat"], raw["lon"])
        label = str(raw["label"])
    except (KeyError, TypeError, ValueError, InvalidInput) as exc:
        raise InvalidInput("the saved call cannot be restored: {problem}",
                           problem=f"location: {exc}") from exc
    island, score = raw.get("island"), raw.get("score")
    return LocationCandidate(label, str(raw.get("kind") or ""), lat, lon,
                             str(island) if island else None,
                             float(score) if isinstance(score, int | float) else 100.0,
                             str(raw.get("source") or "draft"))


def data_answer(question: Question, value: str, ref: Reference | None = None) -> str:
    """An answer in its data form: a choice by its Dutch word or as shown in any language."""
    value = value.strip()
    if not question.answers or not value or value in question.answers:
        return value
    folded = value.casefold()
    for choice in question.answers:
        named = ref.answers.get(choice) if ref is not None else None
        shown = {n.casefold() for n in named.names.values()} if named else set()
        if folded in ({choice.casefold(), tr(choice).casefold()} | shown):
            return choice
    raise InvalidInput("{answer!r} is not an answer to {question}; use one of {answers}",
                       answer=value, question=question.id, answers=", ".join(question.answers))


def from_draft(data: Mapping[str, Any], ref: Reference) -> IntakeForm:
    """A form from a saved draft; InvalidInput (nothing half-restored) when it is damaged.

    A class or priority the reference data no longer knows is kept as text only, so the
    operator sees what was recorded and picks again.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput("the saved call cannot be restored: {problem}",
                           problem="not an object")
    location = _location(data.get("location"))
    code = data.get("classification")
    cls = ref.classifications.get(code) if isinstance(code, str) else None
    priority: int | None = None
    answers: dict[str, str] = {}
    if cls is not None:
        raw_priority = data.get("priority")
        if isinstance(raw_priority, int) and raw_priority in ref.priorities:
            priority = raw_priority
        else:
            priority = ref.urgencies[cls.urgency].priority if cls.urgency else cls.priority
        raw_answers = data.get("answers") or {}
        if not isinstance(raw_answers, Mapping):
            raise InvalidInput("the saved call cannot be restored: {problem}",
                               problem="answers is not an object")
        by_id = {q.id: q for q in cls.questions}
        for qid, value in raw_answers.items():
            question = by_id.get(str(qid))
            if question is None or not isinstance(value, str):
                continue
            try:
                answer = data_answer(question, value, ref)
            except InvalidInput:
                continue  # an answer the script no longer offers: asked again
            if answer:
                answers[question.id] = answer
    location_text = _text(data, "location_text") or (location.label if location else "")
    class_text = _text(data, "class_text")
    if cls is not None and not class_text:
        class_text = cls.code
    return IntakeForm(
        caller=_text(data, "caller"), name=_text(data, "name"),
        callback=_text(data, "callback"), location_text=location_text, location=location,
        classification=cls.code if cls else None, class_text=class_text, priority=priority,
        priority_reason=_text(data, "reason") if cls else "", answers=answers,
        note=_text(data, "note"),
    )
