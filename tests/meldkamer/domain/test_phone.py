"""Caller numbers as operators type them: normalised with phonenumbers, region BQ."""

from __future__ import annotations

import pytest

from meldkamer import i18n
from meldkamer.domain import phone
from meldkamer.errors import InvalidInput


@pytest.mark.parametrize(("typed", "e164", "shown"), [
    ("717 1234", "+5997171234", "+599 717 1234"),  # Bonaire, fixed line
    ("7171234", "+5997171234", "+599 717 1234"),
    ("717-1234", "+5997171234", "+599 717 1234"),
    ("(717) 1234", "+5997171234", "+599 717 1234"),
    ("780 1234", "+5997801234", "+599 780 1234"),  # Bonaire, mobile
    ("318 2333", "+5993182333", "+599 318 2333"),  # Sint Eustatius
    ("416 3288", "+5994163288", "+599 416 3288"),  # Saba
    ("+599 717 1234", "+5997171234", "+599 717 1234"),
    ("00599 717 1234", "+5997171234", "+599 717 1234"),
    ("599 717 1234", "+5997171234", "+599 717 1234"),
    ("555 2201", "+5995552201", "+599 555 2201"),  # outside the known ranges: still 3 + 4
])
def test_numbers_of_the_three_islands(typed: str, e164: str, shown: str) -> None:
    number = phone.parse(typed)
    assert (number.number, number.state, number.known) == (e164, phone.KNOWN, True)
    assert number.stored == e164 and number.shown() == shown
    assert phone.format_number(e164) == shown


@pytest.mark.parametrize(("typed", "e164", "shown"), [
    ("+1 305 372 0000", "+13053720000", "+1 305-372-0000"),  # Miami
    ("001 305 372 0000", "+13053720000", "+1 305-372-0000"),
    ("0031 6 12345678", "+31612345678", "+31 6 12345678"),  # a Dutch mobile
    ("+31 6 1234 5678", "+31612345678", "+31 6 12345678"),
    ("+599 9 461 2345", "+59994612345", "+599 9 461 2345"),  # Curaçao shares +599
    ("+44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),
])
def test_foreign_numbers_keep_their_country_code(typed: str, e164: str, shown: str) -> None:
    number = phone.parse(typed)
    assert (number.number, number.shown()) == (e164, shown)


def test_short_numbers_stay_as_the_network_presents_them() -> None:
    for short in ("911", "112", "913"):
        assert phone.parse(short) == phone.CallerNumber(short)
        assert phone.parse(short).lookup_keys() == ()  # many callers, not one


@pytest.mark.parametrize(("typed", "state"), [
    ("", phone.UNKNOWN), ("   ", phone.UNKNOWN), (None, phone.UNKNOWN),
    ("onbekend", phone.UNKNOWN), ("Unknown", phone.UNKNOWN), ("deskonosí", phone.UNKNOWN),
    ("anoniem", phone.WITHHELD), ("Anoniem", phone.WITHHELD), ("withheld", phone.WITHHELD),
    ("anonymous", phone.WITHHELD), ("afgeschermd", phone.WITHHELD),
])
def test_withheld_and_unknown_are_states_not_numbers(typed: str | None, state: str) -> None:
    number = phone.parse(typed)
    assert (number.number, number.state, number.known) == ("", state, False)
    assert number.stored == state and number.lookup_keys() == ()


def test_a_state_reads_in_the_operators_language_and_reads_back() -> None:
    i18n.set_language("nl")
    shown = phone.parse("withheld").shown()
    assert shown == "anoniem"
    assert phone.parse(shown).state == phone.WITHHELD
    assert phone.parse("").shown() == "onbekend"
    assert phone.parse("onbekend").shown("en") == "unknown"


@pytest.mark.parametrize(("typed", "dutch"), [
    ("call me maybe", "nummer van de melder „call me maybe” is geen telefoonnummer: typ de "
                      "cijfers (717 1234, +1 305 …), of „onbekend” of „anoniem”"),
    ("717 12a4", "nummer van de melder „717 12a4” is geen telefoonnummer"),
    ("12", "nummer van de melder „12” heeft 2 cijfers; een nummer op Bonaire, Statia of Saba "
           "heeft er 7 (717 1234), een buitenlands nummer begint met + of 00"),
    ("717 12345", "nummer van de melder „717 12345” heeft 8 cijfers"),
    ("4455", "heeft 4 cijfers"),
    ("+999 717 1234", "nummer van de melder „+999 717 1234” begint met een landcode die niet "
                      "bestaat: controleer de cijfers na + of 00"),
    ("+1 305", "is geen"),
    ("7" * 41, "nummer van de melder is 41 tekens lang; het maximum is 40"),
])
def test_garbage_is_refused_in_plain_dutch(typed: str, dutch: str) -> None:
    i18n.set_language("nl")
    with pytest.raises(InvalidInput) as caught:
        phone.parse(typed)
    message = str(caught.value)
    assert dutch in message
    for english in ("caller", "number is", "digits", "country code", "not a", "check"):
        assert english not in message


def test_stored_numbers_read_back_also_from_before_normalisation() -> None:
    assert phone.stored("+5997171234") == phone.CallerNumber("+5997171234")
    assert phone.stored("withheld") == phone.CallerNumber("", phone.WITHHELD)
    assert phone.stored("anonymous") == phone.CallerNumber("", phone.WITHHELD)  # old rows
    assert phone.stored("") == phone.CallerNumber("", phone.UNKNOWN)
    assert phone.shown("+5993182333") == "+599 318 2333"
    assert phone.shown("7171234") == "7171234"  # an old row typed locally: as it was
    # Rows typed in international form before normalisation are still found.
    assert phone.parse("717 1234").lookup_keys() == ("+5997171234", "+599 717 1234")
