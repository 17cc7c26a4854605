"""CAP 1.2 writing and safe reading: schema-valid output, clear errors for bad input."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from meldkamer.errors import InvalidInput
from meldkamer.exchange.cap import (
    MAX_BYTES,
    NS,
    Alert,
    Area,
    Info,
    cap_time,
    load_catalogue,
    parse,
    read_file,
    to_xml,
)

XSD = Path(__file__).resolve().parents[4] / "shared" / "specs" / "CAP-v1.2.xsd"
if not XSD.is_file():
    XSD = Path("/work/shared/specs/CAP-v1.2.xsd")


def schema() -> etree.XMLSchema:
    if not XSD.is_file():
        pytest.skip("the official CAP 1.2 schema is not on this machine")
    return etree.XMLSchema(etree.parse(str(XSD)))


def sample(**changes: object) -> Alert:
    info = Info(language="nl-BQ", categories=("Met",), event="Orkaan", urgency="Expected",
                severity="Extreme", certainty="Likely", headline="Orkaan nadert",
                expires=datetime(2026, 9, 2, 22, 0, tzinfo=UTC),
                areas=(Area("Bonaire", ("12.0,-68.4 12.3,-68.4 12.3,-68.2 12.0,-68.4",),
                            geocodes=(("ISO3166-2", "BQ-BO"),)),))
    fields: dict[str, object] = {
        "identifier": "KPCN-1", "sender": "meldkamer@politiecn.com",
        "sent": datetime(2026, 9, 1, 18, 0, tzinfo=UTC), "status": "Actual",
        "msg_type": "Alert", "scope": "Public", "infos": (info,)}
    fields.update(changes)
    return Alert(**fields)  # type: ignore[arg-type]


def test_written_alert_validates_and_reads_back_the_same() -> None:
    alert = sample()
    xml = to_xml(alert)
    assert schema().validate(etree.fromstring(xml))
    assert b"<sent>2026-09-01T14:00:00-04:00</sent>" in xml
    assert parse(xml) == alert


def test_cap_time_uses_the_islands_offset() -> None:
    assert cap_time(datetime(2026, 12, 31, 23, 30, 5, 999, tzinfo=UTC)) == \
        "2026-12-31T19:30:05-04:00"


def test_shipped_catalogue_has_the_events_the_islands_need() -> None:
    cat = load_catalogue(Path("/nonexistent"))
    assert {"hurricane", "road_closure", "missing_person"} <= set(cat.events)
    assert all(e.names["nl"] and e.names["en"] for e in cat.events.values())


def test_site_catalogue_overrides_and_bad_one_is_a_clear_error(tmp_path: Path) -> None:
    from meldkamer.errors import ReferenceDataError

    (tmp_path / "cap.toml").write_text('sender = "a b"\n[[event]]\ncode = "x"\n')
    with pytest.raises(ReferenceDataError, match=r"cap\.toml"):
        load_catalogue(tmp_path)
    event = ('sender = "kpcn@example.org"\n[[event]]\ncode = "x"\ncategory = "Safety"\n'
             'urgency = "Expected"\nseverity = "{severity}"\ncertainty = "Likely"\n'
             'name = {{ {names} }}\n')
    (tmp_path / "cap.toml").write_text(event.format(severity="Apocalyptic", names='nl = "X"'))
    with pytest.raises(ReferenceDataError,
                       match=r"event x: severity Apocalyptic is not one of Extreme, Severe"):
        load_catalogue(tmp_path)
    (tmp_path / "cap.toml").write_text(event.format(severity="Severe", names='en = "X"'))
    with pytest.raises(ReferenceDataError, match="event x has no Dutch name"):
        load_catalogue(tmp_path)


def _bad(data: bytes, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        parse(data, source="test.xml")


def test_not_xml_is_named() -> None:
    _bad(b"this is not xml", "not well-formed XML")
    _bad(b"", "empty")
    _bad(b"\xff\xfe\x00garbage", "not well-formed")


def test_wrong_namespace_is_named() -> None:
    xml = to_xml(sample()).replace(NS.encode(), b"urn:oasis:names:tc:emergency:cap:1.1")
    _bad(xml, "root element .*cap:1.1.*expected <alert>")


def test_missing_identifier_names_the_element() -> None:
    xml = to_xml(sample()).replace(b"<identifier>KPCN-1</identifier>", b"")
    _bad(xml, "required element <identifier> is missing")


def test_bad_enumeration_names_the_element_and_the_choices() -> None:
    xml = to_xml(sample()).replace(b"<severity>Extreme</severity>",
                                   b"<severity>Apocalyptic</severity>")
    _bad(xml, "<severity> 'Apocalyptic' is not one of Extreme, Severe")
    xml = to_xml(sample()).replace(b"<status>Actual</status>", b"<status>Real</status>")
    _bad(xml, "<status>")


def test_bad_time_and_missing_references() -> None:
    _bad(to_xml(sample()).replace(b"2026-09-01T14:00:00-04:00", b"yesterday"), "<sent>")
    _bad(to_xml(sample(msg_type="Cancel")), "references")


def test_entity_bomb_is_refused_without_expanding() -> None:
    lol = (b'<?xml version="1.0"?>\n<!DOCTYPE alert [\n<!ENTITY a "lol">\n'
           + b"".join(b'<!ENTITY %s "%s">\n' % (bytes([98 + i]), (b"&" + bytes([97 + i])
                                                                  + b";") * 10)
                      for i in range(9))
           + b"]>\n<alert xmlns=\"" + NS.encode() + b"\"><identifier>&j;</identifier></alert>")
    _bad(lol, "DTD")


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    xxe = (b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "'
           + secret.as_uri().encode() + b'">]><alert xmlns="' + NS.encode()
           + b'"><identifier>&x;</identifier></alert>')
    with pytest.raises(InvalidInput) as caught:
        parse(xxe)
    assert "SECRET" not in str(caught.value)


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"<alert>" + b" " * (MAX_BYTES + 10) + b"</alert>")
    with pytest.raises(InvalidInput, match="larger than"):
        read_file(big)
    with pytest.raises(InvalidInput, match="cannot read"):
        read_file(tmp_path / "missing.xml")


def test_random_bytes_and_truncations_give_clear_errors_never_a_crash() -> None:
    rng = random.Random(12)
    good = to_xml(sample())
    inputs = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
              for _ in range(200)]
    inputs += [good[:n] for n in range(0, len(good), 7)]
    for data in inputs:
        try:
            parse(data)
        except InvalidInput as exc:
            assert str(exc)
    # Flipping bytes of a good alert: either still a valid alert or a clear error.
    for _ in range(300):
        data = bytearray(good)
        for _ in range(3):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            assert parse(bytes(data)).identifier is not None
        except InvalidInput as exc:
            assert str(exc)


def test_expired_property_is_the_latest_info() -> None:
    alert = sample()
    assert alert.expires == datetime(2026, 9, 2, 22, 0, tzinfo=UTC)
    assert alert.info("en") is alert.infos[0]  # falls back to the first block
    assert sample(infos=()).expires is None
    assert alert.sent + timedelta(hours=1) < alert.expires
