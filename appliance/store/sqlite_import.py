"""sqlite-utils, imported with its one costly regular expression compiled when first used.

``sqlite_utils.db`` compiles, as it is imported, a pattern that recognises ``CREATE VIRTUAL TABLE``
statements: case-insensitive over every character up to U+FFFF, which makes Python's regular
expression compiler fold the case of the whole range, 10-17 ms of every command's start (the
counter's included; docs/benchmarks.md). Only the full-text search helpers use it, and the till
never does. :func:`import_sqlite_utils` imports the library with that one pattern (any
case-insensitive pattern over the whole range) standing in as a :class:`LazyPattern`, compiled at
its first use, with the same result. Every other pattern compiles as before; once the library is
imported this does nothing.

The product imports sqlite-utils in one place, through this: the migrations (schema.py), when one
is to run or a schema is replayed. Opening a store at this version's level does not import it.
"""

from __future__ import annotations

import re
import sys
import threading
from typing import Any

#: What marks the costly pattern: a character class up to U+FFFF, matched regardless of case.
WHOLE_RANGE = "\\uffff"

_lock = threading.Lock()


class LazyPattern:
    """A compiled pattern that compiles on first use: every attribute is the compiled pattern's."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(*self._source)
        return getattr(self._compiled, name)


def import_sqlite_utils() -> None:
    """Import sqlite-utils (once; later calls do nothing) with its costly pattern made lazy."""
    if "sqlite_utils.db" in sys.modules:
        return
    with _lock:
        original = re.compile

        def compile_lazily(pattern: Any, flags: int = 0) -> Any:
            if isinstance(pattern, str) and flags & re.IGNORECASE and WHOLE_RANGE in pattern:
                return LazyPattern(pattern, flags)
            return original(pattern, flags)

        re.compile = compile_lazily  # type: ignore[assignment]
        try:
            import sqlite_utils.db  # noqa: F401
        finally:
            re.compile = original
