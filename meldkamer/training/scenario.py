"""Scenario files: a training shift as a versioned TOML text (docs/scenarios.md).

``load(path)`` reads and validates a file against the reference data and the demo roster
and returns a ``Scenario`` whose injects (calls, unit events, disturbances) are all
expanded, hurricane floods included, with randomness only from the scenario's seed.
Every refusal is a ``ScenarioError`` naming the file, the line and the field.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput
from meldkamer.i18n import N_, tr

FORMAT = 1
LANGUAGES = ("nl", "en", "pap")
DISTURBANCES = ("gateway_drop", "radio_outage", "hurricane")
CALLER_RE = re.compile(r"^\+?[0-9 ]{7,20}$")


class ScenarioError(InvalidInput):
    """A scenario file that cannot be played; says where (file, line, field) and why.

    Exit code 2 (invalid input), like every file the CLI refuses."""

    kind = "scenario"
    WHERE = N_("{file}, line {line}, {field}: {problem}")

    def __init__(self, template: str, /, *, file: str, line: int, field: str,
                 **fields: Any) -> None:
        super().__init__(template, **fields)
        self.file, self.line, self.field = file, line, field

    def __str__(self) -> str:
        return tr(self.WHERE, file=self.file, line=self.line, field=self.field,
                  problem=super().__str__())


@dataclass(frozen=True)
class UnitSetup:
    callsign: str
    status: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Call:
    """A caller the trainee takes: what they say and what a good operator does."""

    id: str
    at: float
    """Seconds after the scenario's start."""
    caller: str
    name: str
    language: str
    location: str
    """What the caller says the place is (a place name, an address, or "lat, lon")."""
    lat: float
    lon: float
    island: str
    says: tuple[str, ...]
    answers: Mapping[str, str]
    classification: str
    priority: int
    units: tuple[str, ...]
    """The capabilities that should go (a repeated one: that many units)."""
    clear_after: float = 900.0
    """Seconds after dispatch at which the units it got report available again."""
    duplicate_of: str = ""
    """The id of an earlier call about the same incident: this one is to be attached to
    the incident that one became (F9), not made a new one."""


@dataclass(frozen=True)
class UnitEvent:
    at: float
    unit: str
    status: str | None = None
    radio: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Disturbance:
    at: float
    kind: str
    duration: float


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    path: str
    islands: tuple[str, ...]
    start: datetime
    seed: int
    units: tuple[UnitSetup, ...]
    calls: tuple[Call, ...]
    events: tuple[UnitEvent, ...]
    disturbances: tuple[Disturbance, ...]
    duration: float = field(default=0.0)


# -- where keys are --------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


class LineIndex:
    """Line numbers of a TOML text's tables and keys: ``("call", 2, "class")`` is the
    ``class`` key of the third ``[[call]]``; index None for a plain table."""

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str, int | None, str], int] = {}
        counts: dict[str, int] = {}
        section, index = "", None
        for no, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0] if '"' not in raw else raw
            head = _HEADER.match(line)
            if head:
                section = head.group(1)
                if line.lstrip().startswith("[["):
                    index = counts.get(section, -1) + 1
                    counts[section] = index
                else:
                    index = None
                self.lines.setdefault((section, index, ""), no)
                continue
            key = _KEY.match(line)
            if key:
                self.lines.setdefault((section, index, key.group(1)), no)

    def line(self, section: str, index: int | None = None, key: str = "") -> int:
        """The key's line, else its table's, else 1."""
        return (self.lines.get((section, index, key))
                or self.lines.get((section, index, "")) or 1)


# -- reading ---------------------------------------------------------------------------

def scenarios_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "scenarios"


def shipped() -> list[Path]:
    """The scenario files that come with meldkamer, by name."""
    return sorted(scenarios_dir().glob("*.toml"))


def demo_units() -> dict[str, dict[str, Any]]:
    """The demo roster's units by callsign (what a scenario's units must be)."""
    from meldkamer.demo import demo_roster

    return {str(u["callsign"]).upper(): u for u in demo_roster()["unit"]}


def demo_stations() -> dict[str, dict[str, Any]]:
    from meldkamer.demo import demo_roster

    return {str(s["code"]).upper(): s for s in demo_roster()["station"]}


def load(path: str | Path, ref: Reference) -> Scenario:
    """Read, validate and expand one scenario file."""
    from meldkamer.files import SCENARIO_LIMIT, read_text

    p = Path(path)
    try:
        text = read_text(p, SCENARIO_LIMIT)
    except InvalidInput as exc:
        raise ScenarioError(N_("cannot read the file ({error})"), file=str(p), line=0,
                            field="-", error=str(exc)) from None
    return parse(text, ref, name=str(p))


