"""Opening the SQLite store the one safe way, and the write transaction every change goes through.

Two processes share the file (the till UI and the sync daemon), so the store runs in WAL mode with
a busy timeout, and every write takes the lock up front (``BEGIN IMMEDIATE``): a transaction that
starts as a reader and upgrades later can fail with SQLITE_BUSY half-way through. ``synchronous =
FULL`` makes a commit durable before it returns, which is what "the cashier saw it done" means.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from .schema import migrations

BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """The database cannot be opened or used; the message names the file and what to do."""


def open_store(path: Path, *, create: bool = True) -> Database:
    """Open (and migrate) the store; with ``create=False`` a missing file is an error, not a new store."""
    if not create and not path.exists():
        raise StoreError(f"No database at {path}: check --db or store.path in the config")
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        db = Database(connection, execute_plugins=False)
        _set_pragmas(db)
        _migrate(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable checkout database ({exc})") from None
    return db


def store_lane(connection: sqlite3.Connection) -> int | None:
    row = connection.execute("SELECT lane_id FROM store_info").fetchone()
    return row[0] if row else None


def _set_pragmas(db: Database) -> None:
    db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if db.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("PRAGMA synchronous = FULL")
    db.conn.execute("PRAGMA foreign_keys = ON")


def _migrate(db: Database) -> None:
    """Apply pending migrations under the write lock, so two processes starting at once don't race."""
    with write_transaction(db):
        migrations.apply(db)


@contextmanager
def write_transaction(db: Database) -> Iterator[sqlite3.Connection]:
    """One atomic write: everything inside commits together, or nothing does."""
    connection = db.conn
    if connection.in_transaction:
        raise StoreError("write transactions do not nest")
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    try:
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
