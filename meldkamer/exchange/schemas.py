"""Schemas for files handed in from outside, checked with pydantic before anything is used.

Types and sizes are checked by the models; codes that the site's reference data defines
(islands, disciplines, capabilities) through the validation context (``ref``). Every
problem becomes one ``InvalidInput`` naming the file, the entry and the field.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from meldkamer.errors import InvalidInput
from meldkamer.i18n import N_, Text

if TYPE_CHECKING:
    from meldkamer.domain.reference import Reference

ISSI_MAX = 2**24 - 1  # TETRA: an ISSI is 24 bits
CALLSIGN_PATTERN = r"^[A-Z0-9][A-Z0-9/_-]*$"
MAX_ENTRIES = 5_000

Name = Annotated[StrictStr, Field(max_length=120)]
Code = Annotated[StrictStr, Field(min_length=1, max_length=20)]


def _ref(info: ValidationInfo) -> Reference | None:
    context = info.context or {}
    found: Reference | None = context.get("ref")
    return found


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("not_finite")
    return value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("island", check_fields=False)
    @classmethod
    def _island(cls, value: str | None, info: ValidationInfo) -> str | None:
        ref = _ref(info)
        if value is None or ref is None:
            return value
        try:
            return ref.island(value).code
        except InvalidInput:
            raise ValueError("unknown_island") from None

    @field_validator("discipline", check_fields=False)
    @classmethod
    def _discipline(cls, value: str | None, info: ValidationInfo) -> str | None:
        ref = _ref(info)
        if value is not None and ref is not None and value not in ref.disciplines:
            raise ValueError("unknown_discipline")
        return value


class RosterStation(_Entry):
    """One ``[[station]]``: a new one needs every field but ``name``."""

    code: Annotated[StrictStr, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
    name: Name | None = None
    island: Code | None = None
    discipline: Code | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    # Read by the reference data (stations.toml), not stored with the roster.
    approximate: StrictBool | None = None
    note: Annotated[StrictStr, Field(max_length=2_000)] | None = None

    @field_validator("lat", "lon")
    @classmethod
    def _coordinate(cls, value: float | None) -> float | None:
        return None if value is None else _finite(value)


class RosterUnit(_Entry):
    """One ``[[unit]]``: fields left out keep what the unit had (a new one needs
    discipline and island)."""

    callsign: Annotated[StrictStr, Field(min_length=1, max_length=20,
                                         pattern=CALLSIGN_PATTERN)]
    name: Name | None = None
    discipline: Code | None = None
    island: Code | None = None
    station: Annotated[StrictStr, Field(max_length=40)] | None = None
    capabilities: Annotated[list[Annotated[StrictStr, Field(max_length=40)]],
                            Field(max_length=20)] | None = None
    issi: Annotated[int, Field(strict=True, ge=1, le=ISSI_MAX)] | None = None
    demo: StrictBool | None = None

    @field_validator("callsign", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("capabilities")
    @classmethod
    def _capabilities(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        ref = _ref(info)
        if value is None or ref is None:
            return value
        unknown = [c for c in value if c not in ref.capabilities]
        if unknown:
            raise ValueError("unknown_capability")
        return list(dict.fromkeys(value))


class Roster(BaseModel):
    """A unit roster: ``[[station]]`` and ``[[unit]]`` tables (at least one of them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Annotated[int, Field(strict=True, ge=1, le=1)] | None = None
    demo: StrictBool | None = None
    station: Annotated[list[RosterStation], Field(max_length=MAX_ENTRIES)] = []
    unit: Annotated[list[RosterUnit], Field(max_length=MAX_ENTRIES)] = []


# Our own words for the problems a person meets, by pydantic's error type (English
# templates, translated when shown); other types fall back to pydantic's text.
_PROBLEMS = {
    "missing": N_("is required"),
    "extra_forbidden": N_("is not a field of this table (a typing error?)"),
    "string_type": N_("must be text"),
    "list_type": N_("must be a list in [ ], not a single value"),
    "int_type": N_("must be a whole number"),
    "bool_type": N_("must be true or false"),
    "float_type": N_("must be a number"),
    "float_parsing": N_("must be a number"),
    "model_type": N_("must be a table"),
    "string_too_short": N_("must not be empty"),
    "string_too_long": N_("is longer than {max_length} characters"),
    "too_long": N_("has more than {max_length} items"),
    "string_pattern_mismatch": N_("may hold only letters, digits and - / _ (starting with a "
                                  "letter or digit)"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than_equal": N_("must be at most {le}"),
    "finite_number": N_("must be a finite number"),
    "not_finite": N_("must be a finite number"),
    "unknown_island": N_("is not a known island; use one of {codes}"),
    "unknown_discipline": N_("is not a known discipline; use one of {codes}"),
    "unknown_capability": N_("holds an unknown capability; use codes from {codes}"),
}


def _codes(kind: str, ref: Reference | None) -> str:
    if ref is None:
        return "-"
    table = {"unknown_island": ref.islands, "unknown_discipline": ref.disciplines,
             "unknown_capability": ref.capabilities}.get(kind, {})
    return ", ".join(table)


def _entry_label(data: Any, loc: tuple[Any, ...]) -> str:
    """``unit 3 (A-101)``: the table, its place in the file (from 1) and its key."""
    if len(loc) < 2 or not isinstance(loc[1], int):
        return str(loc[0]) if loc else "-"
    table, index = str(loc[0]), loc[1]
    key = ""
    rows = data.get(table) if isinstance(data, dict) else None
    if isinstance(rows, list) and index < len(rows) and isinstance(rows[index], dict):
        raw = rows[index].get("callsign" if table == "unit" else "code")
        if isinstance(raw, str | int) and 0 < len(str(raw)) <= 40:
            key = f" ({raw})"
    return f"{table} {index + 1}{key}"


def problem(error: Any, ref: Reference | None) -> InvalidInput:
    """The first problem of a pydantic ValidationError as one InvalidInput field set."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error":
        kind = str(ctx.get("error", ""))
    template = _PROBLEMS.get(kind)
    fields = {k: v for k, v in ctx.items() if k in ("max_length", "ge", "le")}
    if template is None:
        return InvalidInput(N_("is not valid ({problem})"), problem=str(error.get("msg", kind)))
    return InvalidInput(template, codes=_codes(kind, ref), **fields)


def validate_roster(data: Any, *, file: str, ref: Reference | None) -> Roster:
    """``data`` (a parsed TOML document) as a Roster, or InvalidInput naming file, entry and
    field of the first problem; an empty roster is refused."""
    try:
        roster = Roster.model_validate(data, context={"ref": ref})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = tuple(first.get("loc", ()))
        what = problem(first, ref)
        field = str(loc[2]) if len(loc) >= 3 else (str(loc[-1]) if loc else "-")
        if len(loc) >= 4:  # inside a list field: capabilities item 2
            field = f"{loc[2]}[{loc[3]}]"
        raise InvalidInput("{file}: {entry}: {field} {problem}", file=file,
                           entry=_entry_label(data, loc), field=field,
                           problem=Text(what.template, **what.fields)) from None
    if not roster.station and not roster.unit:
        raise InvalidInput("{file}: the roster is empty: it needs [[station]] or [[unit]] "
                           "tables", file=file)
    for table, keys in (("station", [s.code for s in roster.station]),
                        ("unit", [u.callsign for u in roster.unit])):
        seen: set[str] = set()
        for n, key in enumerate(keys, start=1):
            if key in seen:
                raise InvalidInput("{file}: {entry}: {key} appears twice in the roster",
                                   file=file, entry=f"{table} {n}", key=key)
            seen.add(key)
    issis = [u.issi for u in roster.unit if u.issi is not None]
    if len(issis) != len(set(issis)):
        raise InvalidInput("{file}: two units share an issi", file=file)
    return roster
