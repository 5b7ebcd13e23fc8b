"""Opening the SQLite store the one safe way, and the write transaction every change goes through.

Two processes share the file (the till UI and the sync daemon), so the store runs in WAL mode with
a busy timeout, and every write takes the lock up front (``BEGIN IMMEDIATE``): a transaction that
starts as a reader and upgrades later can fail with SQLITE_BUSY half-way through. ``synchronous =
FULL`` makes a commit durable before it returns, which is what "the cashier saw it done" means.

Checkpoints (copying the WAL back into the database) are the sync daemon's job: SQLite runs one
inside the commit that takes the WAL past a size, and that commit would be a sale's. The daemon's
connection checkpoints at SQLite's usual size, after its own commits; every other connection only
at a larger size, so the WAL stays bounded even when the daemon is not running.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

BUSY_TIMEOUT_MS = 5000

#: WAL pages (4 KB each) past which the daemon's own commits checkpoint: SQLite's default.
DAEMON_CHECKPOINT_PAGES = 1000

#: The fallback for every other connection (the till's, the CLI's): only reached when the daemon
#: has not checkpointed for about 600 sales (a sale writes about 6 pages), i.e. when it is down.
#: Larger would mean a longer stall for the sale that crosses it; smaller, that sales checkpoint
#: again whenever the daemon is a little late.
FALLBACK_CHECKPOINT_PAGES = 4000


BUSY = "is busy (another program is writing to it): try again in a moment"
READ_ONLY = "is read-only (its file, its directory or the disk): check owner and permissions; nothing was written"


class StoreError(Exception):
    """The database cannot be opened or used; the message names the file and what to do."""


class StoreUnreadable(StoreError):
    """The store could not be read while a till had it open (emptied, replaced or damaged behind its
    back), as opposed to a busy moment that the next try gets past."""


class Database:
    """An open store as the code holds it: its connection (``conn``), and :meth:`close`.

    It stands where sqlite-utils' ``Database`` stood, of which the store only ever used those two
    (the migrations, which use more, wrap the same connection in the library's own: schema.py), so
    that opening a store does not import sqlite-utils, 25 ms of the counter's start
    (docs/benchmarks.md, "bench/counter_start.py"). Like the library's, it turns SQLite's
    ``recursive_triggers`` on: with it, the rows an ``INSERT OR REPLACE`` would delete go through
    the delete triggers, and the immutable tables' triggers refuse it (tests/test_store.py).
    """

    __slots__ = ("conn",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        connection.execute("PRAGMA recursive_triggers = on")
        self.conn = connection

    def close(self) -> None:
        self.conn.close()


def is_busy(exc: BaseException) -> bool:
    """Whether an SQLite error, or the StoreError made of one, is only another writer's lock."""
    text = str(exc)
    return BUSY in text or (isinstance(exc, sqlite3.DatabaseError) and ("locked" in text or "busy" in text))


def open_store(path: Path, *, create: bool = True) -> Database:
    """Open (and migrate) a database file with the store's schema, nothing more.

    The low-level opening, for the benchmarks and the tests of the schema, and the first step of
    setting up a store (appliance/store/opening.py). A command opens a lane's store through
    ``opening.open_lane_store``, which checks that it is the store it should be first. With
    ``create=False`` a missing file is an error, not a new database.
    """
    if not create and not path.exists():
        raise StoreError(f"No database at {path}: check --db or store.path in the config")
    if create:
        create_private_file(path)
    db = connect(path, write=True)
    try:
        prepare_for_writing(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(f"{path} {explain(exc, opening=True)}") from None
    return db


def create_private_file(path: Path) -> None:
    """An empty file for the service user alone (SQLite gives its -wal and -shm files the same mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except FileExistsError:
        pass


def connect(path: Path, *, write: bool) -> Database:
    """A connection to an existing file: read-only (``mode=ro``: nothing is ever written, so an archive
    on read-only media or a store on a full disk can be read), or read-write without creating it.

    A store in WAL mode read from read-only media cannot get the ``-shm`` file readers share; with no
    ``-wal`` beside it (a copy made with ``.backup``) nothing else can change it, so it is opened as
    immutable, which needs none.
    """
    uri = f"{path.absolute().as_uri()}?mode={'rw' if write else 'ro'}"
    try:
        try:
            connection = _connected(uri)
        except sqlite3.OperationalError as exc:
            wal = path.with_name(path.name + "-wal")
            if write or "unable to open" not in str(exc) or (wal.exists() and wal.stat().st_size):
                raise
            connection = _connected(uri + "&immutable=1")
    except sqlite3.DatabaseError as exc:
        if write and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise StoreError(f"{path} {READ_ONLY}") from None  # SQLite only says it cannot open its -wal
        raise StoreError(f"{path} {explain(exc, opening=True)}") from None
    return Database(connection)


def _connected(uri: str) -> sqlite3.Connection:
    connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opening is lazy: open now
    except sqlite3.DatabaseError:
        connection.close()
        raise
    return connection


def prepare_for_writing(db: Database) -> None:
    """The pragmas of a writing connection, then the pending migrations."""
    _set_pragmas(db)
    _migrate(db)


def explain(exc: sqlite3.DatabaseError, *, opening: bool = False) -> str:
    """What a person should understand of an SQLite error, to follow a file name (details go to the log)."""
    text = str(exc)
    if is_busy(exc):
        return BUSY
    if "full" in text or getattr(exc, "sqlite_errorname", "") == "SQLITE_IOERR_SHMSIZE":  # no room for its -shm
        return "cannot be written: the disk is full; nothing was recorded: free some space and try again"
    if "readonly" in text or "read-only" in text:
        return READ_ONLY
    if "unable to open" in text:
        return f"cannot be opened ({text}): check the path and the permissions of the file and its directory"
    if isinstance(exc, sqlite3.IntegrityError):
        return f"refused a change ({text}): it may have been tampered with; run `ofn-checkout journal verify`"
    if opening:
        return f"is not a usable checkout database ({text}): restore it from the backup; do not delete it"
    if text.startswith(("no such column", "no such table")):  # read-only commands never migrate
        return (
            f"lacks what this version reads ({text}): if an older version made it, `ofn-checkout store migrate`"
            " brings it up to date (a copy on read-only media: migrate a copy); otherwise restore it from the backup"
        )
    return f"is damaged ({text}): restore it from the backup"


def explain_if_sqlite(exc: BaseException) -> str | None:
    """:func:`explain` for an SQLite error, None for any other: for callers that must not know SQLite
    (the counter screen's safety net)."""
    return explain(exc) if isinstance(exc, sqlite3.DatabaseError) else None


def take_over_checkpoints(db: Database) -> None:
    """Make this connection (the sync daemon's) the one that checkpoints the WAL at the usual size.

    SQLite checks the WAL's size after each commit of this connection and, past the limit, runs a
    PASSIVE checkpoint, which waits for no one: sales go on writing meanwhile. The daemon commits
    its status on every pass, so the WAL is checkpointed within a pass of reaching the limit.
    A checkpoint on a timer instead would cost more: the first commit after a complete checkpoint
    starts the WAL over and pays a second fsync, and with a checkpoint every few seconds that
    commit would be nearly every sale.
    """
    db.conn.execute(f"PRAGMA wal_autocheckpoint = {DAEMON_CHECKPOINT_PAGES}")


def _set_pragmas(db: Database) -> None:
    db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if db.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("PRAGMA synchronous = FULL")
    db.conn.execute(f"PRAGMA wal_autocheckpoint = {FALLBACK_CHECKPOINT_PAGES}")
    db.conn.execute("PRAGMA foreign_keys = ON")


def _migrate(db: Database) -> None:
    """Apply pending migrations under the write lock, so two processes starting at once don't race.

    A store that records every migration of this version (each opening but the first after an
    upgrade) has none pending: that is read without the lock and without sqlite-utils (applied
    migrations are never taken back, so no other process can make one pending meanwhile)."""
    from appliance.store.schema import migrations
    from appliance.store.schema_audit import applied_migrations

    if set(migrations.names) <= set(applied_migrations(db.conn)):
        return
    with write_transaction(db):
        migrations.apply(db)


def write_transaction(db: Database) -> WriteTransaction:
    """One atomic write: everything inside commits together, or nothing does."""
    return WriteTransaction(db.conn)


class WriteTransaction:
    """``BEGIN IMMEDIATE``, the body, ``COMMIT``; ROLLBACK if anything before the COMMIT fails.

    A class rather than a generator: every sale goes through one, and a generator's context manager
    costs a microsecond more. Subclasses add work just before the COMMIT, inside the write lock
    (raising rolls the transaction back), and just after it (witness_writer.py).
    """

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        connection = self.connection
        if connection.in_transaction:
            raise StoreError("write transactions do not nest")
        connection.execute("BEGIN IMMEDIATE")
        return connection

    def __exit__(self, kind: type[BaseException] | None, value: object, traceback: object) -> None:
        connection = self.connection
        if kind is not None:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            return
        try:
            self.before_commit()
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        self.after_commit()

    def before_commit(self) -> None:
        """Work inside the transaction once its body is done; raising rolls it back."""

    def after_commit(self) -> None:
        """Work once the COMMIT has returned: what is committed stays committed."""


def named(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor whose rows are read by column name, without changing the shared connection."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor
