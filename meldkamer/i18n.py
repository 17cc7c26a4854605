"""One translation mechanism for every layer: core messages, CLI and the workstation.

Source strings are English templates with ``{named}`` fields; catalogues in
``meldkamer/data/i18n/<lang>.toml`` map them to Dutch (the default) and Papiamentu.
A missing translation falls back to the English template, never to an error.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = {"nl": "Nederlands", "en": "English", "pap": "Papiamentu"}
DEFAULT = "nl"
_current = "en"  # the CLI speaks English unless told; the workstation sets its own


def set_language(lang: str) -> None:
    """Switch the language for everything translated from now on."""
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    _current = lang


def language() -> str:
    """The current language code."""
    return _current


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The translations for ``lang`` (empty for English, the source language)."""
    if lang == "en":
        return {}
    res = resources.files("meldkamer") / "data" / "i18n" / f"{lang}.toml"
    try:
        data = tomllib.loads(res.read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return {}
    return {str(k): str(v) for k, v in data.get("messages", {}).items()}


def tr(template: str, /, lang: str | None = None, **fields: Any) -> str:
    """Translate an English template and fill in its fields."""
    lang = lang or _current
    text = catalogue(lang).get(template)
    if text is None and lang == "pap":
        text = catalogue("nl").get(template)  # Papiamentu speakers read Dutch
    text = text if text is not None else template
    if not fields:
        return text
    try:
        return text.format(**fields)
    except (KeyError, IndexError, ValueError):
        return template.format(**fields)
