"""Public warnings kept in the audit trail: export per event and island, import, expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.errors import Conflict, InvalidInput, NotFound, Refused
from meldkamer.exchange.alerts import PublicWarnings
from meldkamer.exchange.cap import load_catalogue, parse, to_xml
from tests.fixtures import open_core
from tests.meldkamer.exchange.test_cap import schema

NOW = datetime(2026, 9, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def core(db_url: str, ref: Reference) -> Iterator[Meldkamer]:
    mk = open_core(db_url, ref, "centralist")
    mk.clock = lambda: NOW
    yield mk
    mk.close()


@pytest.fixture
def training(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    mk = open_core(sqlite_url, ref, "trainer")
    mk.store.mark_training()
    mk.training = True
    mk.clock = lambda: NOW
    yield mk
    mk.close()


@pytest.mark.parametrize("event", sorted(load_catalogue(Path("/nonexistent")).events))
@pytest.mark.parametrize("island", ["BO", "SE", "SA"])
def test_every_event_for_every_island_validates(sqlite_url: str, ref: Reference, event: str,
                                                 island: str) -> None:
    mk = open_core(sqlite_url, ref)
    mk.clock = lambda: NOW
    try:
        alert = PublicWarnings(mk).compose(headline="Let op", areas=[island], event=event,
                                           expires=NOW + timedelta(hours=6))
    finally:
        mk.close()
    xml = to_xml(alert)
    assert schema().validate(etree.fromstring(xml)), schema().error_log
    assert alert.status == "Actual" and alert.scope == "Public"
    assert [i.language for i in alert.infos] == ["nl-BQ", "en-BQ"]
    assert alert.infos[0].areas[0].geocodes == (("ISO3166-2", f"BQ-{island}"),)
    assert alert.infos[1].headline.startswith(
        load_catalogue(Path("/nonexistent")).events[event].names["en"])


def test_export_is_stored_audited_and_listed_as_active(core: Meldkamer, tmp_path: Path) -> None:
    warnings = PublicWarnings(core)
    alert = warnings.compose(headline="Kaya Grandi afgesloten", areas=["bo"],
                             event="road_closure", description="Verkeersongeval",
                             expires=NOW + timedelta(hours=2),
                             texts={"en": {"headline": "Kaya Grandi closed"},
                                    "pap": {"headline": "Kaya Grandi sera"}})
    out = tmp_path / "x.xml"
    kept = warnings.export(alert, out)
    assert parse(out.read_bytes()) == alert
    assert [i.language for i in alert.infos] == ["nl-BQ", "en-BQ", "pap-BQ"]
    assert alert.info("en").headline == "Kaya Grandi closed"  # type: ignore[union-attr]
    assert [k.alert for k in warnings.active()] == [alert]
    assert kept.direction == "out"
    assert core.verify_audit().ok
    assert warnings.active(NOW + timedelta(hours=3)) == []  # expired
    assert [k.alert for k in warnings.stored()] == [alert]


def test_training_sends_exercise_never_actual(training: Meldkamer) -> None:
    warnings = PublicWarnings(training)
    alert = warnings.compose(headline="Oefening", areas=["SE"], event="hurricane")
    assert alert.status == "Exercise"
    assert schema().validate(etree.fromstring(to_xml(alert)))
    assert warnings.compose(headline="t", areas=["SE"], status="Test").status == "Test"
    with pytest.raises(Refused):
        warnings.compose(headline="t", areas=["SE"], status="Actual")


def test_round_trip_export_then_import_elsewhere(core: Meldkamer, ref: Reference,
                                                 tmp_path: Path) -> None:
    sent = PublicWarnings(core).compose(headline="Vermiste duiker", areas=["SA"],
                                        event="missing_person")
    out = tmp_path / "a.xml"
    PublicWarnings(core).export(sent, out)
    other = open_core(str(tmp_path / "other.sqlite3"), ref)  # another control room
    try:
        other.clock = lambda: NOW
        receiving = PublicWarnings(other)
        got = receiving.import_file(out)
        assert got.alert == sent and got.direction == "in"
        assert [k.alert for k in receiving.active()] == [sent]
        with pytest.raises(Conflict):
            receiving.import_file(out)
        assert len(receiving.stored()) == 1
    finally:
        other.close()


def test_update_and_cancel_reference_the_earlier_alert(core: Meldkamer) -> None:
    warnings = PublicWarnings(core)
    first = warnings.export(warnings.compose(headline="Storm", areas=["BO"],
                                             event="tropical_storm")).alert
    update = warnings.compose(headline="Storm wordt orkaan", areas=["BO"], event="hurricane",
                              update=first.identifier)
    assert update.msg_type == "Update" and update.references == (first.reference_key,)
    warnings.export(update)
    assert [k.alert.identifier for k in warnings.active()] == [update.identifier]
    cancel = warnings.compose(headline="", areas=["BO"], event="hurricane",
                              cancel=update.identifier)
    assert cancel.msg_type == "Cancel" and cancel.infos[0].headline.startswith("Ingetrokken")
    assert schema().validate(etree.fromstring(to_xml(cancel)))
    warnings.export(cancel)
    assert warnings.active() == []
    with pytest.raises(NotFound):
        warnings.compose(headline="x", areas=["BO"], update="KPCN-nope")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"areas": ["CUR"]}, "unknown island"),
    ({"areas": []}, "at least one island"),
    ({"event": "zombies"}, "unknown event type"),
    ({"severity": "Huge"}, "severity"),
    ({"headline": "  "}, "headline"),
    ({"expires": NOW - timedelta(minutes=1)}, "expire before"),
])
def test_bad_choices_are_refused(core: Meldkamer, kwargs: dict[str, object],
                                 match: str) -> None:
    args: dict[str, object] = {"headline": "Let op", "areas": ["BO"], **kwargs}
    with pytest.raises(InvalidInput, match=match):
        PublicWarnings(core).compose(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("content", [
    b"not xml at all",
    b'<alert xmlns="urn:example"/>',
    b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY x 'y'>]><alert/>",
    b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><sender>x</sender></alert>",
])
def test_malformed_import_stores_nothing(core: Meldkamer, tmp_path: Path,
                                         content: bytes) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(content)
    with pytest.raises(InvalidInput):
        PublicWarnings(core).import_file(bad)
    assert PublicWarnings(core).stored() == []
    assert core.verify_audit().events == 0
