"""Full-text search over the incident log: SQLite FTS5 or PostgreSQL text search."""

from __future__ import annotations

import re

from sqlalchemy import String, text
from sqlalchemy.orm import Session

from meldkamer.domain.text import fold
from meldkamer.domain.views import SearchHit
from meldkamer.errors import InvalidInput
from meldkamer.store.models import UTCDateTime

_WORD = re.compile(r"\w+", re.UNICODE)


def terms(query: str) -> list[str]:
    """The words of a query; operators and punctuation are not search syntax here."""
    words = _WORD.findall(fold(query))
    if not words:
        raise InvalidInput("give at least one word to search for")
    return words[:12]


def search_log(session: Session, query: str, *, limit: int = 50) -> list[SearchHit]:
    """Log lines matching every word (the last one as a prefix), newest first."""
    words = terms(query)
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
        sql = text(
            "SELECT i.number, i.island, i.state, l.at, l.kind, l.text FROM log_fts f "
            "JOIN log_entry l ON l.id = f.rowid JOIN incident i ON i.id = l.incident_id "
            "WHERE log_fts MATCH :q ORDER BY f.rowid DESC LIMIT :n"
        )
    else:
        match = " & ".join([*words[:-1], f"{words[-1]}:*"])
        sql = text(
            "SELECT i.number, i.island, i.state, l.at, l.kind, l.text FROM log_entry l "
            "JOIN incident i ON i.id = l.incident_id "
            "WHERE l.text_tsv @@ to_tsquery('simple', :q) ORDER BY l.id DESC LIMIT :n"
        )
    typed = sql.columns(
        number=String, island=String, state=String, at=UTCDateTime, kind=String, text=String
    )
    rows = session.execute(typed, {"q": match, "n": limit}).all()
    return [SearchHit(*r) for r in rows]
