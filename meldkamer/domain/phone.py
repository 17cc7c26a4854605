"""Caller numbers: parsed and normalised with Google's ``phonenumbers``, region BQ.

A number typed without a country code is one of ours: "717 1234" (Bonaire), "318 1234"
(Statia), "416 1234" (Saba) become +599 717 1234 and so on; a foreign number keeps its
country code ("+1 305 ...", "0031 6 ..."). A three-digit service or short number the
network presents (911, 112, 913) is kept as typed.

Stored form (``Call.caller_number``, no extra column): E.164 ("+5997171234"), a short
number ("911"), or a state word when there is no number: ``withheld`` (the caller's
number is hidden) or ``unknown`` (none recorded, or the caller cannot say it). Rows
written before this module read "anonymous" (withheld) or the number as it was typed.

A number is accepted when its length fits its country's numbering plan
(``is_possible_number``), not only when the library lists its range as in use: the
library's tables lag behind new ranges, and a caller's real number must never be
refused for that. Local numbers must have the 7 digits every BQ number has.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from meldkamer.errors import InvalidInput
from meldkamer.i18n import LANGUAGES, N_, Text, tr

if TYPE_CHECKING:
    import phonenumbers

REGION = "BQ"
KNOWN, WITHHELD, UNKNOWN = "known", "withheld", "unknown"
STATES = (KNOWN, WITHHELD, UNKNOWN)
STATE_NAMES = {WITHHELD: N_("withheld"), UNKNOWN: N_("unknown")}
"""What the number field shows for a call without a number (and accepts back)."""
IN_LOG = {WITHHELD: N_("a withheld number"), UNKNOWN: N_("an unknown number")}
"""The caller in a log line ("Call from a withheld number")."""
# Words an operator types for "no number", in the languages of the control room.
_WORDS = {
    WITHHELD: ("withheld", "anonymous", "anon", "anoniem", "afgeschermd", "geheim",
               "private", "prive", "privenummer", "nummerweergaveuit", "anonimo", "skondi"),
    UNKNOWN: ("unknown", "onbekend", "desconoci", "deskonosi", "desconocido", "none",
              "geen", "geennummer", "nonumber", "ninguno"),
}
_LEGACY = {"anonymous": WITHHELD, "": UNKNOWN}
_CHARACTERS = re.compile(r"^\+?\(?[0-9][0-9 ()\-./]*$")
MAX_LENGTH = 40


@dataclass(frozen=True)
class CallerNumber:
    """A caller's number, or why there is none."""

    number: str
    """E.164 ("+5997171234"), a short number ("911"), or "" when there is none."""
    state: str = KNOWN
    """``known``, ``withheld`` or ``unknown``."""

    @property
    def known(self) -> bool:
        return self.state == KNOWN

    @property
    def short(self) -> bool:
        """A service or short number as the network presents it ("911"), not E.164."""
        return self.known and not self.number.startswith("+")

    @property
    def stored(self) -> str:
        """As ``Call.caller_number`` holds it."""
        return self.number if self.known else self.state

    def shown(self, lang: str | None = None) -> str:
        """As people read it: "+599 717 1234", or the state in their language."""
        return format_number(self.number) if self.known else tr(STATE_NAMES[self.state],
                                                                 lang=lang)

    def in_log(self) -> Any:
        """The caller as a log line field (a state is named in each reader's language)."""
        return format_number(self.number) if self.known else Text(IN_LOG[self.state])

    def lookup_keys(self) -> tuple[str, ...]:
        """Every stored form this number may have: E.164 and, for rows written before
        normalisation, the international form they were typed in. Empty without one, and
        for a short number (112, 911): the network presents it for many different callers
        (a call passed on by another centre), so it never names one caller."""
        if not self.known or self.short:
            return ()
        shown = format_number(self.number)
        return (self.number,) if shown == self.number else (self.number, shown)


NONE = CallerNumber("", UNKNOWN)


def _lib() -> Any:
    import phonenumbers  # about 15 ms: only when a number is parsed

    return phonenumbers


def prepare() -> None:
    """Load the library and the BQ tables now (on a worker), not at the first keystroke."""
    parse("717 1234").shown()


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def _state_of(text: str) -> str | None:
    folded = _fold(text)
    if not folded:
        return None
    for state, words in _WORDS.items():
        if folded in words:
            return state
        if any(_fold(tr(STATE_NAMES[state], lang=lang)) == folded for lang in LANGUAGES):
            return state
    return None


