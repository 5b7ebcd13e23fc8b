"""One sync pass at a time, across every process that talks to OFN for this store.

Reconciliation by state is exact only if nothing else of ours writes to OFN behind a pass's back:
two passes at once each read the order, each decide a change is missing, and both send it. So the
daemon, ``sync --once`` and ``sync retry`` all take this lock for the whole of a pass.

It is an ``flock`` on a file beside the store: the kernel releases it when its holder exits, even by
SIGKILL or a power cut, so a crashed process can never keep it. The file is never deleted (a
second process could otherwise lock a new file while the first still holds the old one); it holds
the pid of the last holder, so a refusal can say who is running.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from appliance.store.database import Database

POLL_S = 0.05

log = logging.getLogger(__name__)


class SyncBusy(Exception):
    """Another process holds the pass lock, and waiting for it took too long."""

    def __init__(self, pid: int | None, waited_s: float):
        self.pid = pid
        self.waited_s = waited_s
        who = f" (pid {pid})" if pid else ""
        super().__init__(f"a sync pass is already running{who}: try again in a moment")


def lock_path(db: Database) -> Path:
    """The lock file beside the store's database file."""
    database = Path(db.conn.execute("PRAGMA database_list").fetchone()[2])
    return database.with_name(database.name + ".sync-lock")


@contextmanager
def sync_pass(
    db: Database,
    *,
    wait_s: float,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[float]:
    """Hold the pass lock for the ``with`` block; yields how long it waited for it (seconds).

    Waits up to ``wait_s`` for another holder to finish its pass, then raises :class:`SyncBusy`.
    """
    path = lock_path(db)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        started = monotonic()
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = monotonic() - started
                if not told:  # once per wait: the log shows who held the pass, and a test can see the wait begin
                    log.info("another sync pass is running (pid %s): waiting up to %.0f s", _holder(fd), wait_s)
                    told = True
                if waited >= wait_s:
                    raise SyncBusy(_holder(fd), waited) from None
                sleep(min(POLL_S, wait_s - waited))
        waited = monotonic() - started
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield waited
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
