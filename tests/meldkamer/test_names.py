"""Names instead of codes, and log lines read in each reader's language."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from meldkamer import i18n, names
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import LogView
from meldkamer.errors import Refused
from tests.meldkamer.test_services import KRALENDIJK


def closed_incident(core: Meldkamer) -> str:
    inc = core.incidents.create(caller_number="+599 717 1234", lat=KRALENDIJK[0],
                                lon=KRALENDIJK[1], classification="BR.GEB.WON",
                                answers={"persons_inside": "ja", "injured": "onbekend",
                                         "spread": "de buren zeggen van wel"})
    unit = core.dispatch.propose(inc.number).proposals[0].callsign
    core.dispatch.dispatch(inc.number, [unit])
    for status in ("en_route", "on_scene", "available_mobile"):
        core.units.set_status(unit, status, reason="klaar" if status == "on_scene" else "")
    core.incidents.close(inc.number, "HANDLED", note="alles rustig")
    return inc.number


def test_log_lines_are_stored_as_templates_and_read_in_each_language(
        sqlite_core: Meldkamer) -> None:
    number = closed_incident(sqlite_core)
    log = sqlite_core.incidents.get(number).log
    ref = sqlite_core.ref
    by_kind = {e.kind: e for e in log}
    assert by_kind["close"].text == "Closed: Handled. alles rustig"  # English, for search
    assert by_kind["close"].fields == {"disposition": {"$ref": "disposition",
                                                       "code": "HANDLED"},
                                       "note": "alles rustig"}
    assert names.log_text(ref, by_kind["close"], "nl") == "Gesloten: Afgehandeld. alles rustig"
    status_lines = [names.log_text(ref, e, "nl") for e in log if e.kind == "status"]
    assert status_lines[1].endswith(": Ter plaatse (klaar)")
    assert status_lines[2].endswith(": Vrij (mobiel), vrijgegeven")
    questions = by_kind["questions"]
    assert names.log_text(ref, questions, "nl") == (
        "Vragen: Zijn er nog mensen in de woning? Ja; Is er iemand gewond? Onbekend; "
        "Dreigt de brand over te slaan naar andere gebouwen of de mondi? "
        "de buren zeggen van wel")
    assert names.log_text(ref, questions, "en").startswith(
        "Questions: Are there still people inside? Yes; Is anyone injured? Unknown")
    i18n.set_language("nl")
    assert names.log_text(ref, by_kind["dispatch"]).endswith(" gealarmeerd")


def test_notes_and_lines_written_before_templates_stay_as_written(ref: Reference) -> None:
    at = datetime.now(UTC)
    old = LogView(at, "tester", "status", "P-101: Ter plaatse")
    note = LogView(at, "tester", "note", "{not a template}")
    assert names.log_text(ref, old, "en") == "P-101: Ter plaatse"
    assert names.log_text(ref, note, "nl") == "{not a template}"


def test_fields_survive_json_and_nest(ref: Reference) -> None:
    error = Refused("the unit already has status {status}", status=ref.statuses["on_scene"])
    fields = {"problem": names.encode(error), "many": names.encode(
        i18n.Names(ref.capabilities[c] for c in ("patrol_car", "boat")))}
    again = json.loads(json.dumps(fields))
    text = names.render("{problem} / {many}", again, ref, "nl")
    assert text == "de eenheid heeft al status Ter plaatse / Surveillancewagen, Vaartuig"


def test_codes_have_names_in_every_language(ref: Reference) -> None:
    capabilities = {c for d in ref.disciplines.values() for c in d.capabilities}
    needs = {n for cls in ref.classifications.values() for n in cls.needs}
    assert capabilities | needs <= set(ref.capabilities)
    answers = {a for cls in ref.classifications.values() for q in cls.questions
               for a in q.answers}
    assert answers <= set(ref.answers)
    for lang in ("nl", "en"):
        i18n.set_language(lang)
        assert names.status(ref, "en_route") != "en_route"
        assert names.disposition(ref, "HANDLED") != "HANDLED"
        assert names.capability(ref, "patrol_car") != "patrol_car"
        assert names.state("closed") != "closed"
        assert names.location("outside") != "outside"
    assert names.status(ref, "cleared") == "Cleared"
