"""One translation mechanism for every layer: core messages, CLI and the workstation.

Source strings are English templates with ``{named}`` fields. They are extracted with
Babel (``make translations``: ``pybabel extract -k tr -k N_ ...``) into
``meldkamer/locale/meldkamer.pot``; the Dutch and Papiamentu catalogues are
``meldkamer/locale/<lang>/LC_MESSAGES/meldkamer.po``, compiled to ``.mo`` files that are
committed and shipped as package data, so nothing is built or fetched at run time.
Lookups go through the standard library's :mod:`gettext`. A missing Papiamentu entry
(or one still marked fuzzy, which is not compiled in) falls back to Dutch, then to the
English template, never to an error.

Field values may be reference objects (a status, a disposition, ...): they format as
their name in the language current when the message is shown, so an error raised in
the core reads correctly wherever and whenever it is displayed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gettext

LANGUAGES = {"nl": "Nederlands", "en": "English", "pap": "Papiamentu"}
DEFAULT = "nl"
DOMAIN = "meldkamer"
FALLBACK = {"pap": "nl"}  # Papiamentu speakers read Dutch; Qt has no Papiamentu either
_current = "en"  # the CLI speaks English unless told; the workstation sets its own


def N_(template: str) -> str:
    """Mark a string for extraction where it is defined; translate it with tr() when shown."""
    return template


def set_language(lang: str) -> None:
    """Switch the language for everything translated from now on."""
    global _current
    if lang not in LANGUAGES:
        raise ValueError("unknown language {lang!r}; use one of {codes}".format(
            lang=lang, codes=", ".join(LANGUAGES)))
    _current = lang


def language() -> str:
    """The current language code."""
    return _current


def from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The language named by LANGUAGE, LC_ALL, LC_MESSAGES or LANG, if we have it."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if not value:
            continue
        for part in value.split(":"):
            code = part.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in LANGUAGES:
                return code
            if code in ("c", "posix"):
                return "en"
        return None  # the first variable set decides, as in gettext
    return None


def locale_dir() -> Any:
    """The folder holding ``<lang>/LC_MESSAGES/meldkamer.mo`` (package data)."""
    from importlib import resources  # only when a catalogue is read: the CLI starts fast

    return resources.files("meldkamer") / "locale"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext catalogue for ``lang``, with its fallback chain; English is the source."""
    import gettext

    if lang == "en":
        return gettext.NullTranslations()
    mo = locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with mo.open("rb") as fp:
            found: gettext.NullTranslations = gettext.GNUTranslations(fp)
    except (FileNotFoundError, OSError):
        found = gettext.NullTranslations()
    if lang in FALLBACK:
        found.add_fallback(translations(FALLBACK[lang]))
    return found


def catalogue(lang: str) -> dict[str, str]:
    """The compiled translations of ``lang`` alone (no fallback), by English template."""
    cat = getattr(translations(lang), "_catalog", {})
    return {str(k): str(v) for k, v in cat.items() if isinstance(k, str) and k}


def tr(template: str, /, lang: str | None = None, **fields: Any) -> str:
    """Translate an English template and fill in its fields."""
    lang = lang or _current
    text = translations(lang).gettext(template) if template and lang != "en" else template
    if not fields:
        return text
    try:
        return text.format(**fields)
    except (KeyError, IndexError, ValueError, AttributeError):
        return template.format(**fields)


class Names:
    """A list of values (codes turned into reference objects) that formats as their names.

    Used as a message field, it is joined in the language current when shown:
    ``Names(ref.statuses[c] for c in codes)`` reads "Aanrijdend, Ter plaatse" in Dutch.
    """

    def __init__(self, items: Iterable[Any], sep: str = ", ", empty: str = "-") -> None:
        self.items = tuple(items)
        self.sep, self.empty = sep, empty

    def __str__(self) -> str:
        return self.sep.join(str(i) for i in self.items) if self.items else self.empty

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Names({list(self.items)!r})"


class Text:
    """A message (template and fields) that is translated only when it is shown."""

    def __init__(self, template: str, /, **fields: Any) -> None:
        self.template, self.fields = template, fields

    def __str__(self) -> str:
        return tr(self.template, **self.fields)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Text({self.template!r})"
