"""The PIN lock-out's state in the store (one row of ``pin_lock``), so a restart keeps a lock.

The rules are in :mod:`appliance.core.lockout`; these functions read and write its state inside the
caller's write transaction.
"""

from __future__ import annotations

import sqlite3

from appliance.core.lockout import LockState, Tick


def read(connection: sqlite3.Connection) -> LockState:
    row = connection.execute("SELECT failures, locked_at, boot FROM pin_lock WHERE id = 1").fetchone()
    if row is None:
        return LockState()
    failures, locked_at, boot = row
    return LockState(failures, Tick(locked_at, boot) if locked_at is not None and boot is not None else None)


def write(connection: sqlite3.Connection, state: LockState) -> None:
    start = state.locked_at
    connection.execute(
        "INSERT INTO pin_lock (id, failures, locked_at, boot) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
        " SET failures = excluded.failures, locked_at = excluded.locked_at, boot = excluded.boot",
        (state.failures, start.seconds if start else None, start.boot if start else None),
    )


def current(connection: sqlite3.Connection, now: Tick) -> LockState:
    """The state as of ``now``: a lock read in another boot starts its minute again here."""
    state = read(connection)
    anchored = state.anchored(now)
    if anchored != state:
        write(connection, anchored)
    return anchored


def failed(connection: sqlite3.Connection, now: Tick) -> LockState:
    state = current(connection, now).failed(now)
    write(connection, state)
    return state


def succeeded(connection: sqlite3.Connection) -> None:
    if read(connection) != LockState():
        write(connection, LockState())
