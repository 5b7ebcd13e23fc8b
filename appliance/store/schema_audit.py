"""The schema as part of what is checked: every table, view, trigger and index of a store against
what this version's migrations make at the store's own migration level.

Why: the seal covers the journal's rows, not the SQL that reads them. Reports read the sealed
entries through views (``sale``, ``sale_line``, ``payment`` …), so a view re-created with a filter
would make X and Z reports, the export and the cash expected leave sales out while the chain still
verifies; a trigger added behind our back can change rows as they are written (mark outbox rows
done); a dropped trigger lets rows be edited. So the expected schema is what the migrations the
store records in ``_sqlite_migrations`` make, and the two ``sqlite_master`` tables are compared
object by object, SQL text with its whitespace collapsed. Opening a store refuses any difference;
``journal verify`` names each one.

Where the expected schema comes from: for this version's whole sequence of migrations (every store
once it is opened), ``expected_schema.py``, generated from the migrations and committed beside
them, as Rails keeps ``schema.rb``; replaying the 17 migrations into an in-memory database cost
13-15 ms of every start of the counter (docs/benchmarks.md). It is used only while the migrations
it names are this version's; tests/test_schema_audit.py fails when it differs from what the
migrations make and says how to write it again (``python -m appliance.store.schema_audit``).
For any other level (a store an older version made, before it is migrated) the migrations are
replayed in memory, once per process and level, as before.

Two things are left out of the comparison: SQLite's statistics tables (``sqlite_stat1``…, made by
``ANALYZE``: they steer query plans, never results), and the text of the migration library's own
bookkeeping table, which its versions write differently (the table and its rows are still read).
"""

from __future__ import annotations

import sqlite3
from functools import cache

from appliance.store.database import Database
from appliance.store.schema import migrations

MIGRATIONS_TABLE = "_sqlite_migrations"
_IGNORED = "name NOT LIKE 'sqlite_stat%'"
_PLURAL = {"table": "tables", "view": "views", "index": "indexes", "trigger": "triggers"}

Objects = dict[tuple[str, str], str | None]


def known_migrations() -> tuple[str, ...]:
    """This version's migrations, in the order they run."""
    return migrations.names


def applied_migrations(connection: sqlite3.Connection) -> tuple[str, ...]:
    """The migrations a store records, in the order they ran; () for a file that is no store."""
    present = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
    ).fetchone()
    if present is None:
        return ()
    rows = connection.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid", (migrations.name,)
    )
    return tuple(name for (name,) in rows)


def newer_schema(applied: tuple[str, ...]) -> str | None:
    """Why this version cannot read a store, if a newer version migrated it; None if it can."""
    known = known_migrations()
    unknown = [name for name in applied if name not in known]
    if not unknown:
        return None
    return (
        f"was made by a newer version of OFN Checkout (its schema is at level {len(applied)}, {applied[-1]};"
        f" this version knows level {len(known)}, {known[-1]}): upgrade ofn-checkout"
    )


def schema_problems(connection: sqlite3.Connection, applied: tuple[str, ...]) -> list[str]:
    """Each difference between the store's schema and the one its migration level should have, by name."""
    known = known_migrations()
    if applied != known[: len(applied)]:
        return [f"the migrations it records ({', '.join(applied)}) are not this version's sequence"]
    expected = expected_objects(applied)
    present = _objects(connection)
    problems = []
    for kind in ("table", "view", "trigger", "index"):
        removed = _names(kind, expected.keys() - present.keys())
        added = _names(kind, present.keys() - expected.keys())
        altered = _names(kind, {k for k in expected.keys() & present.keys() if expected[k] != present[k]})
        label = "protection triggers" if kind == "trigger" else _PLURAL[kind]
        if removed:
            problems.append(f"{label} were removed: {removed}")
        if altered:
            problems.append(f"{label} were altered: {altered}")
        if added:
            problems.append(f"{_PLURAL[kind]} were added: {added}")
    return problems


@cache
def expected_objects(applied: tuple[str, ...]) -> Objects:
    """The schema this version's first ``len(applied)`` migrations make: the committed one for the
    whole sequence, else built in memory."""
    from appliance.store import expected_schema

    if applied == known_migrations() == expected_schema.MIGRATIONS:
        return dict(expected_schema.OBJECTS)
    return replayed_objects(applied)


def replayed_objects(applied: tuple[str, ...]) -> Objects:
    """The schema this version's first ``len(applied)`` migrations make, built in memory."""
    reference = Database(sqlite3.connect(":memory:"))
    known = known_migrations()
    try:
        migrations.apply(reference, stop_before=known[len(applied)] if len(applied) < len(known) else None)
        return _objects(reference.conn)
    finally:
        reference.close()


def _objects(connection: sqlite3.Connection) -> Objects:
    objects: Objects = {}
    rows = connection.execute(f"SELECT type, name, tbl_name, sql FROM sqlite_master WHERE {_IGNORED}")
    for kind, name, tbl_name, sql in rows:
        bookkeeping = tbl_name == MIGRATIONS_TABLE and kind in ("table", "index")
        objects[(kind, name)] = None if bookkeeping or sql is None else normalized_sql(sql)
    return objects


def _names(kind: str, keys: set[tuple[str, str]]) -> str:
    return ", ".join(sorted(name for k, name in keys if k == kind))


def normalized_sql(sql: str) -> str:
    """SQL with its whitespace collapsed: what two definitions are compared by."""
    return " ".join(sql.replace(";", " ; ").split()).removesuffix(" ;")


def expected_schema_source() -> str:
    """The text of ``expected_schema.py``: this version's migrations and the schema they make."""
    known = known_migrations()
    objects = replayed_objects(known)
    lines = [
        '"""The schema this version\'s migrations make, for the check at each opening (schema_audit.py).',
        "",
        "Generated from appliance/store/schema.py by ``python -m appliance.store.schema_audit``; do not edit.",
        "tests/test_schema_audit.py fails when it differs from what the migrations make.",
        '"""',
        "",
        "MIGRATIONS = (",
        *(f"    {name!r}," for name in known),
        ")",
        "",
        "OBJECTS: dict[tuple[str, str], str | None] = {",
        *(f"    {key!r}: {objects[key]!r}," for key in sorted(objects)),
        "}",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # python -m appliance.store.schema_audit: write expected_schema.py again
    from pathlib import Path

    target = Path(__file__).with_name("expected_schema.py")
    target.write_text(expected_schema_source(), encoding="utf-8")
    print(f"wrote {target}")
