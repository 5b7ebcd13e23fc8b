"""The head witness: the journal's newest entry as last seen, in a small sealed file beside the key.

Why it exists: the anchor that guards the journal's tail is a row of the database, so whoever can
write the database file can cut entries off the end and delete the anchor, or put back an older
anchor copied from a backup, and the chain with its anchor still looks whole. The witness lives
outside the database, in the key's directory, and carries an HMAC under the journal key bound to
the store's identity and lane, so without the key it can be neither forged nor taken from another
store. A journal that ends before the entry the witness names was cut; a journal whose entry at
that number has another hash was replaced from there.

Crash ordering, which is what makes it safe to check:

- it is written only after the transaction committed, and a commit is on disk when it returns
  (``synchronous = FULL``), so the entry it names is always durable before the witness is even
  written: after a kill or a power cut the witness can lag behind the database (naming an earlier
  entry), never run ahead of it. A lagging witness is fine: only an entry it names must exist;
- readers read the witness *before* they start reading the database, so an entry committed and
  witnessed in between can only make the database look further ahead, never behind.

How it is written, so that a crash never leaves it torn and a sale pays next to nothing: the file
holds two slots of one disk sector each (512 bytes), and an entry is written into the slot of its
number's parity, in place (through a memory map, see WitnessWriter.record), under an exclusive
``flock`` (readers take a shared one), with no fsync. A kill in the middle of the copy, or a power
cut on a device that does not write a sector whole, can spoil that one slot; the other still names
the entry before (the witness lags by one). A power cut can also lose the write (it lags). Readers
take the newest valid slot. Replacing the file instead (a temporary file renamed over it) was
measured at 350 µs a sale at the median and 4 ms at the 99th percentile on the test box's ext4,
more than the sale's whole commit: renaming over a file makes ext4 start writing the new one out at
once. The set-up writes the file whole, durably (files.py).

A till stays open for days, so besides readers (verify, every opening) the till itself checks the
witness before each COMMIT (WitnessWriter.check).

The rule for a witness that is absent or unreadable (both slots torn): it is not trusted and it is
not an error. A store made before the witness existed has none until its next write. Verification
says so in a warning, the tail check rests on the anchor alone until the next write renews it, and
nothing is refused. Only someone who can write the key's directory can remove or spoil it, which
the threat model excludes (docs/fiscal-journal.md). A witness whose slots parse but none carries
this key's seal, or that names another store or lane, is a finding: made by someone without the key.
"""

from __future__ import annotations

import fcntl
import hmac
import logging
import mmap
import os
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from appliance.core.seal import ChainEnd, Finding, witness_mac
from appliance.store.files import replace_file
from appliance.store.journal import Tip
from appliance.store.keys import KeyFile

log = logging.getLogger(__name__)

FORMAT = "ofn-checkout-head/1"
#: The store id written for a key made before store identities existed (its MAC binds "").
NO_STORE_ID = "-"
#: One slot: a disk sector, so that a power cut spoils at most the slot being written.
SLOT = 512
_BLANK = b" " * (SLOT - 1) + b"\n"


def witness_path(key_path: Path) -> Path:
    """``journal.key`` → ``journal.head``: in the key's directory, named after the key it goes with."""
    return key_path.with_suffix(".head")


class State(StrEnum):
    ABSENT = "absent"
    TORN = "torn"
    FORGED = "forged"
    FOREIGN = "foreign"
    OK = "ok"


@dataclass(frozen=True)
class Reading:
    state: State
    seq: int = 0
    hash: str = ""


