"""Response-time figures: per island, discipline and priority, over a period of local dates.

Three intervals per incident and discipline dispatched to it (``incident_response``,
kept by the status history writer): *processing*, the first call taken to the first
unit dispatched; *travel*, dispatched to the first unit on scene; *total*, the call to
the first unit on scene. For each: the count, the median, the 90th and 95th percentile
(linear interpolation between ranks, as PostgreSQL's ``percentile_cont``) and how many
incidents lack a time for it (never dispatched, never on scene, no call), which are
counted, not dropped. Incidents never dispatched have no discipline: they are their own
group (discipline ``""``) with every interval missing.

Duplicates (``duplicate_of_id``) and incidents closed with a disposition listed in
``targets.toml``'s ``exclude_dispositions`` (cancelled, duplicate) are left out.

Percentiles are computed in the database: PostgreSQL's ``percentile_cont``; SQLite has
no percentile function, so ranks come from window functions (``ROW_NUMBER`` and
``COUNT`` over each group) and only the two rows around each percentile are read, one
row per group coming back to Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from meldkamer.domain.reference import _read_toml
from meldkamer.domain.views import LOCAL
from meldkamer.errors import InvalidInput, ReferenceDataError
from meldkamer.store.models import UTCDateTime

INTERVALS = ("processing", "travel", "total")
QUANTILES = (0.5, 0.9, 0.95)


@dataclass(frozen=True)
class Target:
    """A response-time norm: ``share`` of the incidents within ``seconds`` (targets.toml)."""

    code: str
    interval: str
    seconds: float
    share: float
    names: Mapping[str, str]
    discipline: str | None = None
    priority: int | None = None
    urgency: str | None = None

    def name(self, lang: str | None = None) -> str:
        from meldkamer.i18n import language

        return self.names.get(lang or language()) or self.names["nl"]


@dataclass(frozen=True)
class Targets:
    """The targets and the dispositions that take an incident out of the figures."""

    targets: tuple[Target, ...]
    exclude_dispositions: tuple[str, ...]


def load_targets(site_dir: Path | None = None) -> Targets:
    """Read targets.toml (a site's copy in ``site_dir`` first), with clear errors."""
    data = _read_toml("targets.toml", site_dir, {})
    exclude = tuple(code.upper() for code in data.texts("exclude_dispositions", ()))
    targets = []
    for t in data.entries("target"):
        interval = t.text("interval")
        if interval not in INTERVALS:
            raise t.fail("{where}: interval {value!r} is not one of {codes}", value=interval,
                         codes=", ".join(INTERVALS))
        seconds = t.number("seconds", 1, 86_400)
        share = t.number("share", 0.01, 1.0)
        priority = t.get("priority", int, 0) or None
        names = t.names()
        targets.append(Target(t.text("code"), interval, seconds, share, names,
                              t.text("discipline", "") or None, priority,
                              t.text("urgency", "") or None))
    return Targets(tuple(targets), exclude)


@dataclass(frozen=True)
class Figure:
    """One interval's figures for one island, discipline and priority (seconds)."""

    island: str
    discipline: str
    priority: int
    interval: str
    count: int
    missing: int
    median: float | None
    p90: float | None
    p95: float | None


@dataclass(frozen=True)
class TargetResult:
    """How one island did against one target in the period."""

    target: str
    island: str
    count: int
    met: int
    missing: int
    required: float

    @property
    def share(self) -> float | None:
        """The share of the timed incidents within the target; None when there were none."""
        return self.met / self.count if self.count else None

    @property
    def ok(self) -> bool | None:
        share = self.share
        return None if share is None else share + 1e-12 >= self.required


@dataclass(frozen=True)
class KpiReport:
    """The figures for a period (local dates, both included), and the targets."""

    start: date
    end: date
    island: str | None
    discipline: str | None
    figures: tuple[Figure, ...]
    results: tuple[TargetResult, ...]
    targets: tuple[Target, ...] = field(default=())
    incidents: int = 0

    def as_data(self) -> dict[str, Any]:
        """Plain JSON-ready data (codes, seconds)."""
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(),
            "island": self.island, "discipline": self.discipline,
            "incidents": self.incidents,
            "figures": [asdict(f) for f in self.figures],
            "targets": [
                {"code": r.target, "island": r.island, "count": r.count, "met": r.met,
                 "missing": r.missing, "share": r.share, "required": r.required,
                 "ok": r.ok, **_target_data(self.targets, r.target)}
                for r in self.results],
        }


def _target_data(targets: Iterable[Target], code: str) -> dict[str, Any]:
    for t in targets:
        if t.code == code:
            return {"interval": t.interval, "seconds": t.seconds, "name": t.name(),
                    "discipline": t.discipline, "priority": t.priority,
                    "urgency": t.urgency}
    return {}


def parse_date(value: str, what: str) -> date:
    """A date typed by a person (YYYY-MM-DD), or a clear error."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("{what} {value!r} is not a date; type it as YYYY-MM-DD",
                           what=what, value=value) from None


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of the start of ``start`` and the end of ``end``, local time."""
    if end < start:
        raise InvalidInput("the period ends ({end}) before it starts ({start})",
                           start=start.isoformat(), end=end.isoformat())
    lo = datetime.combine(start, time(0), LOCAL).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0), LOCAL).astimezone(UTC)
    return lo, hi


