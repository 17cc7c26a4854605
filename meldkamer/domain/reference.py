"""Reference data: islands, disciplines, classification tree, priorities, statuses.

The data lives in TOML files shipped in ``meldkamer/data`` with KPCN defaults. A site
overrides any of them by putting a file of the same name in its reference directory
(``MELDKAMER_REFERENCE_DIR`` or ``<user config dir>/reference``). Every value is read
through ``_Table``, so a mistake is reported with its file, its entry and its key.

Parsing the files (the classification tree alone is 1,700 lines of TOML) is most of a
short CLI command's own time, so ``load_reference`` can keep the validated result in a
pickle in the user cache directory, keyed by the size and modification time of every
file it was read from and of this module: a changed site file or a new version is
parsed again, and a damaged or unreadable cache is ignored and rewritten. A pickle runs
code when loaded, so only a cache file of our own that no one else can write is read.
"""

from __future__ import annotations

import math
import os
import pickle
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from meldkamer.errors import InvalidInput, NotFound, ReferenceDataError
from meldkamer.i18n import N_, Text, language

LANGUAGES = ("nl", "en", "pap")
CATEGORIES = ("available", "committed", "unavailable")
V = TypeVar("V")
_TYPE_NAMES = {str: N_("text"), int: N_("a whole number"), float: N_("a number"),
               bool: N_("true or false"), list: N_("a list")}


class Named:
    """Mixin for reference objects that carry names in several languages."""

    names: Mapping[str, str]

    def name(self, lang: str | None = None) -> str:
        """The name in ``lang`` (default: the current language), falling back to Dutch."""
        return self.names.get(lang or language()) or self.names["nl"]

    def __str__(self) -> str:
        # As a message field, a reference object reads as its name in the shown language.
        return self.name()


@dataclass(frozen=True)
class Island:
    """One island of the Caribbean Netherlands."""

    code: str
    name: str
    prefix: str
    bbox: tuple[float, float, float, float]  # south, west, north, east
    centre: tuple[float, float]
    aliases: tuple[str, ...] = ()  # other names people use: "Statia", "Boneiru"

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

    def path(self, ref: Reference, lang: str | None = None) -> str:
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
    unattended_s: int = 0  # an incident without a unit is flagged after this; 0: never
    cleared_grace_s: int = 60  # its last unit cleared, an open incident is flagged after this
    reminder_s: int = 0  # an acknowledged 'unattended' flag rises again after this; 0: never


@dataclass(frozen=True)
class Urgency(Named):
    """Ambulance urgency (A0, A1, A2, B) and the priority it implies."""

    code: str
    priority: int
    names: Mapping[str, str]
    unattended_s: int | None = None  # None: as its priority; 0: never
    reminder_s: int | None = None  # None: as its priority; 0: never


@dataclass(frozen=True)
class StatusDef(Named):
    """A unit status: its category, radio code, timer threshold and allowed successors."""

    code: str
    radio: int
    names: Mapping[str, str]
    category: str
    timer_minutes: int
    next: tuple[str, ...]
    """The statuses a unit may go to from this one, in the order statuses.toml lists them."""
    dispatch_only: bool = False
    divertable: bool = True
    """A committed unit in this status may be offered for a divert (not: a patient aboard)."""

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
class Capability(Named):
    """What a unit can do (patrol car, fire engine, ...); classes need them."""

    code: str
    names: Mapping[str, str]


