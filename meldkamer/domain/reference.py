"""Reference data: islands, disciplines, classification tree, priorities, statuses.

The data lives in TOML files shipped in ``meldkamer/data`` with KPCN defaults. A site
overrides any of them by putting a file of the same name in its reference directory
(``MELDKAMER_REFERENCE_DIR`` or ``<user config dir>/reference``).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from meldkamer.errors import InvalidInput, NotFound, ReferenceDataError

LANGUAGES = ("nl", "en", "pap")
CATEGORIES = ("available", "committed", "unavailable")


def _names(raw: Mapping[str, Any], where: str) -> dict[str, str]:
    names = {lang: str(raw.get(f"name_{lang}", "")).strip() for lang in LANGUAGES}
    if not names["nl"] or not names["en"]:
        raise ReferenceDataError(f"{where}: name_nl and name_en are required")
    if not names["pap"]:
        names["pap"] = names["nl"]
    return names


class Named:
    """Mixin for reference objects that carry names in several languages."""

    names: Mapping[str, str]

    def name(self, lang: str = "nl") -> str:
        """The name in ``lang``, falling back to Dutch."""
        return self.names.get(lang) or self.names["nl"]


@dataclass(frozen=True)
class Island:
    """One island of the Caribbean Netherlands."""

    code: str
    name: str
    prefix: str
    bbox: tuple[float, float, float, float]  # south, west, north, east
    centre: tuple[float, float]

    def contains(self, lat: float, lon: float) -> bool:
        """True when the coordinate falls in this island's box."""
        s, w, n, e = self.bbox
        return s <= lat <= n and w <= lon <= e


@dataclass(frozen=True)
class Discipline(Named):
    """A service the control room dispatches for (police, fire, ...)."""

    code: str
    short: str
    names: Mapping[str, str]
    capabilities: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Question:
    """One structured intake question of a classification's script."""

    id: str
    texts: Mapping[str, str]
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Classification(Named):
    """A node of the three-level incident classification tree."""

    code: str
    parent: str | None
    level: int
    names: Mapping[str, str]
    terms: tuple[str, ...]
    priority: int
    urgency: str | None
    needs: tuple[str, ...]
    questions: tuple[Question, ...] = ()

    def path(self, ref: Reference, lang: str = "nl") -> str:
        """Full name from the root, e.g. 'Brand > Gebouw > Woning'."""
        parts = []
        node: Classification | None = self
        while node is not None:
            parts.append(node.name(lang))
            node = ref.classifications.get(node.parent) if node.parent else None
        return " > ".join(reversed(parts))


@dataclass(frozen=True)
class Priority(Named):
    """An incident priority: 1 immediate, 2 urgent, 3 routine."""

    level: int
    names: Mapping[str, str]
    colour: str


@dataclass(frozen=True)
class Urgency(Named):
    """Ambulance urgency (A0, A1, A2, B) and the priority it implies."""

    code: str
    priority: int
    names: Mapping[str, str]


@dataclass(frozen=True)
class StatusDef(Named):
    """A unit status: its category, radio code, timer threshold and allowed successors."""

    code: str
    radio: int
    names: Mapping[str, str]
    category: str
    timer_minutes: int
    next: frozenset[str]
    dispatch_only: bool = False

    @property
    def available(self) -> bool:
        return self.category == "available"

    @property
    def committed(self) -> bool:
        return self.category == "committed"


@dataclass(frozen=True)
class Disposition(Named):
    """A closing code for an incident."""

    code: str
    names: Mapping[str, str]


@dataclass(frozen=True)
class Place:
    """A named place for location search."""

    name: str
    island: str
    kind: str
    lat: float
    lon: float
    aliases: tuple[str, ...] = ()
    approximate: bool = True


@dataclass(frozen=True)
class RadioPlan:
    """How statuses are coded on the air (radio.toml)."""

    status_offset: int = 0x8002
    emergency_radio: frozenset[int] = frozenset({0})
    dispatch_text: str = "{number} {classification} P{priority}{urgency} {address}"

    def value_of(self, radio: int) -> int:
        """The 16-bit on-air value of a radio status number."""
        return self.status_offset + radio

    def radio_of(self, value: int) -> int:
        """The radio status number an on-air value stands for."""
        return value - self.status_offset

    def is_emergency(self, value: int) -> bool:
        return self.radio_of(value) in self.emergency_radio


