"""Snapshots of a lane's store: taken while the till sells, verified, rotated, and put back.

A snapshot is a directory holding what ``journal verify`` needs to check a store on its own: the
database (``checkout.db``, written by SQLite's ``VACUUM INTO``: one consistent read transaction, so
sales go on meanwhile and the copy holds no half of one), the journal key (``journal.key``) and the
head witness (``journal.head``). The witness and the key are copied *before* the database: the
witness may then lag behind the copy (fine: only the entries it names must be there), never run
ahead of it (which verify would call a cut).

A snapshot is built in a hidden ``.NAME.partial`` directory, verified there, and only then renamed
to its name: a directory of that name is a snapshot that verified. One that does not verify is
kept as ``NAME.failed`` for a person to look at, and then nothing is dropped: rotation removes the
oldest snapshots only once a newer one has verified. A crash half-way leaves a ``.partial``
directory, which the next run removes.

Putting a snapshot back (:func:`restore`) never loses an entry of the journal: it refuses when the
store holds entries the snapshot does not (sales made since), and it moves the files it replaces
aside rather than deleting them.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from appliance.core.seal import Verdict
from appliance.store.audit import verify_path
from appliance.store.database import StoreError, connect, explain
from appliance.store.keys import fsync_directory
from appliance.store.witness import witness_path

DATABASE = "checkout.db"
KEY = "journal.key"
WITNESS = "journal.head"
SNAPSHOT_NAME = re.compile(r"^checkout-\d{8}T\d{6}\.\d{6}Z$")


@dataclass(frozen=True)
class Snapshot:
    path: Path
    verdict: Verdict

    @property
    def database(self) -> Path:
        return self.path / DATABASE


@dataclass(frozen=True)
class Rotation:
    snapshot: Snapshot
    kept: list[Path]
    dropped: list[Path]


def take(db_path: Path, key_path: Path, lane_id: int, target: Path) -> Snapshot:
    """A snapshot of the store at ``target`` (a new directory), verified.

    If it does not verify, it is left at ``target`` + ``.failed`` and the returned verdict says why.
    Raises StoreError if there is no store to copy or ``target`` exists.
    """
    if target.exists() or target.with_name(target.name + ".failed").exists():
        raise StoreError(f"{target} exists already: choose another name, or move it away")
    if not db_path.is_file():
        raise StoreError(f"No database at {db_path}: nothing to back up (check store.path in the config)")
    partial = target.with_name(f".{target.name}.partial")
    _discard(partial)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial.mkdir(mode=0o700)
    try:
        _copy_small(witness_path(key_path), partial / WITNESS, lock=True)  # first: it may lag, never lead
        _copy_small(key_path, partial / KEY)
        _vacuum_into(db_path, partial / DATABASE)
        _fsync_tree(partial)
    except BaseException:
        _discard(partial)
        raise
    verdict = verify_path(partial / DATABASE, partial / KEY, lane_id)
    final = target if verdict.ok else target.with_name(target.name + ".failed")
    os.rename(partial, final)
    fsync_directory(final.parent)
    return Snapshot(final, verdict)


def backup(db_path: Path, key_path: Path, lane_id: int, directory: Path, now: datetime, keep: int) -> Rotation:
    """A new snapshot in ``directory``; once it verified, the oldest beyond ``keep`` are dropped.

    Two runs at once (the timer and a person) take turns on a lock file in ``directory``.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(directory / ".lock"):
        for leftover in directory.glob(".*.partial"):
            _discard(leftover)
        snapshot = take(db_path, key_path, lane_id, directory / f"checkout-{now:%Y%m%dT%H%M%S.%fZ}")
        kept = snapshots(directory)
        dropped: list[Path] = []
        if snapshot.verdict.ok:
            dropped, kept = kept[: max(len(kept) - keep, 0)], kept[max(len(kept) - keep, 0) :]
            for old in dropped:
                shutil.rmtree(old)
            if dropped:
                fsync_directory(directory)
        return Rotation(snapshot, kept, dropped)


