"""Scoring a run: per call what the trainee did against what the scenario expected.

The rules (docs/scenarios.md, "Scoring") give each call 100 points:

- ``class``      30  the incident has the scenario's class (the exact code);
- ``priority``   15  and its priority;
- ``units``      30  the units dispatched cover the capabilities that should go, in
                     proportion: 30 x covered / expected (none expected: 30). A capability
                     the turnout showed with no unit to fill it (all busy, out of
                     service, none on the island) is not expected: it is listed as
                     ``unfillable`` instead;
- ``questions``  10  the class questions the caller has answers to were asked, in
                     proportion (none to ask: 10);
- ``on_time``    15  dispatched within 60 s of answering (NFPA 1225), or, when no unit
                     should (or could) go, the incident made within 60 s.

A call about an incident an earlier call already reported (``duplicate_of``) is scored
on other rules, also 100 points:

- ``duplicate``  85  attached to the incident the earlier call became (F9);
- ``on_time``    15  and within 60 s of answering.

A call never answered, or never made an incident, scores 0; so does a new call attached
to an incident, and a duplicate made a new incident. The run's score is the mean
of its calls' scores (a scenario without calls scores 100), rounded to one decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from meldkamer.training.engine import CallRecord

POINTS = {"class": 30.0, "priority": 15.0, "units": 30.0, "questions": 10.0, "on_time": 15.0}
DUPLICATE_POINTS = {"duplicate": 85.0, "on_time": 15.0}
TARGET_S = 60.0
"""NFPA 1225: a call dispatched within 60 s of answering ..."""
TARGET_SHARE = 0.9
"""... for 90% of calls."""
ANSWER_TARGET_S = 15.0
"""NFPA 1225 also: a call answered within 15 s of ringing for 90% of calls (reported
beside the score, not scored: a flood of calls is answered in turn)."""


@dataclass(frozen=True)
class CallScore:
    call: str
    points: dict[str, float]
    score: float
    time_to_answer: float | None
    time_to_classify: float | None
    time_to_dispatch: float | None
    incident: str | None
    classification: str | None
    expected_class: str
    dispatched: tuple[str, ...]
    missing: tuple[str, ...]
    """Capabilities that should have gone and did not."""
    unfillable: tuple[str, ...] = ()
    """Capabilities that should have gone but had no unit to send."""

    def as_data(self) -> dict[str, Any]:
        return {"call": self.call, "score": self.score, "points": self.points,
                "incident": self.incident, "classification": self.classification,
                "expected_class": self.expected_class, "dispatched": list(self.dispatched),
                "missing": list(self.missing), "unfillable": list(self.unfillable),
                "time_to_answer": self.time_to_answer,
                "time_to_classify": self.time_to_classify,
                "time_to_dispatch": self.time_to_dispatch}


@dataclass(frozen=True)
class RunScore:
    score: float
    calls: tuple[CallScore, ...]
    within_target: float
    """Share of the calls dispatched (or made) within 60 s of answering."""
    answered_in_time: float = 1.0
    """Share of the calls answered within 15 s of ringing (``ANSWER_TARGET_S``)."""

    @property
    def meets_nfpa(self) -> bool:
        return self.within_target >= TARGET_SHARE

    def as_data(self) -> dict[str, Any]:
        return {"score": self.score, "calls": len(self.calls),
                "within_60s": round(self.within_target, 3), "meets_nfpa_1225": self.meets_nfpa,
                "answered_within_15s": round(self.answered_in_time, 3),
                "answered": sum(1 for c in self.calls if c.time_to_answer is not None),
                "class_right": sum(1 for c in self.calls if c.points.get("class", 0) > 0),
                "duplicates_recognised": sum(1 for c in self.calls
                                             if c.points.get("duplicate", 0) > 0),
                "units_right": sum(1 for c in self.calls if not c.missing
                                   and c.points.get("units", 0) > 0),
                "per_call": [c.as_data() for c in self.calls]}


def missing_capabilities(expected: Sequence[str],
                         dispatched: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The expected capabilities no dispatched unit fills (each unit fills one; the units
    with fewest capabilities are used first)."""
    free = sorted((tuple(caps) for caps in dispatched), key=len)
    missing = []
    for cap in expected:
        unit = next((u for u in free if cap in u), None)
        if unit is None:
            missing.append(cap)
        else:
            free.remove(unit)
    return tuple(missing)


def _since(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else round(end - start, 3)


def score_call(record: CallRecord, original: CallRecord | None = None) -> CallScore:
    """One call's points; ``original``: for a duplicate, the record of the earlier call."""
    call = record.call
    if call.duplicate_of:
        return _score_duplicate(record, original)
    expected = list(call.units)
    unfillable = []
    for cap in record.unfillable:
        if cap in expected:
            expected.remove(cap)
            unfillable.append(cap)
    missing = missing_capabilities(expected, record.capabilities)
    points = dict.fromkeys(POINTS, 0.0)
    to_dispatch = _since(record.answered_at, record.dispatched_at if expected
                         else record.done_at)
    if record.incident is not None and not record.attached:
        points["class"] = POINTS["class"] if record.classification == call.classification \
            else 0.0
        points["priority"] = POINTS["priority"] if record.priority == call.priority else 0.0
        points["units"] = (POINTS["units"] * (len(expected) - len(missing)) / len(expected)
                           if expected else POINTS["units"])
        asked = [q for q in call.answers if q in record.answered]
        points["questions"] = (POINTS["questions"] * len(asked) / len(call.answers)
                               if call.answers else POINTS["questions"])
        if to_dispatch is not None and to_dispatch <= TARGET_S:
            points["on_time"] = POINTS["on_time"]
    points = {k: round(v, 2) for k, v in points.items()}
    return CallScore(call=call.id, points=points, score=round(sum(points.values()), 2),
                     time_to_answer=_since(record.rang_at, record.answered_at),
                     time_to_classify=_since(record.answered_at, record.classified_at),
                     time_to_dispatch=to_dispatch, incident=record.incident,
                     classification=record.classification,
                     expected_class=call.classification, dispatched=record.dispatched,
                     missing=missing, unfillable=tuple(unfillable))


def _score_duplicate(record: CallRecord, original: CallRecord | None) -> CallScore:
    points = dict.fromkeys(DUPLICATE_POINTS, 0.0)
    done = _since(record.answered_at, record.done_at)
    if record.attached and original is not None and original.incident is not None \
            and record.incident == original.incident:
        points["duplicate"] = DUPLICATE_POINTS["duplicate"]
        if done is not None and done <= TARGET_S:
            points["on_time"] = DUPLICATE_POINTS["on_time"]
    return CallScore(call=record.call.id, points=points, score=round(sum(points.values()), 2),
                     time_to_answer=_since(record.rang_at, record.answered_at),
                     time_to_classify=_since(record.answered_at, record.classified_at),
                     time_to_dispatch=done, incident=record.incident,
                     classification=record.classification,
                     expected_class=record.call.classification, dispatched=record.dispatched,
                     missing=())


def score_run(records: Sequence[CallRecord]) -> RunScore:
    by_id = {r.call.id: r for r in records}
    calls = tuple(score_call(r, by_id.get(r.call.duplicate_of)) for r in records)
    if not calls:
        return RunScore(100.0, (), 1.0)
    timely = sum(1 for c in calls if c.points["on_time"] > 0)
    quick = sum(1 for c in calls
                if c.time_to_answer is not None and c.time_to_answer <= ANSWER_TARGET_S)
    return RunScore(score=round(sum(c.score for c in calls) / len(calls), 1), calls=calls,
                    within_target=timely / len(calls), answered_in_time=quick / len(calls))
