"""The fiscal journal in SQLite: appending sealed entries and reading them back to verify.

:func:`append` runs inside the caller's write transaction, so an entry exists exactly when the
sale, shift or closure it records does. An entry's ``seq`` is its rowid: the lane's entries are
numbered 1, 2, 3… with no gap, and a range of them is a range of rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from appliance.core.clock import utc_text
from appliance.core.seal import (
    GENESIS,
    Anchor,
    Entry,
    canonical,
    make_anchor,
    make_entry,
)


@dataclass(frozen=True)
class Tip:
    """The last entry: what the next entry chains onto."""

    seq: int
    hash: str
    kind: str
    created_at: str
    prev_hash: str | None = None  # the entry before's hash: what a witness one behind names


def tip(connection: sqlite3.Connection) -> Tip | None:
    row = connection.execute(
        "SELECT seq, hash, kind, created_at, prev_hash FROM journal ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    return Tip(*row) if row else None


def append(
    connection: sqlite3.Connection,
    key: bytes,
    lane_id: int,
    kind: str,
    ref: str,
    payload: object,
    at: datetime,
    *,
    after: Tip | None = None,
) -> Entry:
    """Seal and insert one entry, and move the anchor onto it. The caller holds the write lock.

    ``after`` saves a query when the caller has just read the tip in the same transaction.
    """
    last = after if after is not None else tip(connection)
    entry = make_entry(
        key,
        lane_id,
        (last.seq if last else 0) + 1,
        kind,
        ref,
        utc_text(at),
        last.hash if last else GENESIS,
        canonical(payload),
    )
    connection.execute(
        "INSERT INTO journal (seq, lane_id, kind, ref, created_at, payload, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (entry.seq, entry.lane_id, entry.kind, entry.ref, entry.created_at, entry.payload, entry.prev_hash, entry.hash),
    )
    anchor = make_anchor(key, entry)
    # An UPDATE, not an upsert: an upsert runs the anchor's insert trigger as well as its update
    # trigger on every entry (both check the journal's last entry: 8,000 instructions a sale).
    moved = connection.execute(
        "UPDATE journal_anchor SET seq = ?, hash = ?, mac = ? WHERE lane_id = ?",
        (anchor.seq, anchor.hash, anchor.mac, anchor.lane_id),
    ).rowcount
    if not moved:  # the store's first entry
        connection.execute(
            "INSERT INTO journal_anchor (lane_id, seq, hash, mac) VALUES (?, ?, ?, ?)",
            (anchor.lane_id, anchor.seq, anchor.hash, anchor.mac),
        )
    return entry


def entries(connection: sqlite3.Connection) -> Iterator[Entry]:
    cursor = connection.execute(
        "SELECT lane_id, seq, kind, ref, created_at, payload, prev_hash, hash FROM journal ORDER BY seq"
    )
    cursor.arraysize = 1000
    while rows := cursor.fetchmany():
        for row in rows:
            yield Entry(*row)


def anchor(connection: sqlite3.Connection, lane_id: int) -> Anchor | None:
    row = connection.execute(
        "SELECT lane_id, seq, hash, mac FROM journal_anchor WHERE lane_id = ?", (lane_id,)
    ).fetchone()
    return Anchor(*row) if row else None