@dataclass(frozen=True)
class Reference:
    """All reference data, validated and cross-checked."""

    islands: Mapping[str, Island]
    home_island: str
    disciplines: Mapping[str, Discipline]
    classifications: Mapping[str, Classification]
    priorities: Mapping[int, Priority]
    urgencies: Mapping[str, Urgency]
    statuses: Mapping[str, StatusDef]
    dispositions: Mapping[str, Disposition]
    places: tuple[Place, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    radio: RadioPlan = field(default_factory=RadioPlan)

    def island(self, text: str) -> Island:
        """Resolve an island by ISO code (BO), number prefix (BON) or name."""
        key = text.strip().upper()
        if key.startswith("BQ-"):
            key = key[3:]
        for isl in self.islands.values():
            if key in (isl.code, isl.prefix, isl.name.upper()):
                return isl
        codes = ", ".join(self.islands)
        raise InvalidInput("unknown island {text!r}; use one of {codes}", text=text, codes=codes)

    def island_at(self, lat: float, lon: float) -> Island | None:
        """The island a coordinate lies on, or None when outside the area."""
        for isl in self.islands.values():
            if isl.contains(lat, lon):
                return isl
        return None

    def classification(self, code: str) -> Classification:
        """Look up a class by code (case-insensitive)."""
        cls = self.classifications.get(code.strip().upper())
        if cls is None:
            raise NotFound(
                "unknown classification {code!r}; 'meldkamer classification list' shows them",
                code=code,
            )
        return cls

    def status(self, code: str) -> StatusDef:
        """Look up a unit status by code, radio number or (Dutch/English) name."""
        key = code.strip().lower()
        for st in self.statuses.values():
            if key in (st.code, str(st.radio)) or key in (n.lower() for n in st.names.values()):
                return st
        by_prefix = [
            st for st in self.statuses.values()
            if key and any(n.lower().startswith(key) for n in st.names.values())
        ]
        if len(by_prefix) == 1:
            return by_prefix[0]
        raise InvalidInput(
            "unknown unit status {code!r}; use one of {statuses}", code=code,
            statuses=", ".join(self.statuses),
        )

    def disposition(self, code: str) -> Disposition:
        """Look up a disposition code (case-insensitive)."""
        disp = self.dispositions.get(code.strip().upper())
        if disp is None:
            raise InvalidInput(
                "unknown disposition {code!r}; use one of {codes}", code=code,
                codes=", ".join(self.dispositions),
            )
        return disp

    @property
    def dispatched_status(self) -> StatusDef:
        """The status a unit gets when it is dispatched."""
        return next(s for s in self.statuses.values() if s.dispatch_only)

    def disciplines_for(self, needs: Iterable[str]) -> tuple[str, ...]:
        """The disciplines that provide these capabilities, in reference order."""
        wanted = set(needs)
        return tuple(d.code for d in self.disciplines.values() if d.capabilities & wanted)

    def status_of_radio(self, radio: int) -> StatusDef | None:
        """The status a radio status number stands for, if any."""
        for st in self.statuses.values():
            if st.radio == radio:
                return st
        return None


def _read_toml(name: str, site_dir: Path | None, sources: dict[str, str]) -> dict[str, Any]:
    if site_dir is not None and (site_dir / name).is_file():
        path = site_dir / name
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ReferenceDataError(f"{path}: {exc}") from exc
        sources[name] = str(path)
        return data
    res = resources.files("meldkamer") / "data" / name
    sources[name] = f"package:{name}"
    return tomllib.loads(res.read_text(encoding="utf-8"))


def _float(raw: Mapping[str, Any], key: str, where: str, lo: float, hi: float) -> float:
    try:
        value = float(raw[key])
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(f"{where}: {key} must be a number") from exc
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ReferenceDataError(f"{where}: {key}={value} is out of range")
    return value


def _islands(data: Mapping[str, Any]) -> dict[str, Island]:
    out: dict[str, Island] = {}
    for raw in data.get("island", []):
        where = f"islands.toml island {raw.get('code')!r}"
        bbox = raw.get("bbox", [])
        centre = raw.get("centre", [])
        if len(bbox) != 4 or len(centre) != 2:
            raise ReferenceDataError(f"{where}: bbox needs 4 numbers and centre 2")
        out[raw["code"]] = Island(
            code=raw["code"],
            name=raw["name"],
            prefix=raw["prefix"],
            bbox=(float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])),
            centre=(float(centre[0]), float(centre[1])),
        )
    if not out:
        raise ReferenceDataError("islands.toml defines no islands")
    return out


def _classifications(
    data: Mapping[str, Any], priorities: Iterable[int], urgencies: Iterable[str]
) -> dict[str, Classification]:
    out: dict[str, Classification] = {}
    valid_prio, valid_urg = set(priorities), set(urgencies)
    for raw in data.get("class", []):
        code = str(raw.get("code", "")).strip().upper()
        where = f"classification.toml class {code!r}"
        if not code or code in out:
            raise ReferenceDataError(f"{where}: missing or duplicate code")
        parent_code = raw.get("parent")
        parent = out.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            raise ReferenceDataError(f"{where}: parent {parent_code!r} must come before it")
        level = 1 if parent is None else parent.level + 1
        if level > 3:
            raise ReferenceDataError(f"{where}: the tree has three levels")
        priority = int(raw.get("priority", parent.priority if parent else 3))
        if priority not in valid_prio:
            raise ReferenceDataError(f"{where}: unknown priority {priority}")
        urgency = raw.get("urgency", parent.urgency if parent else None) or None
        if urgency is not None and urgency not in valid_urg:
            raise ReferenceDataError(f"{where}: unknown urgency {urgency!r}")
        questions = tuple(
            Question(
                id=str(q["id"]),
                texts={lang: str(q.get(lang, q.get("nl", ""))) for lang in LANGUAGES},
                answers=tuple(str(a) for a in q.get("answers", [])),
            )
            for q in raw.get("questions", [])
        )
        out[code] = Classification(
            code=code,
            parent=parent.code if parent else None,
            level=level,
            names=_names(raw, where),
            terms=tuple(str(t).lower() for t in raw.get("terms", [])),
            priority=priority,
            urgency=urgency,
            needs=tuple(raw.get("needs", parent.needs if parent else ())),
            questions=questions,
        )
    if not out:
        raise ReferenceDataError("classification.toml defines no classes")
    return out


