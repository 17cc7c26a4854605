"""Every command class survives JSON (the outage journal stores commands and replays them in
another process): ``from_json(to_json(c)) == c`` for arbitrary field values."""

from __future__ import annotations

import dataclasses
import importlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meldkamer.commands import COMMANDS, Command
from meldkamer.errors import InvalidInput

# Command classes whose handler module registers more of them (users, the audit alarm).
for module in ("meldkamer.auth.commands", "meldkamer.services.trail_alarm"):
    importlib.import_module(module)

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=3),
    max_leaves=8)


def _strategy(cls: type[Command]) -> st.SearchStrategy[Command]:
    """Arbitrary instances: hypothesis reads the field types; JSON-like data for ``Any``."""
    overrides: dict[str, Any] = {
        "at": st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1),
                           max_value=datetime(2100, 1, 1)),
        "command_id": st.uuids().map(str),
    }
    for f in dataclasses.fields(cls):
        if "Any" in str(f.type) and f.name not in overrides:
            overrides[f.name] = st.dictionaries(st.text(max_size=8), JSONISH, max_size=4)
        elif "ProposalSet" in str(f.type):
            overrides[f.name] = st.none()
        elif f.type in ("float", "float | None"):
            overrides[f.name] = st.floats(allow_nan=False, allow_infinity=False) | st.none() \
                if "None" in f.type else st.floats(allow_nan=False, allow_infinity=False)
    return st.builds(cls, **overrides)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_round_trips_through_json(name: str) -> None:
    cls = COMMANDS[name]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_strategy(cls))
    def check(cmd: Command) -> None:
        try:
            text = cmd.to_json()
        except InvalidInput:
            return  # a value JSON cannot hold is refused clearly, never stored half
        back = Command.from_json(text)
        assert type(back) is cls
        assert back == cmd
        assert back.to_json() == text

    check()


def test_garbage_is_not_a_command() -> None:
    for text in ("", "[]", "{}", '{"command": "incident.create"}',
                 '{"command": "nope", "fields": {}}', "[" * 5000,
                 '{"command": "incident.create", "fields": {"lat": "north"}}'):
        with pytest.raises(InvalidInput):
            Command.from_json(text)
