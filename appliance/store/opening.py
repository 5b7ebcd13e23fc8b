"""Opening a lane's store the one safe way, and setting up a new one: what every command relies on.

Only ``store init`` (and ``simulate``, for a training store of its own) sets up a store. Every other
command opens one that exists, and refuses, writing nothing, a store that is not the one it should
be (docs/fiscal-journal.md, "What the store must withstand"):

- no file, an empty file, or a file without the store's tables, next to an existing key: the store
  was emptied or replaced, not "new" (a fresh store there would hand out sale numbers again);
- a set-up record or first entry gone, or a first entry that does not name the identity of the
  key it is opened with: emptied, or set up again;
- a schema from a newer version, or a schema that differs from what its migrations make (a view
  that filters sales, a trigger added or dropped);
- an anchor that is missing, not genuine or not on the last entry, or a journal that ends before
  the entry its head witness saw: its tail was cut.

Those checks cost a few indexed reads (the first entry, the tip, the anchor), two small files and
the schema (about 60 rows); the whole chain is only read by ``journal verify``.

Read-only commands open the file read-only (``write=False``): nothing is migrated or written, so
an archived copy on read-only media can be read and verified, and a full disk does not stop a
report. A writing command migrates a store of an older schema after the checks pass.
"""

from __future__ import annotations

import hmac
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson

from appliance.core.clock import utc_text
from appliance.core.seal import check_anchor, seal
from appliance.store import journal as journal_store
from appliance.store.database import (
    Database,
    StoreError,
    connect,
    explain,
    open_store,
    prepare_for_writing,
    write_transaction,
)
from appliance.store.keys import (
    JournalKeyError,
    KeyFile,
    create_key,
    fsync_directory,
    missing_key,
    new_store_id,
    permission_warning,
    read_key_file,
)
from appliance.store.schema_audit import applied_migrations, newer_schema, schema_problems
from appliance.store.witness import State, Witness, witness_findings

REFUSED = "restore the last backup; nothing was written"
EMPTIED = f"this store was emptied or replaced: {REFUSED}"
CUT = f"run `ofn-checkout journal verify`, and {REFUSED}"


@dataclass
class LaneStore:
    """An opened store, checked: its connection, its key, its witness, and whether it is for training."""

    db: Database
    key_file: KeyFile
    witness: Witness
    training: bool
    warnings: list[str] = field(default_factory=list)


def absence_problem(path: Path, key_path: Path, lane_id: int) -> str | None:
    """Why ``path`` is no store, seen before SQLite touches it (which would make a new one of it)."""
    if not path.exists():
        if key_path.exists() and set_up_unfinished(key_path, lane_id):
            return (
                f"No database at {path}: the `ofn-checkout store init` that made its key {key_path} did not finish;"
                " run it again (it finishes with that key)"
            )
        if key_path.exists():
            return f"No database at {path}, but its journal key {key_path} is there: {EMPTIED} (or check --db)"
        return f"No database at {path}: check --db or store.path in the config (`ofn-checkout store init` sets one up)"
    if not path.is_file():
        return f"{path} is not a database file: check --db or store.path in the config"
    if path.stat().st_size == 0:
        return f"{path} is empty: {EMPTIED}"
    return None


def open_lane_store(path: Path, key_path: Path, lane_id: int, *, write: bool) -> LaneStore:
    """Open lane ``lane_id``'s store at ``path`` with its key, or raise StoreError/JournalKeyError saying why not."""
    if (problem := absence_problem(path, key_path, lane_id)) is not None:
        raise StoreError(problem)
    db = connect(path, write=write)
    try:
        opened = _checked(db, path, key_path, lane_id)
        if write:
            prepare_for_writing(db)
        return opened
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(f"{path} {explain(exc, opening=True)}") from None
    except BaseException:
        db.close()
        raise


def _checked(db: Database, path: Path, key_path: Path, lane_id: int) -> LaneStore:
    connection = db.conn
    key_file = read_key_file(key_path) if key_path.exists() else None
    witness = Witness.for_key(key_file, lane_id) if key_file else None
    reading = witness.read() if witness else None  # before the database: see witness.py
    connection.execute("BEGIN")
    try:
        applied = applied_migrations(connection)
        if not applied:
            advice = EMPTIED if key_file else "check --db; `ofn-checkout store init` sets up a store in a new file"
            raise StoreError(f"{path} is not a checkout store (it has none of its tables): {advice}")
        if (newer := newer_schema(applied)) is not None:
            raise StoreError(f"{path} {newer}; nothing was written")
        refuse_changed_schema(connection, path, applied)
        owners = [row[0] for row in connection.execute("SELECT lane_id FROM store_info")]
        first = connection.execute(
            "SELECT lane_id, seq, kind, ref, created_at, payload, prev_hash, hash FROM journal WHERE seq = 1"
        ).fetchone()
        if not owners or first is None:
            raise StoreError(f"{path} has lost its set-up record or its first journal entry: {EMPTIED}")
        if owners != [lane_id]:
            raise StoreError(
                f"This database belongs to lane {owners[0]}, but the config says lane {lane_id}: "
                "fix lane.id, or give this lane a database of its own"
            )
        if key_file is None or witness is None or reading is None:
            raise missing_key(key_path)
        payload = _check_first_entry(key_file, first, path)
        _check_tail(connection, key_file, lane_id, path)
        findings, warnings = witness_findings(connection, witness, reading)
        if findings:
            raise StoreError(f"The journal of {path} was cut or replaced ({findings[0]}): {CUT}")
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
    if (shared := permission_warning(key_path, "journal key")) is not None:
        warnings.append(shared)
    return LaneStore(db, key_file, witness, payload.get("training") is True, warnings)


