"""Every message the code shows has a Dutch translation with the same fields."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from meldkamer import i18n
from meldkamer.errors import Refused

ROOT = Path(__file__).resolve().parents[2]
ERRORS = {"MeldkamerError", "InvalidInput", "NotFound", "Refused", "Conflict", "StoreError",
          "ReferenceDataError"}
# Messages only a developer or technician sees (broken reference data, set-up problems).
TECHNICAL = ("toml", "in-memory", "roster file", "gui' frontend")


def templates() -> set[str]:
    found = set()
    for folder in ("meldkamer", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                f = node.func
                name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
                first = node.args[0]
                if name in ({"tr"} | ERRORS) and isinstance(first, ast.Constant) and isinstance(
                        first.value, str):
                    found.add(first.value)
    return found


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_a_dutch_translation() -> None:
    nl = i18n.catalogue("nl")
    wanted = {t for t in templates() if not any(w in t for w in TECHNICAL)}
    assert len(wanted) > 80
    missing = sorted(t for t in wanted if t not in nl)
    assert missing == []
    for template in wanted:
        assert fields(nl[template]) == fields(template), template


def test_errors_are_translated_when_shown() -> None:
    error = Refused("{number} still has units assigned: {units}; clear them first",
                    number="BON-2026-000001", units="P-101 (on_scene)")
    try:
        i18n.set_language("nl")
        assert str(error).startswith("BON-2026-000001 heeft nog eenheden")
        i18n.set_language("pap")
        assert i18n.tr("Active incidents") == "Insidentenan aktivo"
        assert i18n.tr("Note added") == "Notitie toegevoegd"  # falls back to Dutch
        i18n.set_language("en")
        assert str(error).startswith("BON-2026-000001 still has units assigned")
    finally:
        i18n.set_language("en")
    with pytest.raises(ValueError):
        i18n.set_language("fr")
