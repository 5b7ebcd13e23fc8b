"""Postings to customers' credit that the sync daemon parked, and a manager's two answers to them.

The daemon (``appliance/ofn/credit.py``) parks a posting for one of two reasons, and they are
answered differently:

- OFN **refused** it (an unknown customer, not the hub's, a 422): it was not applied, so once
  the customer is fixed in OFN, sending it again is safe; ``sync retry`` and the Needs attention
  screen's retry do it with the rest of what is parked.
- its answer was **lost** and the customer's credit moved by another road meanwhile: it may have
  landed. Only a person looking at the customer's credit in OFN can tell, so a blanket retry
  leaves it alone (sending it again blindly could debit the customer twice). The manager answers
  for this posting (:func:`answer`): found in OFN (never sent again), or not there (sent again).

A posting is *in doubt* while ``credit_posting.sent_at`` is set: the daemon marked it sent and
never learned whether it landed (a refusal or a known failure clears it).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from appliance.store.database import Database, StoreError, named, write_transaction

#: The outbox's open postings, as its partial index ``outbox_credit_open`` holds them (a query spells
#: these terms out so that SQLite, which matches them as written, uses the index).
OPEN = "kind = 'credit' AND status != 'done'"
#: The parked postings: the outbox row, and its posting.
_PARKED = (
    "FROM outbox AS o JOIN credit_posting AS c ON c.outbox_id = o.id"
    " LEFT JOIN customer AS cu ON cu.ofn_id = c.customer_id"
    " WHERE o.kind = 'credit' AND o.status != 'done' AND o.status = 'attention'"
)


@dataclass(frozen=True)
class ParkedPosting:
    """A posting to a customer's credit that waits for a person."""

    posting: int  # its outbox id: what ``sync credit-done`` and ``credit-resend`` take
    customer_id: int  # OFN's id of the customer
    customer: str  # the customer's name, as the box last read it ("" if it never did)
    amount: int  # cents added to the credit (a payment by credit: negative)
    description: str  # the words OFN's admin shows on the customer's credit page
    reason: str  # the daemon's words
    since: str | None  # UTC text: when it was parked
    in_doubt: bool  # it may have landed: only a person decides

    @property
    def who(self) -> str:
        return f"{self.customer} (OFN customer {self.customer_id})" if self.customer else f"customer {self.customer_id}"


def parked_postings(conn: sqlite3.Connection) -> list[ParkedPosting]:
    rows = named(conn).execute(
        "SELECT o.id, c.customer_id, cu.name, c.amount, c.description, o.last_error, o.updated_at, c.sent_at"
        f" {_PARKED} ORDER BY o.id"
    )
    return [
        ParkedPosting(
            row["id"],
            row["customer_id"],
            row["name"] or "",
            row["amount"],
            row["description"],
            row["last_error"] or "",
            row["updated_at"],
            row["sent_at"] is not None,
        )
        for row in rows.fetchall()
    ]


def retry_refused(conn: sqlite3.Connection) -> int:
    """Send again, on the next pass, the parked postings OFN refused (never applied); in the
    caller's transaction. The ones in doubt stay parked for a person."""
    return conn.execute(
        f"UPDATE outbox SET status = 'pending', last_error = NULL WHERE {OPEN} AND status = 'attention'"
        " AND id IN (SELECT outbox_id FROM credit_posting WHERE sent_at IS NULL)"
    ).rowcount


def in_doubt_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute(f"SELECT count(*) {_PARKED} AND c.sent_at IS NOT NULL").fetchone()[0])


def answer(db: Database, posting: int, *, found: bool) -> None:
    """A manager looked on the customer's credit page in OFN. ``found``: the posting landed, nothing
    more is sent for it (any open posting may be answered so). Not found: the next pass sends it
    again, a balance read first as for any posting (only a parked one: a pending one is on its way)."""
    if found:
        status, open_one, what = "done", "status != 'done'", "open"
    else:
        status, open_one, what = "pending", "status = 'attention'", "parked"
    with write_transaction(db) as conn:
        changed = conn.execute(
            f"UPDATE outbox SET status = ?, last_error = NULL WHERE id = ? AND kind = 'credit' AND {open_one}",
            (status, posting),
        ).rowcount
        if not changed:
            raise StoreError(f"There is no {what} credit posting {posting}: see `ofn-checkout sync status`")
        conn.execute("UPDATE credit_posting SET sent_at = NULL WHERE outbox_id = ?", (posting,))