def refuse_changed_schema(
    connection: sqlite3.Connection, path: Path | None = None, applied: tuple[str, ...] | None = None
) -> None:
    """Refuse to go on through a schema that is not the one its migrations make.

    Every opening checks it; a Z report and the period closures check it again inside their own
    transaction, just before sealing totals read through the views, so even a till that has been
    open for days never seals figures from a view changed meanwhile.
    """
    if problems := schema_problems(connection, applied or applied_migrations(connection)):
        where = f" of {path}" if path else ""
        raise StoreError(f"The schema{where} was changed ({'; '.join(problems)}): {CUT}")


def _check_first_entry(key_file: KeyFile, first: tuple[object, ...], path: Path) -> dict[str, object]:
    """Entry 1 sets the store up, sealed with this key, and names the identity the key file names."""
    lane, seq, kind, ref, created_at, payload, prev_hash, entry_hash = first
    expected = seal(key_file.key, lane, seq, kind, ref, created_at, prev_hash, payload)  # type: ignore[arg-type]
    if not hmac.compare_digest(expected, str(entry_hash)):
        raise JournalKeyError(
            f"Journal key {key_file.path} does not fit this journal's seal: either the key file is not this box's "
            "(put back the right one) or the journal was tampered with (run `ofn-checkout journal verify`)"
        )
    record = orjson.loads(str(payload))
    if kind != "store_created" or record.get("store_id") != key_file.store_id:
        raise StoreError(f"{path} is not the store its journal key {key_file.path} was made for: {EMPTIED}")
    return record  # type: ignore[no-any-return]


def _check_tail(connection: sqlite3.Connection, key_file: KeyFile, lane_id: int, path: Path) -> None:
    tip = journal_store.tip(connection)
    anchor = journal_store.anchor(connection, lane_id)
    if anchor is None:
        raise StoreError(
            f"The journal's end-of-chain anchor is missing from {path}: entries may have been cut off the end: {CUT}"
        )
    if (finding := check_anchor(key_file.key, lane_id, tip, anchor)) is not None:
        raise StoreError(f"The journal of {path} was cut or replaced ({finding}): {CUT}")


def create_lane_store(
    path: Path, key_path: Path, lane_id: int, now: datetime, *, training: bool, software: str
) -> None:
    """Set up a new store at ``path`` with a new key bound to it, or refuse, changing nothing.

    Each step is on disk before the next: the key (naming the new store's identity), the database
    built under a temporary name, the witness naming its first entry, and last the database linked
    into place whole. So a store in place always has its witness, and a crash leaves at most a key,
    perhaps with a witness of entry 1: running the set-up again finishes it with that key (nothing
    was ever recorded with it). A key whose witness saw more belongs to a store, and is refused.
    """
    if path.exists() or path.is_symlink():
        raise StoreError(f"{path} already exists: nothing was changed")
    key_file = _key_for_new_store(key_path, lane_id)
    _remove_leftovers(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        db = open_store(temporary)
        try:
            with write_transaction(db) as connection:
                connection.execute(
                    "INSERT INTO store_info (lane_id, created_at, store_id, training) VALUES (?, ?, ?, ?)",
                    (lane_id, utc_text(now), key_file.store_id, int(training)),
                )
                record = {"lane_id": lane_id, "software": software, "store_id": key_file.store_id, "training": training}
                entry = journal_store.append(
                    connection, key_file.key, lane_id, "store_created", str(lane_id), record, now
                )
            db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        Witness.for_key(key_file, lane_id).record_durably(entry)
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise StoreError(f"{path} already exists: nothing was changed") from None
    finally:
        for leftover in (temporary, *(temporary.with_name(temporary.name + s) for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
    fsync_directory(path.parent)


def set_up_unfinished(key_path: Path, lane_id: int) -> bool:
    """Whether the key at ``key_path`` is that of a set-up that never put its store in place: it names
    an identity, and its witness is absent or names the first entry at most (a store that recorded
    anything has a witness past it)."""
    try:
        key_file = read_key_file(key_path)
    except JournalKeyError:
        return False
    if key_file.store_id is None:
        return False
    reading = Witness.for_key(key_file, lane_id).read()
    return reading.state is State.ABSENT or (reading.state is State.OK and reading.seq <= 1)


def _remove_leftovers(path: Path) -> None:
    """The temporary files of a set-up killed before it finished (their process is gone)."""
    for leftover in path.parent.glob(f".{path.name}.*.new*"):
        pid = leftover.name.removeprefix(f".{path.name}.").split(".")[0]
        if pid.isdigit() and not _running(int(pid)):
            leftover.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _key_for_new_store(key_path: Path, lane_id: int) -> KeyFile:
    if key_path.exists():
        if set_up_unfinished(key_path, lane_id):
            return read_key_file(key_path)
        raise StoreError(
            f"The journal key {key_path} already belongs to a store: if that store is lost, restore it from the last"
            f" backup. A new store needs a key of its own: move {key_path} away first (and keep it, it verifies"
            " the old store's archive); nothing was written"
        )
    create_key(key_path, new_store_id())
    return read_key_file(key_path)
