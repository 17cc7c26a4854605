"""A recorded shift as a scenario: ``meldkamer scenario from-db``.

The incidents created in a period of a database (live or training) become the calls of a
scenario file at their real offsets: their locations, classes and priorities, and the
unit types that went. A further call on an incident becomes a call with
``duplicate_of``. Callers are pseudonymised (numbers become reserved 555 numbers, names
are dropped) and free text is dropped unless ``keep_text`` (then the incident's notes
become what the caller says). Incidents without coordinates are left out (a scenario
call needs a place); the file says how many.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from meldkamer.errors import InvalidInput

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer
    from meldkamer.domain.views import IncidentView


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _offset(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def check_period(start: datetime, end: datetime) -> None:
    """Refuse a period without UTC offsets, or one that ends before it starts."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("--from and --to need a UTC offset (e.g. 2026-09-18T22:00-04:00)")
    if end <= start:
        raise InvalidInput("--to ({end}) is not after --from ({start})", start=start, end=end)


def from_db(core: Meldkamer, start: datetime, end: datetime, *, island: str | None = None,
            keep_text: bool = False, name: str = "recorded-shift", seed: int = 1) -> str:
    """The scenario file's text for the incidents created from ``start`` to ``end``."""
    check_period(start, end)
    code = core.ref.island(island).code if island else None
    found = [inc for inc in core.incidents.list_incidents(active=False, island=code,
                                                          limit=10_000,
                                                          attention_first=False)
             if start <= inc.created_at < end]
    incidents = sorted((core.incidents.get(inc.number) for inc in found),
                       key=lambda i: (i.created_at, i.id))
    placed = [i for i in incidents if i.lat is not None and i.lon is not None
              and i.classification]
    islands = sorted({i.island for i in placed}) or [code or core.ref.home_island]
    caps = {u.callsign: tuple(u.capabilities) for u in core.units.list_units()}
    numbers: dict[str, str] = {}

    def pseudonym(number: str) -> str:
        return numbers.setdefault(number, f"+599 555 {8000 + len(numbers):04d}")

    out = [
        "# A recorded shift (meldkamer scenario from-db): callers pseudonymised"
        + ("" if keep_text else ", free text dropped") + ".",
        f"# {len(placed)} incidents; {len(incidents) - len(placed)} without a location or "
        "class left out.",
        "format = 1", "", "[scenario]", f"name = {_s(name)}",
        f"title = {_s('Recorded shift ' + start.isoformat(timespec='minutes'))}",
        f"islands = {json.dumps(islands)}", f"start = {start.astimezone(UTC).isoformat()}",
        f"seed = {seed}",
    ]
    for n, inc in enumerate(placed, 1):
        out += _calls(inc, n, start, caps, pseudonym, keep_text, core)
    return "\n".join(out) + "\n"


def _calls(inc: IncidentView, n: int, start: datetime, caps: dict[str, tuple[str, ...]],
           pseudonym: Any, keep_text: bool, core: Meldkamer) -> list[str]:
    turnout = core.ref.turnout(inc.classification, inc.island).needs
    went = []
    for a in inc.assignments:
        have = caps.get(a.callsign, ())
        went.append(next((c for c in have if c in turnout), have[0] if have else None))
    says = [e.text for e in inc.log if e.kind == "note"] if keep_text else []
    first = f"I{n}"
    lines: list[str] = []
    for k, call in enumerate(inc.calls or (None,)):
        at = call.at if call is not None and k else inc.created_at
        number = call.caller_number if call is not None else ""
        lines += ["", "[[call]]", f"id = {_s(first if k == 0 else f'{first}-{k + 1}')}",
                  f"at = {_s(_offset((at - start).total_seconds()))}",
                  f"caller = {_s(pseudonym(number or f'{inc.number}/{k}'))}",
                  f"lat = {inc.lat}", f"lon = {inc.lon}",
                  f"address = {_s(inc.address if keep_text else inc.number)}",
                  f"class = {_s(inc.classification or '')}"]
        if k == 0:
            lines.append(f"units = {json.dumps([c for c in went if c])}")
            if says:
                lines.append(f"says = {json.dumps(says, ensure_ascii=False)}")
        else:
            lines.append(f"duplicate_of = {_s(first)}")
    return lines
