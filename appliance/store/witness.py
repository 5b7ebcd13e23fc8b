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
number's parity, in place (through a memory map, see witness_writer.py), under an exclusive
``flock`` (readers take a shared one), with no fsync. A kill in the middle of the copy, or a power
cut on a device that does not write a sector whole, can spoil that one slot; the other still names
the entry before (the witness lags by one). A power cut can also lose the write (it lags). Readers
take the newest valid slot. Replacing the file instead (a temporary file renamed over it) was
measured at 350 µs a sale at the median and 4 ms at the 99th percentile on the test box's ext4,
more than the sale's whole commit: renaming over a file makes ext4 start writing the new one out at
once. The set-up writes the file whole, durably (files.py).

A till stays open for days, so besides readers (verify, every opening) the till itself checks the
witness before each COMMIT (witness_writer.py).

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
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from appliance.core.seal import ChainEnd, Finding, witness_mac
from appliance.store.files import replace_file
from appliance.store.keys import KeyFile

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


class Reading(NamedTuple):  # a tuple: made on every sale's write, where a frozen dataclass costs 1 µs more
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
        """The newest slot of ``data`` that carries this key's seal; else what the slots are."""
        return newest_of((self.slot_reading(data[:SLOT]), self.slot_reading(data[SLOT : 2 * SLOT])))

    def slot_reading(self, slot: bytes) -> Reading | None:
        """What one slot says (None: torn). Depends on the slot's bytes alone, for this witness: the
        till's writer remembers it per slot (witness_writer.py)."""
        fields = _fields(slot)
        return None if fields is None else self._checked(fields)

    def _checked(self, fields: list[str]) -> Reading:
        store_id, lane_id, seq, entry_hash, mac = fields[1], int(fields[2]), int(fields[3]), fields[4], fields[5]
        if store_id != (self.store_id or NO_STORE_ID) or lane_id != self.lane_id:
            return Reading(State.FOREIGN, seq, entry_hash)
        if not hmac.compare_digest(witness_mac(self.key, self.store_id or "", lane_id, seq, entry_hash), mac):
            return Reading(State.FORGED, seq, entry_hash)
        return Reading(State.OK, seq, entry_hash)


def newest_of(readings: Iterable[Reading | None]) -> Reading:
    """The newest slot that carries this key's seal; if none does, a foreign slot, a forged one, or TORN."""
    parsed = sorted((r for r in readings if r is not None), key=lambda reading: reading.seq, reverse=True)
    for state in (State.OK, State.FOREIGN, State.FORGED):
        for reading in parsed:
            if reading.state is state:
                return reading
    return Reading(State.TORN)


def _fields(slot: bytes) -> list[str] | None:
    """A slot's six fields, or None if it is torn (empty, cut, zeros, garbage)."""
    try:
        fields = slot.decode("ascii").split()
    except UnicodeDecodeError:
        return None
    if len(fields) != 6 or fields[0] != FORMAT or not fields[2].isdigit() or not fields[3].isdigit():
        return None
    return fields


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
