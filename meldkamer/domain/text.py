"""Text folding shared by the type-ahead and the full-text search (stdlib only, so cheap).

The core's one fold. The maps library has its own (maps/ is standalone and the domain
imports nothing from it); it also turns punctuation into spaces.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents: 'Curaçao' -> 'curacao' (as both search indexes store words)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