def snapshots(directory: Path) -> list[Path]:
    """The snapshots of ``directory`` that verified, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if SNAPSHOT_NAME.match(path.name) and path.is_dir())


def failed(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.glob("checkout-*.failed") if path.is_dir())


@dataclass(frozen=True)
class Restored:
    moved_aside: Path | None
    entries: int


def restore(snapshot_dir: Path, db_path: Path, key_path: Path, lane_id: int, now: datetime) -> Restored:
    """Put the snapshot's database back in place of the store at ``db_path``. The services must be stopped.

    Refused (StoreError, nothing changed) when the snapshot does not verify, belongs to another
    store (its key differs), or the store holds journal entries the snapshot does not: those are
    sales, and putting the snapshot back would lose them. The replaced files (the database and its
    ``-wal`` and ``-shm``) are moved into ``<db>.replaced-<time>/``, never deleted.
    """
    source = snapshot_dir / DATABASE
    verdict = verify_path(source, snapshot_dir / KEY, lane_id)
    if not verdict.ok:
        raise StoreError(f"the snapshot {snapshot_dir} does not verify ({verdict.findings[0]}): not restored")
    live_key = key_path.read_bytes() if key_path.exists() else None
    if live_key is not None and live_key != (snapshot_dir / KEY).read_bytes():
        raise StoreError(f"the snapshot {snapshot_dir} is of another store (its journal key differs): not restored")
    _refuse_lost_entries(db_path, source)
    staged = db_path.with_name(f".{db_path.name}.restoring")
    shutil.copyfile(source, staged)
    os.chmod(staged, 0o600)
    _fsync_file(staged)
    aside = _move_aside(db_path, now)
    os.rename(staged, db_path)
    if live_key is None:  # the key was lost with the store: the snapshot's is the same store's
        shutil.copyfile(snapshot_dir / KEY, key_path)
        os.chmod(key_path, 0o600)
        if (snapshot_dir / WITNESS).exists():
            shutil.copyfile(snapshot_dir / WITNESS, witness_path(key_path))
    fsync_directory(db_path.parent)
    return Restored(aside, verdict.entries)


def journal_tip(db_path: Path) -> tuple[int, str] | None:
    """The last entry's number and hash, read without the opening checks (a newer schema is fine here)."""
    db = connect(db_path, write=False)
    try:
        row = db.conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        db.close()
    return (row[0], row[1]) if row else None


def _refuse_lost_entries(db_path: Path, source: Path) -> None:
    if not db_path.exists():
        return
    try:
        live = journal_tip(db_path)
    except (StoreError, sqlite3.DatabaseError):
        return  # a store that cannot be read is what a restore is for
    ours = journal_tip(source)
    if live is None or ours is None:
        return
    if live[0] > ours[0]:
        raise StoreError(
            f"{db_path} holds {live[0] - ours[0]} journal entries the snapshot does not (sales made since):"
            " not restored, that would lose them"
        )
    if live[0] == ours[0] and live[1] != ours[1]:
        raise StoreError(f"{db_path} and the snapshot differ at journal entry {live[0]}: not restored")


def _move_aside(db_path: Path, now: datetime) -> Path | None:
    present = [p for p in (db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm"))) if p.exists()]
    if not present:
        return None
    aside = db_path.with_name(f"{db_path.name}.replaced-{now:%Y%m%dT%H%M%SZ}")
    aside.mkdir(mode=0o700)
    for path in present:
        os.rename(path, aside / path.name)
    return aside


def _vacuum_into(db_path: Path, target: Path) -> None:
    """A read transaction on the store, written out as a new compact file.

    Through a read-write connection, though nothing is written: on a read-only one, SQLite 3.40
    (Debian 12, Raspberry Pi OS bookworm) copies a table with a generated column added by ALTER
    TABLE wrongly and fails ("table vacuum_db.variant has 12 columns but 13 values were supplied").
    """
    db = connect(db_path, write=True)
    try:
        db.conn.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{db_path} {explain(exc)}") from None
    finally:
        db.close()
    os.chmod(target, 0o600)


def _copy_small(source: Path, target: Path, *, lock: bool = False) -> None:
    """A key or witness file, copied for the service user alone (a witness under its readers' lock)."""
    try:
        descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        if lock:
            return  # no witness yet (an older store): verify says so in a warning
        raise StoreError(f"No journal key at {source}: a snapshot without it cannot be verified") from None
    try:
        if lock:
            fcntl.flock(descriptor, fcntl.LOCK_SH)
        data = os.read(descriptor, 1 << 16)
    finally:
        os.close(descriptor)
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.write(out, data)
    finally:
        os.close(out)


def _fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        _fsync_file(path)
    fsync_directory(directory)


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _discard(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