def _statuses(data: Mapping[str, Any]) -> dict[str, StatusDef]:
    out: dict[str, StatusDef] = {}
    for raw in data.get("status", []):
        code = raw["code"]
        where = f"statuses.toml status {code!r}"
        if raw.get("category") not in CATEGORIES:
            raise ReferenceDataError(f"{where}: category must be one of {CATEGORIES}")
        out[code] = StatusDef(
            code=code,
            radio=int(raw["radio"]),
            names=_names(raw, where),
            category=raw["category"],
            timer_minutes=int(raw.get("timer_minutes", 0)),
            next=frozenset(raw.get("next", [])),
            dispatch_only=bool(raw.get("dispatch_only", False)),
        )
    for st in out.values():
        unknown = st.next - set(out)
        if unknown:
            raise ReferenceDataError(f"statuses.toml {st.code!r}: unknown next {sorted(unknown)}")
    if not any(s.dispatch_only for s in out.values()):
        raise ReferenceDataError("statuses.toml needs one dispatch_only status (dispatched)")
    radios = [s.radio for s in out.values()]
    if len(set(radios)) != len(radios):
        raise ReferenceDataError("statuses.toml: radio codes must be unique")
    return out


def _places(data: Mapping[str, Any], islands: Mapping[str, Island]) -> tuple[Place, ...]:
    out = []
    for raw in data.get("place", []):
        where = f"places.toml place {raw.get('name')!r}"
        if raw.get("island") not in islands:
            raise ReferenceDataError(f"{where}: unknown island {raw.get('island')!r}")
        out.append(
            Place(
                name=str(raw["name"]),
                island=raw["island"],
                kind=str(raw.get("kind", "landmark")),
                lat=_float(raw, "lat", where, -90, 90),
                lon=_float(raw, "lon", where, -180, 180),
                aliases=tuple(str(a) for a in raw.get("aliases", [])),
                approximate=bool(raw.get("approximate", True)),
            )
        )
    return tuple(out)


def load_reference(site_dir: Path | None = None) -> Reference:
    """Load and validate all reference data, site files taking precedence."""
    sources: dict[str, str] = {}
    try:
        isl = _read_toml("islands.toml", site_dir, sources)
        islands = _islands(isl)
        disc = _read_toml("disciplines.toml", site_dir, sources)
        disciplines = {
            d["code"]: Discipline(d["code"], d.get("short", d["code"]), _names(d, d["code"]),
                                  frozenset(d.get("capabilities", [])))
            for d in disc.get("discipline", [])
        }
        prio = _read_toml("priorities.toml", site_dir, sources)
        priorities = {
            int(p["level"]): Priority(int(p["level"]), _names(p, "priority"), p.get("colour", ""))
            for p in prio.get("priority", [])
        }
        urgencies = {
            u["code"]: Urgency(u["code"], int(u["priority"]), _names(u, u["code"]))
            for u in prio.get("urgency", [])
        }
        classes = _classifications(
            _read_toml("classification.toml", site_dir, sources), priorities, urgencies
        )
        statuses = _statuses(_read_toml("statuses.toml", site_dir, sources))
        disp = _read_toml("dispositions.toml", site_dir, sources)
        dispositions = {
            d["code"].upper(): Disposition(d["code"].upper(), _names(d, d["code"]))
            for d in disp.get("disposition", [])
        }
        places = _places(_read_toml("places.toml", site_dir, sources), islands)
        raw_radio = _read_toml("radio.toml", site_dir, sources)
        radio = RadioPlan(
            status_offset=int(raw_radio.get("status_offset", 0x8002)),
            emergency_radio=frozenset(int(v) for v in raw_radio.get("emergency_radio", [0])),
            dispatch_text=str(raw_radio.get("dispatch_text", RadioPlan.dispatch_text)),
        )
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise ReferenceDataError(f"reference data is malformed: {exc!r}") from exc
    home = isl.get("home", next(iter(islands)))
    if home not in islands:
        raise ReferenceDataError(f"islands.toml: home island {home!r} is not defined")
    return Reference(
        islands=islands,
        home_island=home,
        disciplines=disciplines,
        classifications=classes,
        priorities=priorities,
        urgencies=urgencies,
        statuses=statuses,
        dispositions=dispositions,
        places=places,
        sources=sources,
        radio=radio,
    )