def parse(text: str, ref: Reference, *, name: str = "<scenario>") -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise ScenarioError(N_("not valid TOML ({error})"), file=name,
                            line=int(found.group(1)) if found else 1, field="-",
                            error=str(exc)) from None
    return _Reader(data, LineIndex(text), ref, name).scenario()


def offset(value: Any) -> float | None:
    """Seconds from ``90``, ``"01:30"`` (mm:ss) or ``"1:02:03"`` (h:mm:ss); None if not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if isinstance(value, str) and re.fullmatch(r"\d+(:[0-5]\d){1,2}", value.strip()):
        parts = [int(x) for x in value.strip().split(":")]
        seconds = 0
        for part in parts:
            seconds = seconds * 60 + part
        return float(seconds)
    return None


class _Reader:
    def __init__(self, data: dict[str, Any], index: LineIndex, ref: Reference,
                 name: str) -> None:
        self.data, self.index, self.ref, self.name = data, index, ref, name
        self.units = demo_units()
        self.stations = demo_stations()
        self.islands: tuple[str, ...] = ()
        self.places = {p.name.lower(): p for p in ref.places}
        for p in ref.places:
            for alias in p.aliases:
                self.places.setdefault(alias.lower(), p)

    def fail(self, template: str, section: str, idx: int | None, key: str,
             **fields: Any) -> ScenarioError:
        where = f"{section}[{idx}]" if idx is not None else section
        shown = ".".join(part for part in (where, key) if part)
        return ScenarioError(template, file=self.name,
                             line=self.index.line(section, idx, key), field=shown or "-",
                             **fields)

    def need(self, table: Mapping[str, Any], section: str, idx: int | None, key: str,
             kind: type | tuple[type, ...]) -> Any:
        if key not in table:
            raise self.fail("{name} is missing", section, idx, "", name=key)
        value = table[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.fail("has the wrong type ({value!r})", section, idx, key, value=value)
        return value

    def when(self, table: Mapping[str, Any], section: str, idx: int, key: str = "at") -> float:
        value = offset(table.get(key))
        if value is None:
            raise self.fail("{value!r} is not an offset (seconds, \"mm:ss\" or "
                            "\"h:mm:ss\")", section, idx, key, value=table.get(key))
        return value

    def unit(self, callsign: Any, section: str, idx: int, key: str) -> str:
        code = str(callsign).strip().upper()
        if code not in self.units:
            raise self.fail("unknown unit {callsign!r} (not in the demo roster)",
                            section, idx, key, callsign=callsign)
        return code

    def status(self, code: Any, section: str, idx: int, key: str = "status") -> str:
        if code not in self.ref.statuses:
            raise self.fail("unknown status {status!r}; known: {known}", section, idx, key,
                            status=code, known=", ".join(self.ref.statuses))
        return str(code)

    def scenario(self) -> Scenario:
        d = self.data
        if d.get("format") != FORMAT:
            raise self.fail("format must be {expected}, not {value!r}", "", None, "format",
                            expected=FORMAT, value=d.get("format"))
        meta = d.get("scenario")
        if not isinstance(meta, dict):
            raise ScenarioError(N_("the [scenario] table is missing"), file=self.name, line=1,
                                field="scenario")
        name = self.need(meta, "scenario", None, "name", str)
        title = self.need(meta, "scenario", None, "title", str)
        islands = self.need(meta, "scenario", None, "islands", list)
        for island in islands:
            if island not in self.ref.islands:
                raise self.fail("unknown island {island!r}; known: {known}", "scenario",
                                None, "islands", island=island,
                                known=", ".join(self.ref.islands))
        start = self.need(meta, "scenario", None, "start", datetime)
        if start.tzinfo is None:
            raise self.fail("needs a UTC offset (e.g. 2026-09-10T19:00:00-04:00)",
                            "scenario", None, "start")
        seed = self.need(meta, "scenario", None, "seed", int)
        self.islands = tuple(islands)
        units = tuple(self.unit_setup(i, u) for i, u in enumerate(d.get("unit", [])))
        calls = [self.call(i, c) for i, c in enumerate(d.get("call", []))]
        events = tuple(self.event(i, e) for i, e in enumerate(d.get("event", [])))
        disturbances = []
        rng = random.Random(seed)
        for i, t in enumerate(d.get("disturbance", [])):
            dist = self.disturbance(i, t)
            disturbances.append(dist)
            if dist.kind == "hurricane":
                calls += self.flood(i, t, dist, rng)
        self.check_duplicates(calls)
        calls.sort(key=lambda c: (c.at, c.id))
        ends = [c.at for c in calls] + [e.at for e in events] + \
            [x.at + x.duration for x in disturbances]
        return Scenario(name=name, title=title, description=str(meta.get("description", "")),
                        path=self.name, islands=tuple(islands),
                        start=start.astimezone(UTC), seed=seed, units=units,
                        calls=tuple(calls), events=events, disturbances=tuple(disturbances),
                        duration=max(ends, default=0.0))

    def check_duplicates(self, calls: list[Call]) -> None:
        at = {c.id: c.at for c in calls}
        for i, call in enumerate(calls):
            if call.duplicate_of and not (call.duplicate_of in at
                                          and at[call.duplicate_of] < call.at):
                raise self.fail("{value!r} is not the id of an earlier call", "call", i,
                                "duplicate_of", value=call.duplicate_of)

    def unit_setup(self, i: int, u: Any) -> UnitSetup:
        if not isinstance(u, dict):
            raise self.fail("must be a table", "unit", i, "")
        callsign = self.unit(self.need(u, "unit", i, "callsign", str), "unit", i, "callsign")
        status = self.status(u["status"], "unit", i) if "status" in u else None
        lat, lon = u.get("lat"), u.get("lon")
        if "station" in u:
            station = self.stations.get(str(u["station"]).upper())
            if station is None:
                raise self.fail("unknown station {station!r}", "unit", i, "station",
                                station=u["station"])
            lat, lon = station["lat"], station["lon"]
        if (lat is None) != (lon is None):
            raise self.fail("lat and lon go together", "unit", i, "lat" if lat is None
                            else "lon")
        return UnitSetup(callsign, status, lat, lon)

    def place(self, table: Mapping[str, Any], section: str, idx: int
              ) -> tuple[str, float, float, str]:
        """(what the caller says, lat, lon, island) of a call's place, address or point."""
        lat, lon = table.get("lat"), table.get("lon")
        said = table.get("address") or table.get("place")
        if "place" in table and lat is None:
            found = self.places.get(str(table["place"]).lower())
            if found is None:
                raise self.fail("unknown place {place!r} (not in places.toml; give lat and "
                                "lon with an address instead)", section, idx, "place",
                                place=table["place"])
            lat, lon = found.lat, found.lon
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            raise self.fail("a call needs a place, or lat and lon", section, idx,
                            "lat" if "lat" not in table else "lon")
        island = next((c for c, isl in self.ref.islands.items()
                       if isl.contains(float(lat), float(lon))), None)
        if island is None:
            raise self.fail("{lat}, {lon} is on none of the islands", section, idx, "lat",
                            lat=lat, lon=lon)
        if island not in self.islands:
            raise self.fail("the call is on {island}, not an island of the scenario",
                            section, idx, "place" if "place" in table else "lat",
                            island=island)
        return str(said or f"{lat:.5f}, {lon:.5f}"), float(lat), float(lon), island

    def expected(self, table: Mapping[str, Any], section: str, idx: int
                 ) -> tuple[str, int, tuple[str, ...], dict[str, str]]:
        code = self.need(table, section, idx, "class", str)
        cls = self.ref.classifications.get(code)
        if cls is None:
            raise self.fail("unknown class {code!r}; 'meldkamer classification list' shows "
                            "them", section, idx, "class", code=code)
        default = self.ref.urgencies[cls.urgency].priority if cls.urgency else cls.priority
        priority = table.get("priority", default)
        if priority != default:
            raise self.fail("priority {priority} is not the priority of {code} ({default})",
                            section, idx, "priority", priority=priority, code=code,
                            default=default)
        units = table.get("units", [])
        if not isinstance(units, list):
            raise self.fail("has the wrong type ({value!r})", section, idx, "units",
                            value=units)
        for cap in units:
            if cap not in self.ref.capabilities:
                raise self.fail("unknown capability {capability!r}", section, idx, "units",
                                capability=cap)
        answers = table.get("answers", {})
        by_id = {q.id: q for q in cls.questions}
        for qid, given in dict(answers).items():
            q = by_id.get(qid)
            if q is None:
                raise self.fail("{question} is not a question of {code}", section, idx,
                                "answers", question=qid, code=code)
            if q.answers and given not in q.answers:
                raise self.fail("{answer!r} is not an answer to {question} ({known})",
                                section, idx, "answers", answer=given, question=qid,
                                known=", ".join(q.answers))
        return code, priority, tuple(units), {str(k): str(v) for k, v in answers.items()}

    def call(self, i: int, c: Any) -> Call:
        if not isinstance(c, dict):
            raise self.fail("must be a table", "call", i, "")
        at = self.when(c, "call", i)
        caller = self.need(c, "call", i, "caller", str)
        if not CALLER_RE.match(caller):
            raise self.fail("{value!r} is not a phone number", "call", i, "caller",
                            value=caller)
        language = c.get("language", "nl")
        if language not in LANGUAGES:
            raise self.fail("language must be one of {known}, not {value!r}", "call", i,
                            "language", known=", ".join(LANGUAGES), value=language)
        said, lat, lon, island = self.place(c, "call", i)
        code, priority, units, answers = self.expected(c, "call", i)
        says = c.get("says", [])
        says = [says] if isinstance(says, str) else says
        clear = offset(c.get("clear_after", 900))
        if clear is None:
            raise self.fail("{value!r} is not an offset (seconds, \"mm:ss\" or "
                            "\"h:mm:ss\")", "call", i, "clear_after", value=c["clear_after"])
        return Call(id=str(c.get("id") or f"C{i + 1}"), at=at, caller=caller,
                    name=str(c.get("name", "")), language=language, location=said, lat=lat,
                    lon=lon, island=island, says=tuple(map(str, says)), answers=answers,
                    classification=code, priority=priority, units=units, clear_after=clear,
                    duplicate_of=str(c.get("duplicate_of", "")))

    def event(self, i: int, e: Any) -> UnitEvent:
        if not isinstance(e, dict):
            raise self.fail("must be a table", "event", i, "")
        at = self.when(e, "event", i)
        unit = self.unit(self.need(e, "event", i, "unit", str), "event", i, "unit")
        status = self.status(e["status"], "event", i) if "status" in e else None
        lat, lon = e.get("lat"), e.get("lon")
        if status is None and not e.get("radio") and lat is None:
            raise self.fail("an event needs a status, a radio message or lat and lon",
                            "event", i, "")
        return UnitEvent(at, unit, status, str(e.get("radio", "")),
                         None if lat is None else float(lat), None if lon is None
                         else float(lon))

    def disturbance(self, i: int, t: Any) -> Disturbance:
        if not isinstance(t, dict):
            raise self.fail("must be a table", "disturbance", i, "")
        at = self.when(t, "disturbance", i)
        kind = self.need(t, "disturbance", i, "kind", str)
        if kind not in DISTURBANCES:
            raise self.fail("kind must be one of {known}, not {value!r}", "disturbance", i,
                            "kind", known=", ".join(DISTURBANCES), value=kind)
        duration = self.when(t, "disturbance", i, "duration")
        return Disturbance(at, kind, duration)

    def flood(self, i: int, t: Mapping[str, Any], dist: Disturbance,
              rng: random.Random) -> list[Call]:
        """A hurricane's calls: ``calls`` of them spread over its duration, each from a
        template picked by weight, at a place of the template, by a seeded random."""
        count = t.get("calls")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 5000:
            raise self.fail("calls must be a whole number from 1 to 5000", "disturbance", i,
                            "calls")
        templates = t.get("template", [])
        if not templates:
            raise self.fail("a hurricane needs at least one [[disturbance.template]]",
                            "disturbance", i, "template")
        checked = []
        # [[disturbance.template]] tables are counted over the whole file, as the line
        # index counts them.
        base = sum(len(d.get("template", [])) for d in self.data["disturbance"][:i]
                   if isinstance(d, dict))
        for j, tpl in enumerate(templates):
            where = ("disturbance.template", base + j)
            code, priority, units, answers = self.expected(tpl, *where)
            places = []
            for spot in tpl.get("places", []):
                places.append(self.place({"place": spot} if isinstance(spot, str) else spot,
                                         *where))
            if not places:
                raise self.fail("template {number} has no places", *where, "places",
                                number=j + 1)
            checked.append((tpl, code, priority, units, answers, places,
                            max(1, int(tpl.get("weight", 1)))))
        weights = [w for *_, w in checked]
        times = sorted(rng.uniform(dist.at, dist.at + dist.duration) for _ in range(count))
        calls = []
        for n, at in enumerate(times):
            tpl, code, priority, units, answers, places, _ = rng.choices(checked, weights)[0]
            said, lat, lon, island = rng.choice(places)
            says = tpl.get("says", [])
            calls.append(Call(
                id=f"H{i}-{n + 1}", at=round(at), caller=f"+599 555 {rng.randrange(10000):04d}",
                name="", language=rng.choice(tpl.get("languages", ["nl", "en", "pap"])),
                location=said, lat=lat, lon=lon, island=island,
                says=tuple([says] if isinstance(says, str) else says), answers=answers,
                classification=code, priority=priority, units=units,
                clear_after=offset(tpl.get("clear_after", 600)) or 600.0))
        return calls