def _fail(template: str, what: str, text: str, **fields: Any) -> InvalidInput:
    return InvalidInput(template, what=Text(what), text=text, **fields)


def parse(value: str | None, what: str = N_("caller number")) -> CallerNumber:
    """A number as the operator typed or the network presented it; InvalidInput for
    anything that is not a number, a three-digit short number or a word for none."""
    raw = "" if value is None else str(value)
    text = " ".join("".join(ch for ch in raw if unicodedata.category(ch)[0] != "C"
                            or ch.isspace()).split())
    if not text:
        return NONE
    if len(text) > MAX_LENGTH:
        raise InvalidInput("{what} is {length} characters long; the limit is {limit}",
                           what=Text(what), length=len(text), limit=MAX_LENGTH)
    state = _state_of(text)
    if state is not None:
        return CallerNumber("", state)
    if not _CHARACTERS.match(text):
        raise _fail("{what} “{text}” is not a telephone number: type its digits (717 1234, "
                    "+1 305 …), or “unknown” or “withheld”", what, text)
    pn = _lib()
    try:
        number = pn.parse(text, REGION, keep_raw_input=True)
    except pn.NumberParseException as exc:
        if exc.error_type == pn.NumberParseException.INVALID_COUNTRY_CODE:
            raise _fail("{what} “{text}” starts with a country code that does not exist: "
                        "check the digits after + or 00", what, text) from exc
        raise _fail("{what} “{text}” is not a telephone number: type its digits (717 1234, "
                    "+1 305 …), or “unknown” or “withheld”", what, text) from exc
    local = number.country_code_source == pn.CountryCodeSource.FROM_DEFAULT_COUNTRY
    if local:
        from phonenumbers import shortnumberinfo

        digits = str(number.national_number)
        if (len(digits) == len(re.sub(r"\D", "", text))  # no leading zero dropped
                and shortnumberinfo.is_possible_short_number_for_region(number, REGION)):
            return CallerNumber(digits)
        lengths = _local_lengths(pn)
        if len(digits) not in lengths:
            raise _fail("{what} “{text}” has {count} digits; a number on Bonaire, Statia or "
                        "Saba has {expected} (717 1234), a foreign one starts with + or 00",
                        what, text, count=len(digits),
                        expected=" / ".join(map(str, sorted(lengths))))
    if not pn.is_possible_number(number):
        raise _fail("{what} “{text}” is not a possible number with country code +{code}: "
                    "check the digits", what, text, code=number.country_code)
    return CallerNumber(pn.format_number(number, pn.PhoneNumberFormat.E164))


def _local_lengths(pn: Any) -> tuple[int, ...]:
    meta = pn.PhoneMetadata.metadata_for_region(REGION)
    return tuple(meta.general_desc.possible_length) if meta is not None else (7,)


def stored(value: str | None) -> CallerNumber:
    """A number as the store holds it (also rows written before normalisation)."""
    text = (value or "").strip()
    if text in STATES[1:]:
        return CallerNumber("", text)
    legacy = _LEGACY.get(text.lower())
    if legacy is not None:
        return CallerNumber("", legacy)
    return CallerNumber(text)


def format_number(number: str) -> str:
    """E.164 as people read it ("+599 717 1234"); anything else as it is."""
    if not number.startswith("+"):
        return number
    pn = _lib()
    try:
        parsed: phonenumbers.PhoneNumber = pn.parse(number, None)
    except pn.NumberParseException:
        return number
    shown = str(pn.format_number(parsed, pn.PhoneNumberFormat.INTERNATIONAL))
    national = str(parsed.national_number)
    if parsed.country_code == 599 and len(national) == 7 and shown.endswith(f" {national}"):
        # A Caribbean Netherlands number outside the known ranges (a new range, or the
        # scenarios' fictional 555): grouped as the islands write numbers, 3 + 4.
        shown = f"+599 {national[:3]} {national[3:]}"
    return shown


def shown(value: str | None, lang: str | None = None) -> str:
    """A stored number as people read it."""
    return stored(value).shown(lang)