def _base(dialect: str, island: str | None, discipline: str | None,
          excluded: tuple[str, ...], *, join: bool = True) -> str:
    """The incidents of the period, one row per discipline dispatched, with intervals."""
    where = ["i.created_at >= :lo", "i.created_at < :hi", "i.duplicate_of_id IS NULL"]
    if excluded:
        where.append("(i.disposition IS NULL OR i.disposition NOT IN :excluded)")
    if island:
        where.append("i.island = :island")
    if discipline:
        where.append("r.discipline = :discipline")
    if not join:
        return "SELECT i.id FROM incident i WHERE " + " AND ".join(where)
    return (
        "SELECT i.id AS incident_id, i.island AS island, COALESCE(r.discipline, '') AS discipline, "
        "i.priority AS priority, i.urgency AS urgency, "
        "r.processing_seconds AS processing, r.travel_seconds AS travel, "
        "r.total_seconds AS total "
        "FROM incident i LEFT JOIN incident_response r ON r.incident_id = i.id "
        "WHERE " + " AND ".join(where)
    )


def _long(columns: str = "island, discipline, priority") -> str:
    return " UNION ALL ".join(
        f"SELECT {columns}, '{name}' AS interval, {name} AS v FROM base"
        for name in INTERVALS)


_GROUP = "island, discipline, priority, interval"


_PG_FIGURES = (
    f"SELECT {_GROUP}, "
    + ", ".join(f"percentile_cont({q}) WITHIN GROUP (ORDER BY v) AS q{i}"
                for i, q in enumerate(QUANTILES))
    + f" FROM long WHERE v IS NOT NULL GROUP BY {_GROUP}")


def _ranks(n: int) -> list[tuple[int, int, float]]:
    """For each quantile of ``n`` sorted values: the 1-based ranks around it, and where
    between them it lies (linear interpolation, as ``percentile_cont``)."""
    out = []
    for q in QUANTILES:
        pos = q * (n - 1)
        low = math.floor(pos + 1e-9)
        frac = max(0.0, pos - low)
        out.append((low + 1, min(low + 2, n), frac if low + 1 < n else 0.0))
    return out


def _sqlite_percentiles(run: Any, base: str, sizes: Mapping[tuple[str, str, int, str], int],
                        ) -> dict[tuple[str, str, int, str], list[float | None]]:
    """Percentiles on SQLite: one sort of every timed value by (group, value).

    SQLite has no percentile function. Each value gets its rank in one window
    (``ROW_NUMBER() OVER (ORDER BY g, v)``, ``g`` a number standing for the group); the
    groups' sizes are known from the counts, so the ranks around each percentile are
    known before the query, and only those rows come back.
    """
    groups = sorted(k for k, n in sizes.items() if n)
    if not groups:
        return {}
    islands = sorted({k[0] for k in groups})
    disciplines = sorted({k[1] for k in groups})
    priorities = sorted({k[2] for k in groups})

    def case(column: str, values: list[Any], prefix: str) -> tuple[str, dict[str, Any]]:
        params = {f"{prefix}{n}": v for n, v in enumerate(values)}
        whens = " ".join(f"WHEN :{prefix}{n} THEN {n}" for n in range(len(values)))
        return f"(CASE {column} {whens} END)", params

    isl, p1 = case("island", islands, "ki")
    dis, p2 = case("discipline", disciplines, "kd")
    pri, p3 = case("priority", priorities, "kp")
    number = {k: ((islands.index(k[0]) * len(disciplines) + disciplines.index(k[1]))
                  * len(priorities) + priorities.index(k[2])) * len(INTERVALS)
              + INTERVALS.index(k[3]) for k in groups}
    wanted: dict[int, tuple[Any, int]] = {}
    offset = 0
    for key in sorted(groups, key=number.__getitem__):
        for low, high, _frac in _ranks(sizes[key]):
            wanted[offset + low] = (key, low)
            wanted[offset + high] = (key, high)
        offset += sizes[key]
    g = f"(({isl} * {len(disciplines)} + {dis}) * {len(priorities)} + {pri})"
    long = " UNION ALL ".join(
        f"SELECT {g} * {len(INTERVALS)} + {n} AS g, {name} AS v FROM base "
        f"WHERE {name} IS NOT NULL" for n, name in enumerate(INTERVALS))
    ranks = ", ".join(str(r) for r in sorted(wanted))
    sql = (f"WITH base AS MATERIALIZED ({base}), long AS ({long}) "
           "SELECT rn, v FROM (SELECT v, ROW_NUMBER() OVER (ORDER BY g, v) AS rn FROM long) "
           f"AS ranked WHERE rn IN ({ranks})")
    values: dict[tuple[Any, int], float] = {}
    for row in run(sql, {**p1, **p2, **p3}):
        values[wanted[int(row.rn)]] = float(row.v)
    out: dict[tuple[str, str, int, str], list[float | None]] = {}
    for key in groups:
        picks: list[float | None] = []
        for low, high, frac in _ranks(sizes[key]):
            a, b = values.get((key, low)), values.get((key, high))
            picks.append(_round(_interpolated(a, b, frac)))
        out[key] = picks
    return out


