"""The gettext catalogues: complete, current, compiled, and used for every message."""

from __future__ import annotations

import ast
import io
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from meldkamer import i18n
from meldkamer.errors import Refused

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "meldkamer" / "locale"
ERRORS = {"MeldkamerError", "InvalidInput", "NotFound", "Refused", "Conflict", "StoreError",
          "ReferenceDataError", "LinkProblem", "MapProblem", "AlreadyInStatus", "OutcomeUnknown",
          "NotLoggedIn"}
# The same keywords as scripts/translations.sh (name -> position of the message).
KEYWORDS = ({"tr": 0, "N_": 0, "Text": 0, "log": 2, "log_message": 2, "fail": 0, "_fail": 0}
            | dict.fromkeys(ERRORS, 0))


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    i18n.set_language("en")


def po(lang: str) -> Catalog:
    with open(LOCALE / lang / "LC_MESSAGES" / "meldkamer.po", "rb") as f:
        return read_po(f, locale=lang)


def templates() -> set[str]:
    """Every message the code hands to tr(), N_(), Text(), a log line or an error."""
    found = set()
    for folder in ("meldkamer", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                f = node.func
                name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
                pos = KEYWORDS.get(name or "")
                if pos is None or len(node.args) <= pos:
                    continue
                arg = node.args[pos]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
                    found.add(arg.value)
    return found


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_a_dutch_and_a_papiamentu_entry() -> None:
    wanted = templates()
    assert len(wanted) > 250
    for lang in ("nl", "pap"):
        cat = po(lang)
        missing = sorted(t for t in wanted if not (cat.get(t) and cat.get(t).string))
        assert missing == [], lang
        for template in wanted:
            assert fields(cat.get(template).string) == fields(template), (lang, template)


def test_the_template_is_current() -> None:
    """`make translations` was run: the .pot holds exactly the messages in the code."""
    keywords = {k: None for k in KEYWORDS}
    keywords.update({"log": (3,), "log_message": (3,)})
    extracted = set()
    for folder in ("meldkamer", "ui"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
                str(ROOT / folder), method_map=[("**.py", "python")], keywords=keywords):
            extracted.add(message if isinstance(message, str) else message[0])
    with open(LOCALE / "meldkamer.pot", "rb") as f:
        pot = {m.id for m in read_po(f) if m.id}
    assert sorted(extracted - pot) == [] and sorted(pot - extracted) == []
    for lang in ("nl", "pap"):
        assert {m.id for m in po(lang) if m.id} == pot, lang


@pytest.mark.parametrize("lang", ["nl", "pap"])
def test_the_committed_mo_matches_its_po(lang: str) -> None:
    """The shipped .mo is what compiling the .po gives (fuzzy drafts left out)."""
    buf = io.BytesIO()
    write_mo(buf, po(lang), use_fuzzy=False)
    committed = (LOCALE / lang / "LC_MESSAGES" / "meldkamer.mo").read_bytes()
    assert buf.getvalue() == committed, "run `make translations` and commit the .mo files"


def test_unverified_papiamentu_is_marked_and_falls_back_to_dutch() -> None:
    cat = po("pap")
    drafts = [m for m in cat if m.id and m.fuzzy]
    assert drafts, "the Papiamentu drafts are marked fuzzy until a native speaker checks them"
    for m in drafts:
        assert any("not verified" in c for c in m.user_comments), m.id
    draft = next(m for m in drafts if not fields(m.id))
    assert i18n.tr(draft.id, lang="pap") == i18n.tr(draft.id, lang="nl") != draft.string
    verified = next(m for m in cat if m.id and m.string and not m.fuzzy)
    assert i18n.tr(verified.id, lang="pap") == verified.string


def test_errors_are_translated_when_shown() -> None:
    error = Refused("{number} still has units assigned: {units}; clear them first",
                    number="BON-2026-000001", units="P-101")
    i18n.set_language("nl")
    assert str(error).startswith("BON-2026-000001 heeft nog eenheden")
    i18n.set_language("pap")
    assert i18n.tr("Active incidents") == "Insidentenan aktivo"
    assert i18n.tr("Note added") == "Notitie toegevoegd"  # a draft: Dutch until reviewed
    i18n.set_language("en")
    assert str(error).startswith("BON-2026-000001 still has units assigned")
    with pytest.raises(ValueError):
        i18n.set_language("fr")


def test_reference_objects_as_fields_read_as_names(ref: object) -> None:
    from meldkamer.domain.reference import Reference

    assert isinstance(ref, Reference)
    names = i18n.Names(ref.statuses[c] for c in ("en_route", "on_scene"))
    error = Refused("the unit already has status {status}", status=ref.statuses["on_scene"])
    i18n.set_language("nl")
    assert str(error) == "de eenheid heeft al status Ter plaatse"
    assert str(names) == "Aanrijdend, Ter plaatse"
    i18n.set_language("en")
    assert str(error) == "the unit already has status On scene"


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "nl_NL.UTF-8"}, "nl"),
    ({"LC_ALL": "pap_AW.UTF-8", "LANG": "nl_NL.UTF-8"}, "pap"),
    ({"LANGUAGE": "fr:nl", "LANG": "C"}, "nl"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, None),
    ({}, None),
])
def test_language_from_the_environment(environ: dict[str, str], expected: str | None) -> None:
    assert i18n.from_environment(environ) == expected
