"""The till's side of the head witness: each write transaction checked against it, the witness renewed after.

A till stays open for days, so the opening's checks (opening.py) are not enough: someone who cuts
the journal's tail while it runs would see it hand out the cut numbers again, and two sales later
the witness itself would name the new tail. So each write transaction, before its COMMIT, checks
the witness against the journal it is about to extend: inside the write lock no other commit can
come between, so a witness ahead of the new tip, or naming an entry with another hash, means the
journal was cut or replaced under the till. The transaction is rolled back and the till refuses to
go on, exactly as an opening would. Once the COMMIT has returned (the entry is on disk), the new tip
is written into the witness: it can lag behind the journal, never run ahead of it (witness.py).

What a sale pays for this is kept to what the rules need (docs/benchmarks.md):

- the file's slots are kept in a shared memory map, and what each slot's bytes say is remembered
  with the bytes (:meth:`WitnessWriter.reading`). A slot's reading depends on its bytes alone (and on
  this key, store and lane), so while a slot holds the bytes this process last wrote or read there,
  its reading is the one computed then, and its MAC need not be checked again. Another process that
  writes the witness (a CLI command, a second till) changes the bytes, and the slot is read afresh:
  remembering what the *bytes* say is safe, where remembering what the *journal* looked like would
  not be (a CLI command appends and witnesses entry 9, the journal is then cut back to entry 8, the
  till's own last: only the witness's bytes tell);
- the new tip is the entry the transaction sealed when its body says so (WitnessedWrite.head), so
  the journal's tip is not read again;
- the counter renews the witness once the call that sold has returned, at its next idle moment
  (:meth:`WitnessWriter.renew_later`): the cashier's wait for a sale holds no more than the check,
  which must be inside the write lock. The witness then names the entry before for a few
  milliseconds; a kill in that moment leaves it one entry behind, as a power cut already can, and
  the next write transaction renews it before its check if nothing else did. The CLI and the sync
  daemon renew it inside the call, as soon as the COMMIT returns.
"""

from __future__ import annotations

import fcntl
import hmac
import logging
import mmap
import os
import sqlite3
import threading
from collections.abc import Callable
from typing import NamedTuple, Protocol

from appliance.store.database import Database, StoreError, WriteTransaction
from appliance.store.journal import tip
from appliance.store.witness import SLOT, Reading, State, Witness, newest_of

log = logging.getLogger(__name__)


class Link(Protocol):
    """An entry as the check needs it: a :class:`~appliance.core.seal.Entry` or the journal's tip."""

    @property
    def seq(self) -> int: ...

    @property
    def hash(self) -> str: ...

    @property
    def prev_hash(self) -> str | None: ...


class WitnessedWrite(WriteTransaction):
    """One write transaction, checked against the witness before its COMMIT, the witness renewed after.

    The body gets the transaction itself: its ``connection``, and ``head``, which a body that seals
    an entry may set to it, so that the witness is renewed from it without reading the journal's
    tip again (a body that does not costs one read; one that named an entry other than the last
    would leave the witness behind, never ahead: whatever it names is committed). Raises
    CutUnderTill, rolled back, if the journal was cut or replaced under the till. With no writer (a
    store whose key has no witness beside it), a plain write transaction.
    """

    def __init__(self, db: Database, writer: WitnessWriter | None):
        super().__init__(db.conn)
        self.writer = writer
        self.head: Link | None = None
        self.committed: Link | None = None  # the entry to name in the witness once committed

    def __enter__(self) -> WitnessedWrite:  # type: ignore[override]  # the body gets this, not the connection
        super().__enter__()
        return self

    def before_commit(self) -> None:
        writer = self.writer
        if writer is None:
            return
        if writer.waiting is not None:  # the last write's renewal has not run yet: it goes first
            writer.renew()
        head = self.head or tip(self.connection)
        if head is None:
            return
        writer.check(head)
        if head.seq != writer.recorded_seq:
            self.committed = head

    def after_commit(self) -> None:
        if self.committed is not None:
            self.writer.name(self.committed)  # type: ignore[union-attr]  # set only with a writer


class Sealed(NamedTuple):
    """A slot ready to be written, with what the witness will say once it is written."""

    position: int  # the slot: 0 or 1
    slot: bytes
    reading: Reading  # what the slot says: Reading(OK, seq, hash), this key's seal made here
    file: bytes  # both slots as the file will hold them if no one else writes meanwhile ...
    says: Reading  # ... and what they say (b"" and TORN when the file was not read first)