def _counts_sql(targets: tuple[Target, ...]) -> str:
    """Per group: rows, timed rows per interval, and per target the rows within it."""
    cols = [f"COUNT({name}) AS n_{name}" for name in INTERVALS]
    for n, t in enumerate(targets):
        cols.append(f"SUM(CASE WHEN {t.interval} <= {float(t.seconds)} THEN 1 ELSE 0 END) "
                    f"AS met{n}")
    return (f"SELECT island, discipline, priority, urgency, COUNT(*) AS rows, "
            f"{', '.join(cols)} FROM base GROUP BY island, discipline, priority, urgency")


def _interpolated(lo: float | None, hi: float | None, frac: float | None) -> float | None:
    if lo is None:
        return None
    if hi is None or not frac:
        return float(lo)
    return float(lo) + float(frac) * (float(hi) - float(lo))


def _round(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 3)


def compute(session: Session, start: date, end: date, *, island: str | None = None,
            discipline: str | None = None, targets: Targets | None = None) -> KpiReport:
    """The response-time figures and target shares for ``start`` to ``end`` (local dates)."""
    targets = targets if targets is not None else load_targets()
    lo, hi = utc_bounds(start, end)
    dialect = session.get_bind().dialect.name
    base = _base(dialect, island, discipline, targets.exclude_dispositions)
    params: dict[str, Any] = {"lo": lo, "hi": hi}
    binds = [bindparam("lo", type_=UTCDateTime), bindparam("hi", type_=UTCDateTime)]
    if targets.exclude_dispositions:
        params["excluded"] = list(targets.exclude_dispositions)
        binds.append(bindparam("excluded", expanding=True))
    if island:
        params["island"] = island
    if discipline:
        params["discipline"] = discipline

    def run(sql: str, more: Mapping[str, Any] | None = None) -> list[Any]:
        return list(session.execute(text(sql).bindparams(*binds), {**params, **(more or {})}))

    counts = run(f"WITH base AS ({base}) " + _counts_sql(targets.targets))
    sizes: dict[tuple[str, str, int, str], list[int]] = {}
    for row in counts:
        for name in INTERVALS:
            size = sizes.setdefault((row.island, row.discipline, int(row.priority), name),
                                    [0, 0])
            size[0] += int(getattr(row, f"n_{name}") or 0)
            size[1] += int(row.rows)
    if dialect == "postgresql":
        timed: dict[tuple[str, str, int, str], list[float | None]] = {}
        for row in run(f"WITH base AS MATERIALIZED ({base}), long AS ({_long()}) "
                       + _PG_FIGURES):
            timed[(row.island, row.discipline, int(row.priority), row.interval)] = [
                _round(None if v is None else float(v)) for v in (row.q0, row.q1, row.q2)]
    else:
        timed = _sqlite_percentiles(run, base, {k: v[0] for k, v in sizes.items()})
    figures = []
    for key, (count, rows) in sizes.items():
        median, p90, p95 = timed.get(key, [None, None, None])
        figures.append(Figure(*key, count=count, missing=rows - count, median=median,
                              p90=p90, p95=p95))
    order = {name: n for n, name in enumerate(INTERVALS)}
    figures.sort(key=lambda f: (f.island, f.discipline == "", f.discipline, f.priority,
                                order[f.interval]))
    results = []
    for n, t in enumerate(targets.targets):
        per_island: dict[str, list[int]] = {}
        for row in counts:
            if ((t.discipline and row.discipline != t.discipline)
                    or (t.priority is not None and int(row.priority) != t.priority)
                    or (t.urgency and row.urgency != t.urgency)):
                continue
            tally = per_island.setdefault(row.island, [0, 0, 0])
            timed_rows = int(getattr(row, f"n_{t.interval}") or 0)
            tally[0] += timed_rows
            tally[1] += int(getattr(row, f"met{n}") or 0)
            tally[2] += int(row.rows) - timed_rows
        for isl in sorted(per_island):
            count, met, missing = per_island[isl]
            results.append(TargetResult(t.code, isl, count, met, missing, t.share))
    if discipline:  # one row per incident
        incidents = sum(int(row.rows) for row in counts)
    else:
        own = _base(dialect, island, None, targets.exclude_dispositions, join=False)
        incidents = int(run(f"SELECT COUNT(*) AS n FROM ({own}) AS own")[0].n)
    return KpiReport(start, end, island, discipline, tuple(figures), tuple(results),
                     targets.targets, incidents)


def _quoted(value: str) -> str:
    """A reference code inside SQL (codes are checked words; quotes doubled all the same)."""
    if not value.replace("_", "").replace("-", "").isalnum():
        raise ReferenceDataError("targets.toml: {value!r} is not a code", value=value)
    return value.replace("'", "''")
