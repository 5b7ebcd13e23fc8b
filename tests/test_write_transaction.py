"""The write transaction every change goes through: all of it commits, or none of it.

Work a subclass adds just before the COMMIT (the head witness's check) rolls everything back when
it fails, and work just after it (the witness's write) sees the transaction already committed.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from appliance.store.database import StoreError, WriteTransaction, open_store, write_transaction


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = open_store(tmp_path / "store.db")
    database.conn.execute("CREATE TABLE IF NOT EXISTS t (v INTEGER)")
    yield database
    database.close()


def rows(path: Path) -> list[int]:
    """What another connection sees committed."""
    with closing(sqlite3.connect(path)) as connection:
        return [v for (v,) in connection.execute("SELECT v FROM t ORDER BY v")]


def test_a_body_that_fails_writes_nothing(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ZeroDivisionError):
        with write_transaction(db) as connection:
            connection.execute("INSERT INTO t VALUES (1)")
            1 / 0  # noqa: B018
    assert not db.conn.in_transaction
    with write_transaction(db) as connection:
        connection.execute("INSERT INTO t VALUES (2)")
    assert rows(tmp_path / "store.db") == [2]


def test_write_transactions_do_not_nest(db) -> None:  # type: ignore[no-untyped-def]
    with write_transaction(db):
        with pytest.raises(StoreError, match="do not nest"):
            with write_transaction(db):
                pass


class Checked(WriteTransaction):
    """Refuses at the last moment, or records what was committed once the COMMIT returned."""

    def __init__(self, connection: sqlite3.Connection, path: Path, refuse: bool):
        super().__init__(connection)
        self.path, self.refuse = path, refuse
        self.seen_after: list[int] | None = None

    def before_commit(self) -> None:
        if self.refuse:
            raise StoreError("refused before the COMMIT")

    def after_commit(self) -> None:
        self.seen_after = rows(self.path)


def test_work_before_the_commit_that_fails_rolls_everything_back(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    transaction = Checked(db.conn, tmp_path / "store.db", refuse=True)
    with pytest.raises(StoreError, match="refused"):
        with transaction as connection:
            connection.execute("INSERT INTO t VALUES (1)")
    assert not db.conn.in_transaction and rows(tmp_path / "store.db") == []
    assert transaction.seen_after is None  # nothing runs after a COMMIT that did not happen


def test_work_after_the_commit_sees_it_committed(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    transaction = Checked(db.conn, tmp_path / "store.db", refuse=False)
    with transaction as connection:
        connection.execute("INSERT INTO t VALUES (1)")
    assert transaction.seen_after == [1]
