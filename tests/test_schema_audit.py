"""The expected schema kept beside the migrations (appliance/store/expected_schema.py) is the one
they make, and the check at each opening is as strict with it as with the replayed one."""

from __future__ import annotations

from sqlite_utils import Database

from appliance.store import expected_schema
from appliance.store.schema import migrations
from appliance.store.schema_audit import (
    applied_migrations,
    expected_objects,
    known_migrations,
    replayed_objects,
    schema_problems,
)

REGENERATE = (
    "appliance/store/expected_schema.py is not what this version's migrations make: "
    "write it again with `python -m appliance.store.schema_audit` and commit it"
)


def test_the_committed_schema_is_what_the_migrations_make() -> None:
    assert expected_schema.MIGRATIONS == known_migrations(), REGENERATE
    assert expected_schema.OBJECTS == replayed_objects(known_migrations()), REGENERATE


def test_the_committed_schema_is_used_for_the_whole_sequence_only() -> None:
    """An older store (a shorter sequence, before its migration) is checked against a replay."""
    known = known_migrations()
    assert expected_objects(known) == expected_schema.OBJECTS
    older = known[:-1]
    assert expected_objects(older) == replayed_objects(older)
    assert expected_objects(older) != expected_schema.OBJECTS


def test_a_changed_view_is_refused_against_the_committed_schema() -> None:
    """The same strictness: a migrated store passes; one view re-created with a filter is a
    difference, by name."""
    store = Database(memory=True, execute_plugins=False)
    try:
        migrations.apply(store)
        known = known_migrations()
        assert applied_migrations(store.conn) == known
        assert schema_problems(store.conn, known) == []
        sql = expected_schema.OBJECTS[("view", "sale")]
        assert sql is not None
        store.conn.execute("DROP VIEW sale")
        store.conn.execute(f"CREATE VIEW sale AS SELECT * FROM ({sql.split(' AS ', 1)[1]}) WHERE 0")
        assert schema_problems(store.conn, known) == ["views were altered: sale"]
    finally:
        store.close()
