"""What the intake needs while a call is being taken: history, nearby, duplicates, flags."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from meldkamer.commands import catalogue as c
from meldkamer.commands.base import writes
from meldkamer.domain import validate
from meldkamer.domain.geo import distance_m
from meldkamer.domain.lookup import (
    ClassificationIndex,
    LocationSearch,
    NamedPoint,
    PointSource,
)
from meldkamer.domain.views import (
    CallerHistory,
    DuplicateCandidate,
    FlagView,
    NearbyIncident,
)
from meldkamer.errors import InvalidInput
from meldkamer.events import CallerFlagged
from meldkamer.services import audit_rows
from meldkamer.store.models import Call, CallerFlag, Incident, Station

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

FLAG_KINDS = ("risk", "repeat", "info")
REPEAT_CALLS_30_DAYS = 3
DUPLICATE_MINUTES = 30
DUPLICATE_METRES = 300
NEARBY_METRES = 250
_DEG_PER_M = 1 / 111_000


class IntakeService:
    """Read-mostly lookups for call intake, plus caller flags."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core
        self._classes: ClassificationIndex | None = None
        self._locations: LocationSearch | None = None

    @property
    def classes(self) -> ClassificationIndex:
        """The classification type-ahead, built on first use (the CLI never needs it)."""
        if self._classes is None:
            self._classes = ClassificationIndex(self.core.ref)
        return self._classes

    def locations(self) -> LocationSearch:
        """Places from the reference data and the stations in the store, searchable."""
        if self._locations is None:
            with self.core.store.read() as session:
                stations = [NamedPoint(s.name, "station", s.lat, s.lon, s.island, (s.code,))
                            for s in session.execute(select(Station)).scalars()]
            self._locations = LocationSearch(self.core.ref, [
                self.core.geo,  # addresses, streets and places (maps package)
                PointSource(stations, "stations"),
            ])
        return self._locations

    def caller_history(self, number: str, *, limit: int = 10) -> CallerHistory:
        """Earlier incidents of this number, its flags, and whether it calls often.

        A withheld, unknown or short number (112) has no history: such calls are many
        different people.
        """
        caller = validate.caller(number)
        keys = caller.lookup_keys()
        if not keys:
            return CallerHistory(caller.number, (), 0, False, (), number_state=caller.state,
                                 shown=caller.shown())
        since = self.core.clock() - timedelta(days=30)
        with self.core.store.read() as session:
            ids = list(session.execute(
                select(Call.incident_id).where(Call.caller_number.in_(keys))
                .group_by(Call.incident_id).order_by(func.max(Call.id).desc()).limit(limit)
            ).scalars())
            recent = session.scalar(
                select(func.count()).select_from(Call)
                .where(Call.caller_number.in_(keys), Call.at >= since)
            ) or 0
            flags = [FlagView(f.kind, f.note, f.created_at, f.created_by)
                     for f in session.execute(
                         select(CallerFlag).where(CallerFlag.number.in_(keys))
                         .order_by(CallerFlag.id)).scalars()]
        incidents = self.core.incidents.summaries(ids)
        return CallerHistory(caller.number, tuple(incidents), int(recent),
                             recent >= REPEAT_CALLS_30_DAYS or any(
                                 f.kind == "repeat" for f in flags), tuple(flags),
                             shown=caller.shown())

    def nearby(self, lat: float, lon: float, *, radius_m: float = NEARBY_METRES,
               limit: int = 10) -> list[NearbyIncident]:
        """Earlier and current incidents within ``radius_m`` of a point, nearest first."""
        la, lo = validate.coordinate(lat, lon)
        dlat = radius_m * _DEG_PER_M
        dlon = dlat / max(0.2, abs(math.cos(math.radians(la))))
        with self.core.store.read() as session:
            rows = session.execute(
                select(Incident.id, Incident.lat, Incident.lon)
                .where(Incident.lat.between(la - dlat, la + dlat),
                       Incident.lon.between(lo - dlon, lo + dlon))
                .order_by(Incident.id.desc()).limit(500)
            ).all()
        close = sorted(
            ((distance_m(la, lo, r.lat, r.lon), r.id) for r in rows),
        )
        close = [(d, i) for d, i in close if d <= radius_m][:limit]
        views = {v.id: v for v in self.core.incidents.summaries([i for _, i in close])}
        return [NearbyIncident(views[i], d) for d, i in close if i in views]

    def duplicates(self, *, caller_number: str | None = None, lat: float | None = None,
                   lon: float | None = None,
                   classification: str | None = None) -> list[DuplicateCandidate]:
        """Active incidents this call may be about: same caller lately, or close and related."""
        out: dict[str, DuplicateCandidate] = {}
        now = self.core.clock()
        active = self.core.incidents.list_incidents(active=True, attention_first=False)
        group = classification.split(".")[0].upper() if classification else None
        keys: tuple[str, ...] = ()
        if caller_number:
            try:
                keys = validate.caller(caller_number).lookup_keys()  # none: withheld, 112
            except InvalidInput:
                keys = ()
        for inc in active:
            if keys and any(
                c.caller_number in keys and now - c.at <= timedelta(minutes=DUPLICATE_MINUTES)
                for c in inc.calls
            ):
                out[inc.number] = DuplicateCandidate(
                    inc.number, f"same caller within {DUPLICATE_MINUTES} min", None,
                    inc.classification, basis="same_caller")
                continue
            if lat is None or lon is None or inc.lat is None or inc.lon is None:
                continue
            dist = distance_m(lat, lon, inc.lat, inc.lon)
            related = group is None or (inc.classification or "").split(".")[0] == group
            if dist <= DUPLICATE_METRES and related:
                out[inc.number] = DuplicateCandidate(
                    inc.number, f"{dist:.0f} m away, related class", dist, inc.classification,
                    basis="nearby")
        return sorted(out.values(), key=lambda d: (d.distance_m is not None, d.distance_m or 0))

    @writes(c.FlagCaller, "intake")
    def flag_caller(self, number: str, kind: str, note: str = "") -> CallerHistory:
        """Mark a number (a known risk, a repeat caller) for every later call from it."""
        caller = validate.caller(number)
        if not caller.known:
            raise InvalidInput("a withheld or unknown number cannot be flagged")
        if caller.short:
            raise InvalidInput("{number} is a short number many callers share: it cannot be "
                               "flagged", number=caller.number)
        num = caller.number
        if kind not in FLAG_KINDS:
            raise InvalidInput("flag kind must be one of {kinds}", kinds=", ".join(FLAG_KINDS))
        text = validate.clean_text(note, "note", limit=500)
        with self.core.transaction() as tx:
            tx.session.add(CallerFlag(number=num, kind=kind, note=text, created_at=tx.now,
                                      created_by=self.core.user))
            # the number and the note only as keyed digests: the trail outlives the flag
            seq = tx.audit("caller.flag", "caller", audit_rows.personal("caller", num),
                           kind=kind, note=audit_rows.personal("note", text))
            tx.publish(CallerFlagged(seq=seq, number=num, kind=kind))
        return self.caller_history(num)
