"""A perfect operator: takes every call the moment it rings, through the intake session.

It drives ``IntakeSession`` with the steps the trainee's keyboard takes (F2, the caller's
number, the location picked from the type-ahead, the class picked, the questions
answered, F5 for the class's turnout), never the services directly, so a scenario it
plays to 100 is a scenario a trainee can play.
"""

from __future__ import annotations

import math
import threading

from meldkamer.domain.lookup import LocationCandidate
from meldkamer.errors import InvalidInput
from meldkamer.intake.session import IntakeSession
from meldkamer.training.engine import CallRecord, Engine

NEAR_M = 250.0
"""A type-ahead candidate this close to the caller's true place is the place."""


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = (a[0] - b[0]) * 111_320.0
    dlon = (a[1] - b[1]) * 111_320.0 * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


class Autopilot:
    """Listens to an engine's ringing calls and takes each one at once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        engine.listeners.append(self.take)

    @property
    def session(self) -> IntakeSession:
        """The intake session of the thread that rings the calls (an ``IntakeSession`` is
        driven only from the thread that made it): made there, at its first call."""
        session: IntakeSession | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = IntakeSession(self.engine.core, None)
        return session

    def take(self, record: CallRecord) -> None:
        call, s = record.call, self.session
        s.start()
        self.engine.take(record, s)
        s.set_caller(call.caller)
        if call.name:
            s.set_name(call.name)
        s.set_location(self._locate(call.location, call.lat, call.lon))
        match = next((m for m in s.search_classes(call.classification)
                      if m.cls.code == call.classification), None)
        s.set_classification(match.cls if match else call.classification)
        for question in s.questions:
            if question.id in call.answers:
                s.answer(question.id, call.answers[question.id])
        original = next((r.incident for r in self.engine.records
                         if r.call.id == call.duplicate_of), None) if call.duplicate_of else None
        if original is not None:
            # F9 on the offered duplicate (or the incident looked up when it is not offered)
            offered = next((d.number for d in s.duplicates if d.number == original), original)
            outcome = s.attach_to(offered)
        else:
            outcome = s.create(turnout=True, partial=True)
        if outcome is None:  # refused: the form stays; say why and let the call go
            problem = s.error
            record.problem = str(problem) if problem else "refused"
            s.discard()

    def _locate(self, said: str, lat: float, lon: float) -> LocationCandidate:
        """What the operator types, then the candidate at the caller's place: the place
        name if the type-ahead finds it there, else the coordinates typed in."""
        for text in (said, f"{lat:.5f}, {lon:.5f}"):
            found = self.session.search_locations(text)
            if found is None:
                raise InvalidInput("the location index is not ready")
            near = [c for c in found if _metres((c.lat, c.lon), (lat, lon)) <= NEAR_M]
            if near:
                return near[0]
        raise InvalidInput("no location found for {text}", text=said)
