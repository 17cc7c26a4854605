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


def _diff(dialect: str, a: str, b: str) -> str:
    if dialect == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM ({a} - {b})) AS DOUBLE PRECISION)"
    # julianday is a float of days: rounded to the millisecond, 900 s stays 900 s.
    return f"ROUND((julianday({a}) - julianday({b})) * 86400.0, 3)"


def _base(dialect: str, island: str | None, discipline: str | None,
          excluded: tuple[str, ...]) -> str:
    """The incidents of the period, one row per discipline dispatched, with intervals."""
    where = ["i.created_at >= :lo", "i.created_at < :hi", "i.duplicate_of_id IS NULL"]
    if excluded:
        where.append("(i.disposition IS NULL OR i.disposition NOT IN :excluded)")
    if island:
        where.append("i.island = :island")
    if discipline:
        where.append("r.discipline = :discipline")
    return (
        "SELECT i.id AS incident_id, i.island AS island, COALESCE(r.discipline, '') AS discipline, "
        "i.priority AS priority, i.urgency AS urgency, "
        f"{_diff(dialect, 'r.dispatched_at', 'r.call_at')} AS processing, "
        f"{_diff(dialect, 'r.on_scene_at', 'r.dispatched_at')} AS travel, "
        f"{_diff(dialect, 'r.on_scene_at', 'r.call_at')} AS total "
        "FROM incident i LEFT JOIN incident_response r ON r.incident_id = i.id "
        "WHERE " + " AND ".join(where)
    )


def _long(columns: str = "island, discipline, priority") -> str:
    return " UNION ALL ".join(
        f"SELECT {columns}, '{name}' AS interval, {name} AS v FROM base"
        for name in INTERVALS)


_GROUP = "island, discipline, priority, interval"


def _figures_sql(dialect: str) -> str:
    if dialect == "postgresql":
        cols = ", ".join(f"percentile_cont({q}) WITHIN GROUP (ORDER BY v) AS q{i}"
                         for i, q in enumerate(QUANTILES))
        return (f"SELECT {_GROUP}, COUNT(v) AS n, COUNT(*) - COUNT(v) AS missing, {cols} "
                f"FROM long GROUP BY {_GROUP}")
    picks = []
    for i, q in enumerate(QUANTILES):
        pos = f"({q} * (n - 1))"
        low = f"(CAST({pos} AS INTEGER) + 1)"
        picks.append(f"MAX(CASE WHEN rn = {low} THEN v END) AS lo{i}, "
                     f"MAX(CASE WHEN rn = {low} + 1 THEN v END) AS hi{i}, "
                     f"MAX({pos} - CAST({pos} AS INTEGER)) AS f{i}")
    return (
        f"SELECT {_GROUP}, MAX(n) AS n, MAX(total) - MAX(n) AS missing, "
        + ", ".join(picks)
        + f" FROM (SELECT {_GROUP}, v, "
        f"ROW_NUMBER() OVER (PARTITION BY {_GROUP} ORDER BY v IS NULL, v) AS rn, "
        f"COUNT(v) OVER (PARTITION BY {_GROUP}) AS n, "
        f"COUNT(*) OVER (PARTITION BY {_GROUP}) AS total FROM long) AS ranked "
        f"GROUP BY {_GROUP}"
    )


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

    def run(sql: str) -> list[Any]:
        return list(session.execute(text(sql).bindparams(*binds), params))

    head = f"WITH base AS ({base}), long AS ({_long()}) "
    figures = []
    for row in run(head + _figures_sql(dialect)):
        if dialect == "postgresql":
            values = [row.q0, row.q1, row.q2]
        else:
            values = [_interpolated(getattr(row, f"lo{i}"), getattr(row, f"hi{i}"),
                                    getattr(row, f"f{i}")) for i in range(len(QUANTILES))]
        median, p90, p95 = (_round(None if v is None else float(v)) for v in values)
        figures.append(Figure(row.island, row.discipline, int(row.priority), row.interval,
                              int(row.n or 0), int(row.missing or 0), median, p90, p95))
    order = {name: n for n, name in enumerate(INTERVALS)}
    figures.sort(key=lambda f: (f.island, f.discipline == "", f.discipline, f.priority,
                                order[f.interval]))
    results = []
    for t in targets.targets:
        where = ["1 = 1"]
        if t.discipline:
            where.append(f"discipline = '{_quoted(t.discipline)}'")
        if t.priority is not None:
            where.append(f"priority = {int(t.priority)}")
        if t.urgency:
            where.append(f"urgency = '{_quoted(t.urgency)}'")
        sql = (head + f"SELECT island, COUNT({t.interval}) AS n, "
               f"SUM(CASE WHEN {t.interval} <= {float(t.seconds)} THEN 1 ELSE 0 END) AS met, "
               f"COUNT(*) - COUNT({t.interval}) AS missing FROM base "
               f"WHERE {' AND '.join(where)} GROUP BY island ORDER BY island")
        for row in run(sql):
            results.append(TargetResult(t.code, row.island, int(row.n or 0),
                                        int(row.met or 0), int(row.missing or 0), t.share))
    incidents = int(run(head + "SELECT COUNT(DISTINCT incident_id) AS n FROM base")[0].n)
    return KpiReport(start, end, island, discipline, tuple(figures), tuple(results),
                     targets.targets, incidents)


def _quoted(value: str) -> str:
    """A reference code inside SQL (codes are checked words; quotes doubled all the same)."""
    if not value.replace("_", "").replace("-", "").isalnum():
        raise ReferenceDataError("targets.toml: {value!r} is not a code", value=value)
    return value.replace("'", "''")