@dataclass(frozen=True)
class Answer(Named):
    """A possible answer to an intake question; its code is the short Dutch word."""

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
class Turnout:
    """The units a class sends on an island: its standard needs or the island's own plan."""

    classification: str | None
    island: str
    needs: tuple[str, ...]
    plan: str | None = None
    """The class whose plan for this island applies (itself or a parent); None: standard."""


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
    capabilities: Mapping[str, Capability] = field(default_factory=dict)
    answers: Mapping[str, Answer] = field(default_factory=dict)
    turnouts: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Island plans (turnouts.toml): island code -> class code -> capabilities."""

    def turnout(self, classification: str | None, island: str) -> Turnout:
        """What ``classification`` sends on ``island``.

        The island's plan for the class or its nearest parent that has one; else the
        class's standard turnout (its ``needs``). No class: an empty turnout.
        """
        cls = self.classifications.get(classification or "")
        if cls is None:
            return Turnout(None, island, ())
        plans = self.turnouts.get(island, {})
        node: Classification | None = cls
        while node is not None:
            if node.code in plans:
                return Turnout(cls.code, island, plans[node.code], plan=node.code)
            node = self.classifications.get(node.parent) if node.parent else None
        return Turnout(cls.code, island, cls.needs)

    def answer_name(self, code: str, lang: str | None = None) -> str:
        """An intake answer as the operator reads it (free text stays as typed)."""
        found = self.answers.get(code)
        return found.name(lang) if found else code

    def island(self, text: str) -> Island:
        """Resolve an island by ISO code (BO), number prefix (BON) or name."""
        key = " ".join(text.strip().upper().split())
        if key.startswith("BQ-"):
            key = key[3:]
        for isl in self.islands.values():
            if key in (isl.code, isl.prefix, isl.name.upper(), *(a.upper() for a in isl.aliases)):
                return isl
        codes = ", ".join(self.islands)
        raise InvalidInput("unknown island {text!r}; use one of {codes}", text=text, codes=codes)

    def island_words(self) -> dict[str, str]:
        """Every name, other name and code of an island, with its code (for geocoding)."""
        return {word: isl.code for isl in self.islands.values()
                for word in (isl.code, isl.prefix, isl.name, *isl.aliases)}

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


@dataclass(frozen=True)
class _Table:
    """One TOML table of a reference file, read with checks that name the file and key."""

    file: str  # what messages call the file: its path, or the shipped file's name
    entry: str  # which table: "", or e.g. "[[status]] 3 'on_scene'"
    raw: Mapping[str, Any]

    def _fail(self, template: str, **fields: Any) -> ReferenceDataError:
        """The error for ``template``, which starts with "{where}:" (file and entry)."""
        where = f"{self.file} {self.entry}".strip()
        return ReferenceDataError(template, where=where, **fields)

    def get(self, key: str, type_: type[V], default: V | None = None) -> V:
        """The value of ``key``, of ``type_``; ``default`` when absent (None: required)."""
        if key not in self.raw:
            if default is None:
                raise self._fail("{where}: {key} is missing", key=key)
            return default
        value = self.raw[key]
        ok = isinstance(value, type_) and not (type_ is not bool and isinstance(value, bool))
        if type_ is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise self._fail("{where}: {key} must be {expected}, not {value!r}", key=key,
                             expected=Text(_TYPE_NAMES.get(type_, type_.__name__)),
                             value=value)
        return value

    def text(self, key: str, default: str | None = None) -> str:
        return self.get(key, str, default).strip()

    def texts(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """A list of strings."""
        value = self.get(key, list, None if default is None else list(default))
        if not all(isinstance(v, str) for v in value):
            raise self._fail("{where}: {key} must be a list of texts, not {value!r}", key=key,
                             value=value)
        return tuple(value)

    def numbers(self, key: str, count: int) -> tuple[float, ...]:
        value = self.get(key, list)
        if len(value) != count or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            raise self._fail("{where}: {key} must be {count} numbers, not {value!r}", key=key,
                             count=count, value=value)
        return tuple(float(v) for v in value)

    def number(self, key: str, lo: float, hi: float) -> float:
        value = self.get(key, float)
        if not (math.isfinite(value) and lo <= value <= hi):
            raise self._fail("{where}: {key}={value} is out of range", key=key, value=value)
        return value

    def names(self) -> dict[str, str]:
        """name_nl, name_en (both required) and name_pap (Dutch when absent)."""
        names = {lang: self.text(f"name_{lang}", "") for lang in LANGUAGES}
        for lang in ("nl", "en"):
            if not names[lang]:
                raise self._fail("{where}: {key} is missing", key=f"name_{lang}")
        names["pap"] = names["pap"] or names["nl"]
        return names

    def entries(self, name: str) -> Iterator[_Table]:
        """The ``[[name]]`` tables, each labelled with its number and code or name."""
        items = self.raw.get(name, [])
        if not isinstance(items, list):
            raise self._fail("{where}: {key} must be a list of [[{key}]] tables", key=name)
        for n, raw in enumerate(items, start=1):
            if not isinstance(raw, dict):
                raise self._fail("{where}: {key} number {n} is not a table", key=name, n=n)
            label = raw.get("code", raw.get("name", raw.get("level")))
            entry = f"[[{name}]] {n}" + (f" {label!r}" if label is not None else "")
            yield _Table(self.file, entry, raw)

    def fail(self, template: str, **fields: Any) -> ReferenceDataError:
        """An error about this table, for checks across keys."""
        return self._fail(template, **fields)


def _read_toml(name: str, site_dir: Path | None, sources: dict[str, str]) -> _Table:
    if site_dir is not None and (site_dir / name).is_file():
        path = site_dir / name
        from meldkamer.files import REFERENCE_LIMIT, read_text

        try:
            text = read_text(path, REFERENCE_LIMIT)
        except InvalidInput as exc:
            raise ReferenceDataError("{file}: {error}", file=str(path), error=str(exc)) from exc
        sources[name] = str(path)
        where = str(path)
    else:
        text = (resources.files("meldkamer") / "data" / name).read_text(encoding="utf-8")
        sources[name] = f"package:{name}"
        where = name
    try:
        return _Table(where, "", tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceDataError("{file}: {error}", file=where, error=str(exc)) from exc


def _islands(data: _Table) -> dict[str, Island]:
    out: dict[str, Island] = {}
    for raw in data.entries("island"):
        code = raw.text("code")
        if code in out:
            raise raw.fail("{where}: the code {code} is used twice", code=code)
        s, w, n, e = raw.numbers("bbox", 4)
        lat, lon = raw.numbers("centre", 2)
        out[code] = Island(code=code, name=raw.text("name"), prefix=raw.text("prefix"),
                           bbox=(s, w, n, e), centre=(lat, lon),
                           aliases=raw.texts("aliases", ()))
    if not out:
        raise data.fail("{where}: defines no islands")
    return out


def _classifications(
    data: _Table, priorities: Iterable[int], urgencies: Iterable[str]
) -> dict[str, Classification]:
    out: dict[str, Classification] = {}
    valid_prio, valid_urg = set(priorities), set(urgencies)
    for raw in data.entries("class"):
        code = raw.text("code").upper()
        if not code or code in out:
            raise raw.fail("{where}: missing or duplicate code")
        parent_code = raw.text("parent", "").upper() or None
        parent = out.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            raise raw.fail("{where}: parent {parent!r} must come before it", parent=parent_code)
        level = 1 if parent is None else parent.level + 1
        if level > 3:
            raise raw.fail("{where}: the tree has three levels")
        priority = raw.get("priority", int, parent.priority if parent else 3)
        if priority not in valid_prio:
            raise raw.fail("{where}: unknown priority {priority}", priority=priority)
        urgency = raw.text("urgency", (parent.urgency if parent else None) or "") or None
        if urgency is not None and urgency not in valid_urg:
            raise raw.fail("{where}: unknown urgency {urgency!r}", urgency=urgency)
        questions = []
        for q in raw.entries("questions"):
            texts = {lang: q.text(lang, "") for lang in LANGUAGES}
            questions.append(Question(
                id=str(q.get("id", str)),
                texts={lang: texts[lang] or texts["nl"] for lang in LANGUAGES},
                answers=q.texts("answers", ()),
            ))
        out[code] = Classification(
            code=code,
            parent=parent.code if parent else None,
            level=level,
            names=raw.names(),
            terms=tuple(t.lower() for t in raw.texts("terms", ())),
            priority=priority,
            urgency=urgency,
            needs=raw.texts("needs", parent.needs if parent else ()),
            questions=tuple(questions),
        )
    if not out:
        raise data.fail("{where}: defines no classes")
    return out


def _statuses(data: _Table) -> dict[str, StatusDef]:
    out: dict[str, StatusDef] = {}
    for raw in data.entries("status"):
        code = raw.text("code")
        category = raw.text("category")
        if category not in CATEGORIES:
            raise raw.fail("{where}: category must be one of {categories}",
                           categories=", ".join(CATEGORIES))
        out[code] = StatusDef(
            code=code,
            radio=raw.get("radio", int),
            names=raw.names(),
            category=category,
            timer_minutes=raw.get("timer_minutes", int, 0),
            next=tuple(dict.fromkeys(raw.texts("next", ()))),
            dispatch_only=raw.get("dispatch_only", bool, False),
            divertable=raw.get("divert", bool, True),
        )
    for st in out.values():
        unknown = set(st.next) - set(out)
        if unknown:
            raise data.fail("{where}: {code!r}: unknown next {unknown}", code=st.code,
                            unknown=", ".join(sorted(unknown)))
    if not any(s.dispatch_only for s in out.values()):
        raise data.fail("{where}: needs one dispatch_only status (dispatched)")
    radios = [s.radio for s in out.values()]
    if len(set(radios)) != len(radios):
        raise data.fail("{where}: radio codes must be unique")
    return out


# Seconds a priority's incident may wait for a first unit before it is flagged, where a
# site's priorities.toml says nothing (``unattended_seconds``; 0: never).
DEFAULT_UNATTENDED = {1: 60, 2: 300}
# Seconds after its last unit was cleared before an open incident is flagged, where the
# site says nothing (``cleared_grace_seconds``; 0: at once): time to close it first.
DEFAULT_CLEARED_GRACE = 60
MAX_UNATTENDED_S = 24 * 3600


def _seconds(raw: _Table, default: int, key: str = "unattended_seconds") -> int:
    """``unattended_seconds`` and the like: whole seconds from 0 to a day."""
    if key not in raw.raw:
        return default
    value = raw.get(key, int)
    if not 0 <= value <= MAX_UNATTENDED_S:
        raise raw.fail("{where}: {key}={value} is out of range (0 to {most})",
                       key=key, value=value, most=MAX_UNATTENDED_S)
    return value


def _places(data: _Table, islands: Mapping[str, Island]) -> tuple[Place, ...]:
    out = []
    for raw in data.entries("place"):
        island = raw.text("island")
        if island not in islands:
            raise raw.fail("{where}: unknown island {island!r}", island=island)
        out.append(
            Place(
                name=raw.text("name"),
                island=island,
                kind=raw.text("kind", "landmark"),
                lat=raw.number("lat", -90, 90),
                lon=raw.number("lon", -180, 180),
                aliases=raw.texts("aliases", ()),
                approximate=raw.get("approximate", bool, True),
            )
        )
    return tuple(out)


def _turnouts(data: _Table, islands: Mapping[str, Island],
              classes: Mapping[str, Classification],
              capabilities: Mapping[str, Capability]) -> dict[str, dict[str, tuple[str, ...]]]:
    """``[ISLAND]`` tables of class code = [capabilities], each checked by name."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for key, value in data.raw.items():
        if key == "version":
            continue
        if key not in islands:
            raise data.fail("{where}: [{key}] is not an island; use one of {codes}", key=key,
                            codes=", ".join(islands))
        if not isinstance(value, dict):
            raise data.fail("{where}: {key} must be a table of class codes ([{key}])",
                            key=key)
        table = _Table(data.file, f"[{key}]", value)
        plans: dict[str, tuple[str, ...]] = {}
        for code in value:
            cls = code.strip().upper()
            if cls not in classes:
                raise table.fail("{where}: unknown class {code!r}; 'meldkamer classification "
                                 "list' shows them", code=code)
            if cls in plans:
                raise table.fail("{where}: {code!r} is given twice", code=code)
            needs = table.texts(code)
            if not needs:
                raise table.fail("{where}: {code!r} sends no unit; give at least one "
                                 "capability, or leave the class out for its standard "
                                 "turnout", code=code)
            unknown = [n for n in needs if n not in capabilities]
            if unknown:
                raise table.fail("{where}: {code!r}: unknown capability {capability!r}; use "
                                 "one of {codes}", code=code, capability=unknown[0],
                                 codes=", ".join(capabilities))
            plans[cls] = needs
        out[key] = plans
    return out


