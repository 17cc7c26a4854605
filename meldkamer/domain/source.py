"""Who (or what) made a change: the operator, a radio, the simulator, a scenario, the system.

Every log line and audit event carries its source, so a status a radio sent is never shown
as the operator's action. ``user`` is always the login of the workstation that wrote the
change (who was on duty); ``kind`` says what acted; ``detail`` says which one: the radio's
callsign and ISSI, the scenario's name, the job's name. ``detail`` holds no words to
translate (callsigns, numbers, names), so it is stored and shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("operator", "radio", "simulator", "scenario", "system")


@dataclass(frozen=True)
class Source:
    """What acted, on whose workstation."""

    kind: str
    user: str
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError("unknown source kind", self.kind)

    @classmethod
    def operator(cls, user: str) -> Source:
        return cls("operator", user)

    @classmethod
    def radio(cls, user: str, callsign: str | None, issi: int | None = None, *,
              simulated: bool = False, what: str = "") -> Source:
        """A radio (or the simulator standing in for one): "P-101 (ISSI 2111001)"."""
        return cls("simulator" if simulated else "radio", user,
                   radio_detail(callsign, issi, what))

    @classmethod
    def scenario(cls, user: str, name: str) -> Source:
        return cls("scenario", user, name)

    @classmethod
    def system(cls, user: str, job: str) -> Source:
        """A job of the workstation's own (a timer, the attention watch, an SDS sent)."""
        return cls("system", user, job)

    @property
    def is_person(self) -> bool:
        """True when a person at the workstation did it (not a radio, scenario or timer)."""
        return self.kind == "operator"

    def as_data(self) -> dict[str, str]:
        """The source as it goes into an audit event's data."""
        return {"kind": self.kind, "user": self.user, "detail": self.detail}

    @classmethod
    def from_data(cls, data: Any, user: str = "") -> Source | None:
        """A stored source (audit data, a log row); None when nothing was recorded."""
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            return None
        return cls(str(data["kind"]), str(data.get("user") or user),
                   str(data.get("detail") or ""))


def radio_detail(callsign: str | None, issi: int | None, what: str = "") -> str:
    """'P-101 (ISSI 2111001)', 'ISSI 2111001' for a radio of no unit, 'P-101 (GPS)'."""
    inner = f"ISSI {issi}" if issi is not None else what
    if callsign and inner:
        return f"{callsign} ({inner})"
    return callsign or inner
