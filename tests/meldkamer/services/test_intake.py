"""Caller history, flags and duplicates by normalised number; no number, no history."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from meldkamer.core import Meldkamer
from meldkamer.errors import InvalidInput
from meldkamer.services.attention import Watched
from meldkamer.store.models import Call

RINCON = (12.2376, -68.3306)


def test_a_number_is_one_caller_however_it_was_typed(core: Meldkamer) -> None:
    for typed in ("7171234", "717 1234", "+599 717 1234", "00599-717-1234"):
        core.incidents.create(caller_number=typed, caller_name="Marta")
    history = core.intake.caller_history("717-1234")
    assert history.number == "+5997171234" and history.shown == "+599 717 1234"
    assert history.number_state == "known"
    assert len(history.incidents) == 4 and history.calls_30_days == 4 and history.repeat_caller
    with core.store.read() as s:
        assert set(s.execute(select(Call.caller_number)).scalars()) == {"+5997171234"}


def test_rows_typed_in_full_before_normalisation_are_still_found(core: Meldkamer) -> None:
    inc = core.incidents.create(caller_number="7171234")
    with core.store.write() as s:  # as an older workstation stored it: as typed
        s.execute(insert(Call), [{"incident_id": inc.id, "at": core.clock(),
                                  "caller_number": "+599 717 1234", "caller_name": "",
                                  "callback_number": "", "taken_by": "old"}])
    assert core.intake.caller_history("7171234").calls_30_days == 2
    core.intake.flag_caller("+599 717 1234", "risk", "agressief")
    assert [f.note for f in core.intake.caller_history("717 1234").flags] == ["agressief"]


def test_foreign_and_island_numbers_are_kept_apart(core: Meldkamer) -> None:
    core.incidents.create(caller_number="0031 6 12345678")
    core.incidents.create(caller_number="318 2333")
    assert core.intake.caller_history("+31612345678").calls_30_days == 1
    assert core.intake.caller_history("3182333").calls_30_days == 1
    assert core.intake.caller_history("416 2333").calls_30_days == 0


def test_withheld_and_unknown_numbers_have_no_history(core: Meldkamer) -> None:
    for typed in ("anoniem", "withheld", "", None, "onbekend", "unknown"):
        core.incidents.create(caller_number=typed, lat=RINCON[0], lon=RINCON[1])
    for asked in ("anoniem", "withheld", "", "onbekend"):
        history = core.intake.caller_history(asked)
        assert history.incidents == () and history.calls_30_days == 0
        assert not history.repeat_caller and history.number == ""
    assert core.intake.caller_history("onbekend").number_state == "unknown"
    assert core.intake.caller_history("anoniem").number_state == "withheld"
    calls = [c for i in core.incidents.list_incidents(active=True) for c in i.calls]
    assert sorted(c.number_state for c in calls) == ["unknown"] * 4 + ["withheld"] * 2
    assert all(c.caller_number == "" for c in calls)


def test_a_withheld_number_is_never_the_same_caller(core: Meldkamer) -> None:
    core.incidents.create(caller_number="anoniem", classification="BZ.INB.WON")
    core.incidents.create(caller_number="7175555", classification="BZ.INB.WON")
    assert core.intake.duplicates(caller_number="withheld") == []
    assert core.intake.duplicates(caller_number="") == []
    same = core.intake.duplicates(caller_number="+599 717 5555")
    assert [d.basis for d in same] == ["same_caller"]


def test_a_short_number_is_never_one_caller(core: Meldkamer) -> None:
    for _ in range(4):  # calls passed on by another centre, all presented as 112
        core.incidents.create(caller_number="112", classification="BZ.INB.WON")
    history = core.intake.caller_history("112")
    assert history.incidents == () and history.calls_30_days == 0
    assert not history.repeat_caller and history.number == "112" and history.shown == "112"
    assert core.intake.duplicates(caller_number="112") == []
    with pytest.raises(InvalidInput):
        core.intake.flag_caller("112", "risk", "x")
    assert core.intake.caller_history("112").flags == ()


def test_the_log_names_the_caller_in_each_readers_language(core: Meldkamer) -> None:
    from meldkamer import names

    withheld = core.incidents.create(caller_number="anoniem", caller_name="Jan")
    known = core.incidents.create(caller_number="7171234")
    line = core.incidents.get(withheld.number).log[0]
    assert names.log_text(core.ref, line, "nl") == "Melding van een afgeschermd nummer (Jan)"
    assert names.log_text(core.ref, line, "en") == "Call from a withheld number (Jan)"
    first = core.incidents.get(known.number).log[0]
    assert names.log_text(core.ref, first, "nl") == "Melding van +599 717 1234"


def test_looking_up_duplicates_reads_no_attention_flags(core: Meldkamer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    inc = core.incidents.create(caller_number="+599 717 5555", classification="GZ.ACU.REA")
    core.clock = lambda: inc.created_at + timedelta(minutes=10)
    assert core.incidents.get(inc.number).attention == ("unattended",)
    reads: list[datetime] = []
    real = core.attention.read

    def counted(session: Session, now: datetime) -> list[Watched]:
        reads.append(now)
        return real(session, now)

    monkeypatch.setattr(core.attention, "read", counted)
    same = core.intake.duplicates(caller_number="717 5555")
    assert [d.number for d in same] == [inc.number]
    assert reads == []  # each caller lookup: no attention read over all open incidents
    core.incidents.list_incidents(active=True)
    assert len(reads) == 1  # (the list's order does read them)
