"""Sources: who or what acted, as stored and as shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meldkamer import names
from meldkamer.domain.source import Source, radio_detail
from meldkamer.domain.views import LogView
from meldkamer.i18n import set_language


def test_a_radio_names_its_unit_and_issi() -> None:
    src = Source.radio("jan", "P-101", 2111001)
    assert (src.kind, src.user, src.detail) == ("radio", "jan", "P-101 (ISSI 2111001)")
    assert Source.radio("jan", None, 2111009).detail == "ISSI 2111009"
    assert Source.radio("jan", "P-101", None, what="GPS").detail == "P-101 (GPS)"
    assert Source.radio("jan", "P-101", 2111001, simulated=True).kind == "simulator"
    assert radio_detail("P-101", None) == "P-101"
    assert not src.is_person and Source.operator("jan").is_person


def test_a_source_round_trips_through_audit_data() -> None:
    src = Source.scenario("jan", "demo")
    assert Source.from_data(src.as_data()) == src
    assert Source.from_data("radio") is None  # an old event's plain kind: not a source
    assert Source.from_data({"kind": "martian"}) is None
    with pytest.raises(ValueError):
        Source("martian", "jan")


def test_the_reader_sees_the_radio_never_the_login_for_what_a_radio_sent() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    radio = LogView(at, "jan", "status", "P-101: On scene",
                    source=Source.radio("jan", "P-101", 2111001))
    mine = LogView(at, "jan", "note", "x", source=Source.operator("jan"))
    old = LogView(at, "jan", "note", "x")  # written before sources were recorded
    assert names.log_source(radio) == "radio P-101 (ISSI 2111001)"
    assert "jan" not in names.log_source(radio)
    assert names.log_source(mine) == names.log_source(old) == "jan"
    assert names.source(Source.system("jan", "attention")) == "system (attention watch)"
    assert names.source(Source.system("jan", "backup")) == "system (backup)"
    assert names.source(Source.scenario("jan", "demo")) == "scenario demo"
    set_language("nl")
    assert names.log_source(radio) == "radio P-101 (ISSI 2111001)"
    assert names.source(Source.system("jan", "attention")) == "systeem (aandachtsbewaking)"
    assert names.source(Source.radio("jan", "P-101", 1, simulated=True)) == \
        "simulator P-101 (ISSI 1)"
