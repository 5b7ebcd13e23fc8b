"""What a store holds, in figures: for support staff reading a support bundle far from the box.

Read through a plain read-only connection, without the opening checks, so a store that a command
refuses (cut, replaced, from a newer version) still shows what it holds: that is when support
needs the figures most.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from appliance.store.database import StoreError, connect, explain, named
from appliance.store.schema_audit import applied_migrations
from appliance.store.sync_state import read_status


def store_statistics(path: Path, now: datetime) -> dict[str, Any]:
    """Files and their sizes, rows per table, the outbox by kind and status, the sync state."""
    figures: dict[str, Any] = {"path": str(path), "files": _files(path)}
    try:
        db = connect(path, write=False)
    except StoreError as exc:
        figures["error"] = str(exc)
        return figures
    try:
        conn = db.conn
        figures["migrations"] = list(applied_migrations(conn))
        figures["page_size"], figures["pages"], figures["free_pages"] = (
            conn.execute(f"PRAGMA {pragma}").fetchone()[0] for pragma in ("page_size", "page_count", "freelist_count")
        )
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        figures["rows"] = {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
        if "outbox" in tables:
            figures["outbox"] = [
                dict(row)
                for row in named(conn).execute(
                    "SELECT kind, status, count(*) AS rows, min(created_at) AS oldest, max(attempts) AS most_attempts"
                    " FROM outbox GROUP BY kind, status ORDER BY kind, status"
                )
            ]
        if "sync_status" in tables and conn.execute("SELECT count(*) FROM sync_status").fetchone()[0]:
            figures["sync"] = read_status(conn, now).as_record()
        if "journal" in tables:
            row = conn.execute("SELECT count(*), max(seq), max(created_at) FROM journal").fetchone()
            figures["journal"] = {"entries": row[0], "last_seq": row[1], "last_at": row[2]}
    except sqlite3.DatabaseError as exc:
        figures["error"] = f"{path} {explain(exc)}"
    finally:
        db.close()
    return figures


def _files(path: Path) -> dict[str, int | None]:
    """The database, its WAL (a large one means checkpoints stopped: is the sync daemon running?) and -shm."""
    sizes: dict[str, int | None] = {}
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        try:
            sizes[file.name] = file.stat().st_size
        except OSError:
            sizes[file.name] = None
    return sizes