@dataclass(frozen=True)
class Witness:
    """The witness of one store: where it lives, and what its MAC is bound to."""

    path: Path
    key: bytes
    store_id: str | None
    lane_id: int

    @classmethod
    def for_key(cls, key_file: KeyFile, lane_id: int) -> Witness:
        return cls(witness_path(key_file.path), key_file.key, key_file.store_id, lane_id)

    def slot(self, head: ChainEnd) -> bytes:
        """The sealed record of ``head``, padded to one slot."""
        mac = witness_mac(self.key, self.store_id or "", self.lane_id, head.seq, head.hash)
        line = f"{FORMAT} {self.store_id or NO_STORE_ID} {self.lane_id} {head.seq} {head.hash} {mac}"
        return line.encode("ascii").ljust(SLOT - 1) + b"\n"

    def record_durably(self, head: ChainEnd) -> None:
        """The whole file, naming ``head``, fsync'd: the store's set-up goes on only once it is on disk."""
        slots = [_BLANK, _BLANK]
        slots[head.seq % 2] = self.slot(head)
        replace_file(self.path, b"".join(slots))

    def read(self) -> Reading:
        try:
            descriptor = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return Reading(State.ABSENT)
        except OSError:
            return Reading(State.TORN)
        try:
            return self.read_from(descriptor)
        finally:
            os.close(descriptor)

    def read_from(self, descriptor: int) -> Reading:
        """The newest valid slot of the open witness file (TORN if none parses)."""
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH)
            try:
                data = os.pread(descriptor, 2 * SLOT, 0)
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        except OSError:
            return Reading(State.TORN)
        return self.newest(data)

    def newest(self, data: bytes) -> Reading:
        """The newest slot of ``data`` that carries this key's seal; else what the slots are.

        Slots are tried newest first, so a sale's check computes one HMAC, not two.
        """
        parsed = sorted(
            (fields for i in (0, SLOT) if (fields := _fields(data[i : i + SLOT])) is not None),
            key=lambda fields: int(fields[3]),
            reverse=True,
        )
        readings = []
        for fields in parsed:
            reading = self._checked(fields)
            if reading.state is State.OK:
                return reading
            readings.append(reading)
        for state in (State.FOREIGN, State.FORGED):
            if any(r.state is state for r in readings):
                return next(r for r in readings if r.state is state)
        return Reading(State.TORN)

    def _checked(self, fields: list[str]) -> Reading:
        store_id, lane_id, seq, entry_hash, mac = fields[1], int(fields[2]), int(fields[3]), fields[4], fields[5]
        if store_id != (self.store_id or NO_STORE_ID) or lane_id != self.lane_id:
            return Reading(State.FOREIGN, seq, entry_hash)
        if not hmac.compare_digest(witness_mac(self.key, self.store_id or "", lane_id, seq, entry_hash), mac):
            return Reading(State.FORGED, seq, entry_hash)
        return Reading(State.OK, seq, entry_hash)


def _fields(slot: bytes) -> list[str] | None:
    """A slot's six fields, or None if it is torn (empty, cut, zeros, garbage)."""
    try:
        fields = slot.decode("ascii").split()
    except UnicodeDecodeError:
        return None
    if len(fields) != 6 or fields[0] != FORMAT or not fields[2].isdigit() or not fields[3].isdigit():
        return None
    return fields


