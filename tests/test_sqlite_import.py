"""sqlite-utils imported with its costly pattern compiled on first use (appliance/store/sqlite_import.py):
the same answers, and only that pattern deferred."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from appliance.store.sqlite_import import WHOLE_RANGE, LazyPattern

ROOT = Path(__file__).resolve().parents[1]

VIRTUAL = (
    r"^\s*CREATE\s+VIRTUAL\s+TABLE\s+(?P<name>[A-Za-z_\u0080-\uffff][A-Za-z_\u0080-\uffff0-9]*)"
    r"\s+USING\s+(?P<using>\w+)"
)


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    assert WHOLE_RANGE in VIRTUAL
    lazy, compiled = LazyPattern(VIRTUAL, re.IGNORECASE), re.compile(VIRTUAL, re.IGNORECASE)
    for text in (
        "create virtual table docs using fts5(body)",
        "CREATE TABLE t (a)",
        "  Create Virtual Table été USING Fts4",
    ):
        found, expected = lazy.match(text), compiled.match(text)
        assert (found and found.groupdict()) == (expected and expected.groupdict())
    assert lazy.pattern == VIRTUAL and lazy.flags == compiled.flags


IMPORTED_FIRST = """
import re, sys
from appliance.store.sqlite_import import LazyPattern, import_sqlite_utils

import_sqlite_utils()
import sqlite_utils.db as db_module
from sqlite_utils import Database

lazy = [name for name, value in vars(db_module).items() if isinstance(value, LazyPattern)]
assert lazy == ["_virtual_table_using_re"], lazy
assert re.compile.__module__ == 're', re.compile  # put back
db = Database(memory=True, execute_plugins=False)
db.execute("CREATE VIRTUAL TABLE docs USING fts5(body)")
db["plain"].insert({"a": 1})
assert db["docs"].virtual_table_using == "FTS5", db["docs"].virtual_table_using
assert db["plain"].virtual_table_using is None
import_sqlite_utils()  # again: nothing
"""


def test_the_library_imported_through_it_still_tells_virtual_tables() -> None:
    """In a process of its own (the tests' has sqlite-utils already): only the one pattern is
    deferred, and what uses it answers as before."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED_FIRST], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
