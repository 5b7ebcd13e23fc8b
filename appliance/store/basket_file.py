"""The basket in progress, kept beside the store after every change, outside the journal.

A file of its own (``<store>.basket``), replaced whole by a rename on each change, so a kill
leaves the last basket or the one before, never half of one. It is not flushed to the disk: a
process that dies leaves its writes in the kernel's cache, which is what a crash or a watchdog
restart needs; a power cut may lose the last few changes of a basket, never a sale (sales are in
the journal, flushed at every commit). Flushing on every scan would cost an SD card a write per
product for data that is not fiscal.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: How long the thread leaves the process to itself after a change before writing it (see Keeper).
SETTLE = 0.005

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC


def basket_path(store: Path) -> Path:
    return store.with_name(store.name + ".basket")


def encoded(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def keep(path: Path, data: bytes) -> None:
    """Replace the kept basket by ``data`` (an :func:`encoded` record)."""
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, _FLAGS, 0o600)
    try:
        os.write(descriptor, data)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)


def kept(path: Path) -> dict[str, Any] | None:
    """The kept basket, or None when there is none; a file that is not a basket raises ValueError."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return None
    record = json.loads(data)
    if not isinstance(record, dict):
        raise ValueError("not a basket")
    return record


def drop(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def set_aside(path: Path) -> Path:
    """Keep an unreadable basket for support to look at, out of the till's way."""
    aside = path.with_name(path.name + ".unreadable")
    os.replace(path, aside)
    return aside


class Keeper:
    """Keeps the basket on a thread of its own: the newest version, written as soon as it can be.

    A rename (and an unlink) waits for the file system's journal. While another process commits
    (the sync daemon writing a catalogue refresh, a backup), that wait was 5 ms and up to 400 ms
    on this machine's disk, on every scan (bench/counter_scan.py, docs/benchmarks.md), and an SD
    card is slower. The counter's screen must not wait for that: the caller hands over the record,
    encoded on its own thread (so it is the basket as it was, and this thread, which only makes
    system calls, never holds Python's lock while the screen draws), and goes on; this thread
    writes it, and when several came meanwhile, only the newest.

    The thread writes a change ``settle`` seconds after it came (5 ms; changes that come meanwhile
    are written as one, the newest), not at once: the counter draws its new line in that moment,
    and a write beside it (about a millisecond of the system's time for the rename on ext4, and
    Python's lock taken back and forth at each system call) made a scan's line show 0.5-0.7 ms
    later (bench/counter_scan.py, docs/benchmarks.md). :meth:`flush` and :meth:`close` do not wait.

    The file then trails the screen by that moment and the write's time (a few milliseconds, unless
    the disk is busy): a crash in that moment loses the last change of an unpaid basket, which the
    cashier sees on the screen that comes back. Sales are never kept here; the journal has them.
    """

    def __init__(self, path: Path, *, settle: float = SETTLE):
        self.path = path
        self.settle = settle
        self._changed = threading.Condition()
        self._pending: tuple[bytes | None] | None = None  # (None,): drop the file
        self._writing = False
        self._closed = False
        self._hurry = False  # flush() or close() waits: no settling
        self._thread: threading.Thread | None = None

    def keep(self, record: dict[str, Any] | None) -> None:
        """Have ``record`` written (None: there is no basket any more); returns at once."""
        with self._changed:
            if self._closed:
                raise RuntimeError("the basket keeper is closed")
            self._pending = (None if record is None else encoded(record),)
            self._changed.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="basket keeper", daemon=True)
                self._thread.start()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until what was handed over is written; False if ``timeout`` passed first."""
        with self._changed:
            self._hurry = True
            self._changed.notify_all()
            try:
                return self._changed.wait_for(self._written, timeout)
            finally:
                self._hurry = False

    def close(self, timeout: float = 10.0) -> None:
        """Write what is waiting, then stop the thread."""
        with self._changed:
            self._hurry = True
            self._changed.notify_all()
            self._changed.wait_for(self._written, timeout)
            self._closed = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _written(self) -> bool:
        """Nothing waits to be written and nothing is being written (called under the lock)."""
        return self._pending is None and not self._writing

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending is not None or self._closed)
                if self._pending is None:
                    return  # closed, nothing left to write
                if self.settle > 0:  # the caller's moment after the change: see the class's docstring
                    self._changed.wait_for(lambda: self._hurry or self._closed, self.settle)
                (data,), self._pending = self._pending, None
                self._writing = True
            try:
                if data is None:
                    drop(self.path)
                else:
                    keep(self.path, data)
            except OSError:  # a full disk must not stop the sale; the journal is what counts
                log.exception("keeping the basket in progress failed")
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()