class WitnessWriter:
    """The witness file kept open and mapped; what its bytes say remembered with them. ``connection``
    is the till's, whose write transactions it checks and whose journal it reads."""

    def __init__(self, witness: Witness, connection: sqlite3.Connection):
        self.witness = witness
        self.connection = connection
        self.recorded_seq = 0  # the entry this process last wrote into the witness
        #: Runs a renewal once the caller is idle (renew_later); None: renewed as soon as committed.
        self.later: Callable[[Callable[[], None]], object] | None = None
        self.waiting: Link | None = None  # committed, to be named by the next renewal
        #: A cut the renewal found (witnessed, tip): the next check refuses, as for one found there.
        self.cut_found: tuple[int, int] | None = None
        # A worker thread's write may check the witness while the screen's loop renews it: the
        # remembered bytes and readings change together, under this lock.
        self._lock = threading.Lock()
        self._descriptor: int | None = None
        self._map: mmap.mmap | None = None
        # Facts, not a state of the file: these bytes say this (Witness.newest, slot_reading).
        self._file, self._says = b"", Reading(State.TORN)
        self._slots: list[tuple[bytes, Reading | None]] = [(b"", None), (b"", None)]

    def renew_later(self, later: Callable[[Callable[[], None]], object] | None) -> None:
        """Have each renewal run by ``later`` (given :meth:`renew`), once the call that committed has
        returned: the counter's idle moment. ``later`` may be called from any thread."""
        self.later = later

    def name(self, head: Link) -> None:
        """``head`` is committed: name it in the witness now, or at the idle moment ``later`` gives."""
        later = self.later
        with self._lock:
            if later is None:
                self._name_now(head)
                return
            asked = self.waiting is not None
            if not asked or head.seq > self.waiting.seq:  # type: ignore[union-attr]  # asked: not None
                self.waiting = head
        if asked:
            return
        try:
            put_off = later(self.renew) is not False  # Textual's call_later: False once the app closes
        except Exception:  # the sale is committed: nothing here may report it as failed
            log.exception("the head witness's renewal could not be put off: renewed now")
            put_off = False
        if not put_off:
            self.renew()

    def renew(self) -> None:
        """Name the last committed entry in the witness, if it waits for it (once, whoever calls)."""
        with self._lock:
            head, self.waiting = self.waiting, None
            if head is not None:
                self._name_now(head)

    def _name_now(self, head: Link) -> None:
        """Write the slot naming ``head``, unless the witness names it or a later entry already and
        the journal still holds ``head``.

        Other writers (a command over SSH) may have committed and witnessed later entries since
        ``head`` was committed, the more so while a renewal waits: the slot of ``head``'s parity may
        then name a later entry, and writing over it would take the witness back. But if the journal
        no longer holds ``head`` as committed, it was cut (or replaced) since, and another writer
        witnessed the new tail: the slot is written all the same, as evidence (the witness then
        names ``head``, which the journal does not hold, so verify fails), and the next check
        refuses the till's writes.
        """
        try:
            reading = self.reading()
        except Exception:
            reading = Reading(State.TORN)  # the write says why it cannot renew it
        if reading.state is State.OK and reading.seq >= head.seq:
            if reading.seq == head.seq and hmac.compare_digest(reading.hash, head.hash):
                return  # named already
            if hmac.compare_digest(self._hash_in_journal(head.seq), head.hash):
                return  # another writer went further: nothing to add
            log.error(
                "the journal no longer holds entry %d as this till committed it, and the head witness names"
                " entry %d: the journal was cut or replaced under the till",
                head.seq,
                reading.seq,
            )
            self.cut_found = (head.seq, reading.seq)
        self.record(self.seal(head))

    def check(self, head: Link) -> None:
        """Raise CutUnderTill if the journal, ``head`` its tip in this transaction, is behind its witness.

        Read through the map without the file's lock: the only writers meanwhile are other
        processes renewing it for entries committed before this transaction (inside the write lock
        no other commit comes between), and a slot caught half-written is torn, so it is skipped.
        (This process's own renewals take ``_lock``, as this reading does.)
        """
        if self.cut_found is not None:
            raise CutUnderTill(*self.cut_found)
        try:
            with self._lock:
                reading = self.reading()
        except Exception:
            return  # no witness to check against: the write will say why it cannot renew it
        if reading.state is not State.OK:
            return  # absent or torn: the rule of witness.py; forged: openings refuse it
        seq = reading.seq
        if seq == head.seq - 1:  # a sale's check: the witness names the entry it follows
            known = head.prev_hash
        elif seq > head.seq:
            raise CutUnderTill(seq, head.seq)
        else:
            known = head.hash if seq == head.seq else None
        if not hmac.compare_digest(known or self._hash_in_journal(seq), reading.hash):
            raise CutUnderTill(seq, head.seq)

    def reading(self) -> Reading:
        """What the witness says now: :meth:`Witness.newest` of its bytes. Bytes this process last
        read or wrote say what they said then; a slot that changed is read afresh, MAC checked."""
        view, descriptor = self._map, self._descriptor
        if view is None or descriptor is None or not self._still_in_place(descriptor):
            view = self._mapped(fresh=True)
        data = view[:]
        if data == self._file:
            return self._says
        readings = []
        for index in (0, 1):
            slot = data[index * SLOT : (index + 1) * SLOT]
            seen, reading = self._slots[index]
            if slot != seen:
                reading = self.witness.slot_reading(slot)
                self._slots[index] = (slot, reading)
            readings.append(reading)
        self._file, self._says = data, newest_of(readings)
        return self._says

    def _hash_in_journal(self, seq: int) -> str:
        """The hash of entry ``seq`` (a witness further behind than the entry the tip follows, or a
        renewal's own entry); "" if the journal does not hold it."""
        row = self.connection.execute("SELECT hash FROM journal WHERE seq = ?", (seq,)).fetchone()
        return "" if row is None else str(row[0])

    def seal(self, head: Link) -> Sealed:
        """The slot naming ``head``, MAC included, and what the witness says once it is written."""
        index = head.seq % 2
        slot, reading = self.witness.slot(head), Reading(State.OK, head.seq, head.hash)
        if len(self._file) != 2 * SLOT:
            return Sealed(index, slot, reading, b"", Reading(State.TORN))
        other = self._slots[1 - index][1]
        if other is None or other.state is not State.OK or other.seq < head.seq:
            says = reading
        else:
            says = newest_of((reading, other) if index == 0 else (other, reading))
        file = slot + self._file[SLOT:] if index == 0 else self._file[:SLOT] + slot
        return Sealed(index, slot, reading, file, says)

    def record(self, sealed: Sealed) -> None:
        """Write the slot (naming the entry just committed) into the witness. Never fails what is
        already on disk: a witness that cannot be written lags, and the log says why.

        The slot is written through a shared memory map of the file, not with ``write()``: a write
        call stamps the file's modification time, so ext4 journals its inode with the next fsync,
        the next sale's (measured: the sale's commit and even a bare fsync of another file slower
        by tens of µs). A store into a mapped page that is already dirty changes nothing else; the
        kernel writes the page out in its own time, which is all a witness without fsync asks.
        """
        index, slot = sealed.position, sealed.slot
        try:
            view = self._mapped(fresh=self._map is None)  # _name_now's reading has just checked it
            descriptor = self._descriptor
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # type: ignore[arg-type]  # set by _mapped
            try:
                view[index * SLOT : (index + 1) * SLOT] = slot
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)  # type: ignore[arg-type]
        except Exception as exc:  # the sale is committed: nothing here may report it as failed
            self._release()
            log.warning(
                "the head witness %s could not be written (%s): it lags until the next write", self.witness.path, exc
            )
            return
        self.recorded_seq = sealed.reading.seq
        # True whatever the file holds now: if another process wrote the other slot meanwhile, the
        # next reading finds other bytes and reads that slot afresh.
        self._slots[index] = (slot, sealed.reading)
        if sealed.file:
            self._file, self._says = sealed.file, sealed.says

    def close(self) -> None:
        """Renew what waits, then let the file go."""
        self.renew()
        self._release()

    def _release(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def _mapped(self, *, fresh: bool) -> mmap.mmap:
        """The map of the witness file; ``fresh`` checks first that it is still the file at its path
        and long enough (each reading does: the check before each COMMIT, and a renewal's before it writes).

        The file is opened (and mapped) again if it was replaced, removed or cut short meanwhile: a
        mapped page past the end of the file would kill the till (SIGBUS) when read or written. Only
        someone who can write the key's directory can do that between this check and the write.
        """
        if self._map is not None and self._descriptor is not None:
            if not fresh or self._still_in_place(self._descriptor):
                return self._map
            self._release()
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        self._descriptor = descriptor = os.open(self.witness.path, flags, 0o600)
        if os.fstat(descriptor).st_size < 2 * SLOT:  # new, or left short by a power cut
            os.ftruncate(descriptor, 2 * SLOT)
        self._map = mmap.mmap(descriptor, 2 * SLOT)
        return self._map

    @staticmethod
    def _still_in_place(descriptor: int) -> bool:
        """Whether the open file is still linked and long enough, in one system call: a file removed
        or replaced by another (renamed over it) has no link left."""
        status = os.fstat(descriptor)
        return status.st_nlink > 0 and status.st_size >= 2 * SLOT


class CutUnderTill(StoreError):
    """The journal was cut or replaced while the till had it open (see WitnessedWrite)."""

    def __init__(self, witnessed: int, tip: int):
        super().__init__(
            f"The journal was cut or replaced while the till was open (its head witness saw entry {witnessed};"
            " the journal now ends before it or differs): run `ofn-checkout journal verify`, and restore the"
            " last backup; nothing was written"
        )
        self.witnessed, self.tip = witnessed, tip