class WitnessWriter:
    """The till's side of the witness: the file kept open, one slot written in place per commit.

    A till stays open for days, so the opening's checks are not enough: someone who cuts the
    journal's tail while it runs would see it hand out the cut numbers again, and two sales later
    the witness itself would name the new tail. So each write transaction, before its COMMIT,
    checks the witness against the journal it is about to extend (:meth:`check`): inside the write
    lock no other commit can come between, so a witness ahead of the new tip, or naming an entry
    with another hash, means the journal was cut or replaced under the till. The transaction is
    rolled back and the till refuses to go on, exactly as an opening would.
    """

    def __init__(self, witness: Witness):
        self.witness = witness
        self._descriptor: int | None = None
        self._map: mmap.mmap | None = None

    def check(self, connection: sqlite3.Connection, head: Tip) -> None:
        """Raise CutUnderTill if the journal, ``head`` its tip in this transaction, is behind its witness.

        Read through the map without the lock: the only writers meanwhile are other processes
        renewing it for entries committed before this transaction (inside the write lock no other
        commit comes between), and a slot caught half-written is torn, so it is skipped.
        """
        try:
            view, _ = self._mapped(fresh=True)
            reading = self.witness.newest(view[:])
        except Exception:
            return  # no witness to check against: the write will say why it cannot renew it
        if reading.state is not State.OK:
            return  # absent or torn: the rule of the module's docstring; forged: openings refuse it
        if reading.seq > head.seq:
            raise CutUnderTill(reading.seq, head.seq)
        if not hmac.compare_digest(self._hash_of(connection, head, reading.seq), reading.hash):
            raise CutUnderTill(reading.seq, head.seq)

    @staticmethod
    def _hash_of(connection: sqlite3.Connection, head: Tip, seq: int) -> str:
        """The hash of entry ``seq``; on a sale's commit the witness names the tip or the entry
        before it, which the tip already carries, so the sale path reads nothing more."""
        if seq == head.seq:
            return head.hash
        if seq == head.seq - 1 and head.prev_hash is not None:
            return head.prev_hash
        row = connection.execute("SELECT hash FROM journal WHERE seq = ?", (seq,)).fetchone()
        return "" if row is None else str(row[0])

    def record(self, head: ChainEnd) -> None:
        """Name ``head`` (just committed) as the newest entry. Never fails what is already on disk:
        a witness that cannot be written lags, and the log says why.

        The slot is written through a shared memory map of the file, not with ``write()``: a write
        call stamps the file's modification time, so ext4 journals its inode with the next fsync,
        the next sale's (measured: the sale's commit and even a bare fsync of another file slower
        by tens of µs). A store into a mapped page that is already dirty changes nothing else; the
        kernel writes the page out in its own time, which is all a witness without fsync asks.
        """
        try:
            view, descriptor = self._mapped(fresh=self._map is None)
            offset = (head.seq % 2) * SLOT
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                view[offset : offset + SLOT] = self.witness.slot(head)
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        except Exception as exc:  # the sale is committed: nothing here may report it as failed
            self.close()
            log.warning(
                "the head witness %s could not be written (%s): it lags until the next write", self.witness.path, exc
            )

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def _mapped(self, *, fresh: bool) -> tuple[mmap.mmap, int]:
        """The map of the witness file; ``fresh`` checks first that it is still the file at its path
        and long enough (the check before each COMMIT does; the write right after it reuses that)."""
        if not fresh and self._map is not None and self._descriptor is not None:
            return self._map, self._descriptor
        descriptor = self._open()
        if self._map is None:
            if os.fstat(descriptor).st_size < 2 * SLOT:  # new, or left short by a power cut
                os.ftruncate(descriptor, 2 * SLOT)
            self._map = mmap.mmap(descriptor, 2 * SLOT)
        return self._map, descriptor

    def _open(self) -> int:
        """The open witness file, opened (and mapped) again if it was replaced, removed or cut short
        meanwhile: a mapped page past the end of the file would kill the till (SIGBUS) when written.
        Only someone who can write the key's directory can do that between this check and the write."""
        if self._descriptor is not None:
            try:
                current = os.stat(self.witness.path).st_ino
            except FileNotFoundError:
                current = None
            mine = os.fstat(self._descriptor)
            if current == mine.st_ino and mine.st_size >= 2 * SLOT:
                return self._descriptor
            self.close()
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        self._descriptor = os.open(self.witness.path, flags, 0o600)
        return self._descriptor


class CutUnderTill(Exception):
    """The journal was cut or replaced while the till had it open (see WitnessWriter.check)."""

    def __init__(self, witnessed: int, tip: int):
        super().__init__(witnessed, tip)
        self.witnessed, self.tip = witnessed, tip


def witness_findings(
    connection: sqlite3.Connection, witness: Witness, reading: Reading
) -> tuple[list[Finding], list[str]]:
    """What the witness says of the journal: findings (a cut, a replaced entry, a forged witness) and
    warnings (no witness to check against). ``reading`` was taken before the database was read."""
    lane, where = witness.lane_id, witness.path
    if reading.state in (State.ABSENT, State.TORN):
        what = "missing" if reading.state is State.ABSENT else "unreadable"
        return [], [
            f"the head witness {where} is {what}: a cut tail is checked against the anchor alone "
            "until the next write renews it"
        ]
    if reading.state is State.FOREIGN:
        return [Finding(None, None, f"the head witness {where} belongs to another store or lane")], []
    if reading.state is State.FORGED:
        return [Finding(None, None, f"the head witness {where} does not carry this key's seal (forged)")], []
    last = connection.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()[0]
    if last < reading.seq:
        return [
            Finding(
                lane,
                last + 1,
                f"entries {last + 1} to {reading.seq} were cut off the end of the journal"
                f" (the head witness saw entry {reading.seq})",
            )
        ], []
    row = connection.execute("SELECT hash FROM journal WHERE seq = ?", (reading.seq,)).fetchone()
    if row is None or not hmac.compare_digest(row[0], reading.hash):
        return [
            Finding(lane, reading.seq, "is not the entry the head witness saw: the journal was replaced from here")
        ], []
    return [], []
