"""Validation of everything a person, file or wire hands the core."""

from __future__ import annotations

import math
import unicodedata

from meldkamer.domain import phone as phone_numbers
from meldkamer.domain.phone import CallerNumber
from meldkamer.errors import InvalidInput
from meldkamer.i18n import N_, Text

MAX_NOTE = 10_000
# The names of what is checked, as messages show them ("{what} is required").
FIELD_NAMES = (N_("note"), N_("address"), N_("caller name"), N_("caller number"),
               N_("callback number"), N_("reason"), N_("override reason"), N_("answer"))
MAX_SHORT = 200


def clean_text(value: str | None, what: str, *, limit: int, required: bool = False) -> str:
    """Strip control characters (keeping newlines and tabs), trim, and check the length."""
    text = "" if value is None else str(value)
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs", "Co")
    )
    text = text.replace("\r", "").strip()
    if required and not text:
        raise InvalidInput("{what} is required", what=Text(what))
    if len(text) > limit:
        raise InvalidInput("{what} is {length} characters long; the limit is {limit}",
                           what=Text(what), length=len(text), limit=limit)
    return text


def caller(value: str | None, what: str = "caller number") -> CallerNumber:
    """A caller's number, normalised (``meldkamer.domain.phone``); no number is allowed."""
    return phone_numbers.parse(value, what)


def phone(value: str | None, what: str = "caller number", *, required: bool = False) -> str:
    """A number to call back on, normalised (E.164 or a short number), or "" for none."""
    number = phone_numbers.parse(value, what)
    if required and not number.known:
        raise InvalidInput("{what} is required", what=Text(what))
    return number.number


def coordinate(lat: float | str | None, lon: float | str | None) -> tuple[float, float]:
    """A WGS84 coordinate pair, checked for range."""
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InvalidInput("coordinates must be numbers, got {lat!r}, {lon!r}",
            lat=lat, lon=lon) from exc
    if not (math.isfinite(la) and -90 <= la <= 90):
        raise InvalidInput("latitude {value} is out of range (-90 to 90)", value=lat)
    if not (math.isfinite(lo) and -180 <= lo <= 180):
        raise InvalidInput("longitude {value} is out of range (-180 to 180)", value=lon)
    return la, lo