FILES = ("islands.toml", "disciplines.toml", "priorities.toml", "classification.toml",
         "statuses.toml", "dispositions.toml", "places.toml", "radio.toml",
         "capabilities.toml", "answers.toml", "turnouts.toml")
CACHE_FORMAT = 6  # 2: capability and answer names; 3: turnouts; 4: attention thresholds;
# 5: the grace after the last unit was cleared; 6: the reminder after an acknowledgement


def _cache_key(site_dir: Path | None) -> tuple[Any, ...] | None:
    """What the result depends on: each file's path, size and mtime, and this module's."""
    shipped = resources.files("meldkamer") / "data"
    paths = [Path(__file__)]
    for name in FILES:
        site = site_dir / name if site_dir is not None else None
        paths.append(site if site is not None and site.is_file() else Path(str(shipped / name)))
    try:
        stats = [(str(p), st.st_size, st.st_mtime_ns) for p in paths for st in [p.stat()]]
    except OSError:  # a file inside a zip, or gone: no caching
        return None
    return (CACHE_FORMAT, *stats)


def _trusted(st: os.stat_result) -> bool:
    """A pickle runs code when loaded: only our own file, writable by no one else."""
    owner = getattr(os, "getuid", None)
    return (owner is None or st.st_uid == owner()) and not st.st_mode & 0o022


