"""Case-insensitive, literal substring search that both engines agree on.

Each app stores a key computed here beside the text it searches: Python's
``casefold`` handles every script the same way, where SQLite's ``lower`` and
``LIKE`` know only ASCII and PostgreSQL's depend on the collation. The
search side escapes LIKE's wildcards so ``%`` and ``_`` match themselves.
"""

from __future__ import annotations


def search_key(text: str) -> str:
    """The case-folded form both engines store and search, so 'ZOË' and 'zoë' meet."""
    return text.casefold()


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (escape character: backslash)."""
    key = search_key(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{key}%"
