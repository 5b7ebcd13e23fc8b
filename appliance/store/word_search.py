"""Finding rows by the words a person typed: every word somewhere in the row's ``search`` column
(its text folded: lower case, no accents), the rows that start with the first word first.

The customers (invoices) and the catalogue (a product named at the counter) are searched so;
``search`` is kept beside each row when it is written, so a search is one pass of LIKE over text
already folded (docs/benchmarks.md, bench/customer_search.py: 7-12 ms over 50,000 names).
"""

from __future__ import annotations

#: The ORDER BY term that puts first the rows whose text starts with the first word (its parameter:
#: :func:`starting_with`).
STARTS_FIRST = "search NOT LIKE ? ESCAPE '\\'"


def every_word(words: list[str]) -> tuple[str, tuple[str, ...]]:
    """The WHERE clause (placeholders only) that a row's ``search`` holds each of ``words``, and its
    parameters."""
    where = " AND ".join("search LIKE ? ESCAPE '\\'" for _ in words)
    return where, tuple(f"%{like_escaped(word)}%" for word in words)


def starting_with(word: str) -> str:
    return f"{like_escaped(word)}%"


def like_escaped(word: str) -> str:
    """``word`` for a LIKE pattern with ``ESCAPE '\\'``: its own % and _ match only themselves."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
