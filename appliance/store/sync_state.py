"""What the sync engine keeps in the store, read without the HTTP stack.

The engine's bookkeeping (``sync_line``, ``sync_status``, the outbox's folding) lives in the
store, and the screens, the CLI and the reports read it from there: what waits, what is parked,
what the shelf should hold. None of it talks to OFN, so a screen can show the sync's state
without importing the OFN client, and the engine and its readers agree on one definition of a
line's target.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from appliance.core.clock import Clock, parse_utc, utc_text
from appliance.core.money import round_div
from appliance.core.text import agreeing, counted
from appliance.store import credit_postings
from appliance.store.database import Database, named, write_transaction

SALE_KINDS = ("sale", "return")
FOLDED_KINDS = (*SALE_KINDS, "pickup")  # outbox rows that change an order's items
#: The outbox rows the partial index ``outbox_open`` holds: folded into an order and not done. A
#: query spells these terms out so that SQLite, which matches them as written, uses the index.
OPEN_ROWS = "folded_into IS NOT NULL AND status != 'done'"


def units_of(grams: int, unit_grams: int | None) -> int:
    """Grams as whole OFN units, half away from zero, in integers (never a float, never banker's)."""
    return round_div(grams, unit_grams or 1000)


def target_of(line: sqlite3.Row) -> int:
    """What the order must hold: weighed goods by their running total, rounded once (half up)."""
    return int(line["base"] or 0) + line["own_units"] + units_of(line["own_grams"], line["unit_grams"])


def settled(line: sqlite3.Row) -> bool:
    """A read showed the line at its target, with nothing in flight and nothing parked."""
    return line["attention"] is None and not line["inflight"] and line["acked"] == target_of(line)


def retry_parked(db: Database) -> int:
    """A manager fixed OFN (stock, variant, order): put what was parked back in the queue."""
    with write_transaction(db) as conn:
        cleared = conn.execute("UPDATE sync_line SET attention = NULL WHERE attention IS NOT NULL").rowcount
        handovers = conn.execute(
            f"UPDATE outbox SET status = 'pending', last_error = NULL WHERE {OPEN_ROWS}"
            " AND status = 'attention' AND kind = 'pickup'"
        ).rowcount
        conn.execute(
            f"UPDATE outbox SET status = 'pending', last_error = NULL WHERE {OPEN_ROWS} AND status = 'attention'"
        )
        credits = credit_postings.retry_refused(conn)  # the ones in doubt wait for a person's answer
    return cleared + handovers + credits


HEADLINES = {
    "starting": "Sync has not run yet",
    "online": "Online",
    "offline": "OFN cannot be reached",
    "key_rejected": "OFN rejected the API key",
    "cycle_closed": "The order cycle is closed in OFN",
    "attention": "Sync needs attention",
}


@dataclass(frozen=True)
class Status:
    state: str
    message: str  # what happened and what to do, in a person's words
    last_success_at: str | None
    pending: int
    attention: int
    oldest_pending_s: int | None
    since: str | None = None  # when the current state began (UTC text)
    in_doubt: int = 0  # changes sent whose answer was lost, settled by a later read
    audit_unexplained: int = 0  # what the last audit against OFN found that nothing explains

    def as_record(self) -> dict[str, object]:
        return dict(self.__dict__)

    def overdue(self, after_s: int) -> bool:
        """A sale has waited for OFN ``after_s`` seconds or more: offline too long, or stuck."""
        return self.oldest_pending_s is not None and self.oldest_pending_s >= after_s

    def needs_person(self, after_s: int) -> bool:
        """What turns the status light red: something parked, an unexplained audit difference, or a
        sale that has waited longer than a hub accepts (``[counter] attention_after_minutes``)."""
        return bool(self.attention or self.audit_unexplained) or self.overdue(after_s)

    @property
    def waiting_in_the_box(self) -> str:
        """The sales not yet in OFN, as a sentence's start: "1 sale waits in the box"."""
        return f"{counted(self.pending, 'sale')} {agreeing(self.pending, 'waits', 'wait')} in the box"

    def summary(self, local: Callable[[str], str] = lambda text: text[11:16] + " UTC") -> str:
        """One line a person reads: what happened, since when, what waits, what to do.

        ``local`` turns a UTC text into the local time shown (the caller knows the zone).
        """
        headline = HEADLINES.get(self.state, self.state)
        since = f" since {local(self.since)}" if self.since and self.state != "online" else ""
        parts = [f"{headline}{since}" + (f": {self.message}" if self.message else "")]
        if self.pending:
            age = f", the oldest for {duration(self.oldest_pending_s)}" if self.oldest_pending_s else ""
            parts.append(f"{self.waiting_in_the_box}{age}; the till sells as usual")
        if self.in_doubt:
            parts.append(f"{counted(self.in_doubt, 'change')} sent without an answer yet, settled by the next reads")
        if self.audit_unexplained and "sync audit" not in self.message:
            parts.append(
                f"the audit found {counted(self.audit_unexplained, 'difference')} with OFN that nothing explains:"
                " run `ofn-checkout sync audit`"
            )
        return "; ".join(parts)


def duration(seconds: int | None) -> str:
    """A wait as a person reads it: 45 s, 12 min, 3 h 05 min."""
    if seconds is None or seconds < 120:
        return f"{seconds or 0} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def set_status(db: Database, clock: Clock, state: str, message: str = "", *, success: bool = False) -> None:
    """Record what the last pass found; ``since`` moves only when the state changes."""
    now = utc_text(clock.now())
    with write_transaction(db) as conn:
        conn.execute(
            "UPDATE sync_status SET since = CASE WHEN state = ? AND since IS NOT NULL THEN since ELSE ? END,"
            " state = ?, message = ?, last_attempt_at = ?,"
            " last_success_at = CASE WHEN ? THEN ? ELSE last_success_at END",
            (state, now, state, message, now, success, now),
        )


def record_audit(db: Database, clock: Clock, unexplained: int) -> None:
    """What the last audit against OFN found: the daemon keeps saying so until one is clean."""
    with write_transaction(db) as conn:
        conn.execute("UPDATE sync_status SET audit_at = ?, audit_unexplained = ?", (utc_text(clock.now()), unexplained))


def folded_up_to(conn: sqlite3.Connection) -> int:
    """The id of the newest folded outbox row: every row after it is unfolded, and none before it.

    The engine folds rows in id order and a sale's row is committed before the next one gets an
    id, so the unfolded rows are always the newest. Scanning back from the tail finds them with no
    index, which saves every sale an index page.
    """
    row = conn.execute("SELECT id FROM outbox WHERE folded_into IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else 0


def read_status(conn: sqlite3.Connection, now: datetime) -> Status:
    row = named(conn).execute("SELECT * FROM sync_status").fetchone()
    folded = folded_up_to(conn)
    pending, attention, oldest = (
        named(conn)
        .execute(
            "SELECT sum(status = 'pending'), sum(status = 'attention'), min(created_at) FROM"
            " (SELECT status, created_at FROM outbox WHERE id > ?"
            f" UNION ALL SELECT status, created_at FROM outbox WHERE {OPEN_ROWS}"
            # credit postings are never folded: the open ones the newest rows above left out
            f" UNION ALL SELECT status, created_at FROM outbox WHERE {credit_postings.OPEN} AND id <= ?)",
            (folded, folded),
        )
        .fetchone()
    )
    age = max(0, int((now - parse_utc(oldest)).total_seconds())) if oldest else None
    in_doubt = conn.execute("SELECT count(*) FROM sync_line WHERE inflight != 0").fetchone()[0]
    return Status(
        row["state"],
        row["message"],
        row["last_success_at"],
        pending or 0,
        attention or 0,
        age,
        row["since"],
        in_doubt,
        row["audit_unexplained"],
    )


def outbox_state(conn: sqlite3.Connection, journal_seq: int) -> str:
    """Where sync is with one sale: ``done`` once a read of OFN showed its effect, ``pending`` while
    it waits (or is in doubt), ``attention`` when it was parked for a person; ``none`` for an entry
    that sends nothing to OFN."""
    row = conn.execute("SELECT status FROM outbox WHERE journal_seq = ?", (journal_seq,)).fetchone()
    return str(row[0]) if row else "none"


def stock_levels(conn: sqlite3.Connection) -> dict[int, int | None]:
    """What the shelf should hold: OFN's on hand minus this box's sales OFN has not seen yet."""
    unposted: dict[int, int] = defaultdict(int)
    for line in named(conn).execute("SELECT * FROM sync_line").fetchall():
        unposted[line["variant_id"]] += target_of(line) - (
            line["acked"] if line["acked"] is not None else (line["base"] or 0)
        )
    units = dict(named(conn).execute("SELECT id, unit_grams FROM variant").fetchall())
    for row in named(conn).execute(
        f"SELECT payload FROM outbox WHERE id > ? AND folded_into IS NULL AND kind IN {FOLDED_KINDS}",
        (folded_up_to(conn),),
    ):
        for change in json.loads(row[0])["variants"]:
            grams = change["weight_g"]
            unposted[change["variant_id"]] += (
                units_of(grams, units.get(change["variant_id"])) if grams else change["quantity"]
            )
    return {
        row[0]: None if row[2] else (row[1] or 0) - unposted.get(row[0], 0)
        for row in named(conn).execute("SELECT id, on_hand, on_demand FROM variant")
    }


def recent_events(conn: sqlite3.Connection, limit: int = 10) -> list[dict[str, object]]:
    """The sync's last findings (rebases, parkings, settlements), newest first."""
    rows = named(conn).execute(
        "SELECT at, order_number, variant_id, kind, detail FROM sync_event ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [dict(row) for row in rows.fetchall()]