def load_reference(site_dir: Path | None = None, *, cache_dir: Path | None = None) -> Reference:
    """Load and validate all reference data, site files taking precedence.

    Args:
        cache_dir: keep the parsed result here (``reference.pickle``) and reuse it while
            no file it came from has changed.
    """
    if cache_dir is None:
        return _load(site_dir)
    key = _cache_key(site_dir)
    cache = cache_dir / "reference.pickle"
    if key is not None:
        try:
            with cache.open("rb") as fh:
                if _trusted(os.fstat(fh.fileno())):
                    stored_key, ref = pickle.load(fh)
                    if stored_key == key and isinstance(ref, Reference):
                        return ref
        except Exception:  # missing, damaged or from another version: parse again
            pass
    ref = _load(site_dir)
    if key is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps((key, ref), protocol=pickle.HIGHEST_PROTOCOL))
            tmp.chmod(0o600)
            os.replace(tmp, cache)
        except OSError:  # a read-only home: parse each time, still correct
            pass
    return ref


def _load(site_dir: Path | None) -> Reference:
    sources: dict[str, str] = {}
    isl = _read_toml("islands.toml", site_dir, sources)
    islands = _islands(isl)
    disciplines = {}
    for d in _read_toml("disciplines.toml", site_dir, sources).entries("discipline"):
        code = d.text("code")
        disciplines[code] = Discipline(code, d.text("short", code), d.names(),
                                       frozenset(d.texts("capabilities", ())))
    prio = _read_toml("priorities.toml", site_dir, sources)
    priorities = {}
    for p in prio.entries("priority"):
        level = p.get("level", int)
        unattended = _seconds(p, DEFAULT_UNATTENDED.get(level, 0))
        priorities[level] = Priority(
            level, p.names(), p.text("colour", ""), unattended,
            _seconds(p, DEFAULT_CLEARED_GRACE, "cleared_grace_seconds"),
            _seconds(p, unattended, "reminder_seconds"))  # by default: one more threshold
    urgencies = {}
    for u in prio.entries("urgency"):
        code = u.text("code")
        own, remind = _seconds(u, -1), _seconds(u, -1, "reminder_seconds")
        urgencies[code] = Urgency(code, u.get("priority", int), u.names(),
                                  None if own < 0 else own, None if remind < 0 else remind)
    classes = _classifications(
        _read_toml("classification.toml", site_dir, sources), priorities, urgencies
    )
    statuses = _statuses(_read_toml("statuses.toml", site_dir, sources))
    dispositions = {}
    for d in _read_toml("dispositions.toml", site_dir, sources).entries("disposition"):
        code = d.text("code").upper()
        dispositions[code] = Disposition(code, d.names())
    places = _places(_read_toml("places.toml", site_dir, sources), islands)
    capabilities = {}
    for c in _read_toml("capabilities.toml", site_dir, sources).entries("capability"):
        code = c.text("code")
        capabilities[code] = Capability(code, c.names())
    answers = {}
    for a in _read_toml("answers.toml", site_dir, sources).entries("answer"):
        code = a.text("code")
        answers[code] = Answer(code, a.names())
    turnouts = _turnouts(_read_toml("turnouts.toml", site_dir, sources), islands, classes,
                         capabilities)
    raw_radio = _read_toml("radio.toml", site_dir, sources)
    emergency = raw_radio.get("emergency_radio", list, [0])
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in emergency):
        raise raw_radio.fail("{where}: emergency_radio must be a list of whole numbers")
    radio = RadioPlan(
        status_offset=raw_radio.get("status_offset", int, 0x8002),
        emergency_radio=frozenset(emergency),
        dispatch_text=raw_radio.get("dispatch_text", str, RadioPlan.dispatch_text),
    )
    home = isl.text("home", next(iter(islands)))
    if home not in islands:
        raise isl.fail("{where}: home island {home!r} is not defined", home=home)
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
        capabilities=capabilities,
        answers=answers,
        turnouts=turnouts,
    )
