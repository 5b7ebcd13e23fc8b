"""Customer credit: the sync daemon posts each payment by credit to OFN, once in effect.

OFN's ``POST /api/v1/customer_account_transaction`` has no idempotency key (a repeated POST
debits twice), and no API reads a customer's credit, except the running ``balance`` in that POST's
own answer (OFN sums it under a lock on the customer). So the daemon never repeats a posting
blindly. For each posting, in the order the sales were sealed:

1. it reads the balance (a zero-amount posting: OFN accepts any amount, and the answer carries the
   balance) and keeps it as ``before``;
2. it marks the posting sent (``sent_at``) in its own transaction, then POSTs minus the amount
   paid, with a description naming the lane, the sale's number and its UUID;
3. an answer settles it: done, with OFN's transaction id and balance. A refusal (404 unknown
   customer, 401 not the hub's, 422) parks it for a manager: it was not applied.
4. a lost answer leaves it **in doubt**: OFN may still apply it, so nothing is sent until
   ``sync.in_doubt_s`` after ``sent_at`` (or at once when OFN's application itself answered and
   the request is over). Then a balance read decides: ``before + amount``, it landed (done);
   ``before``, it did not (sent again from step 1); anything else, something else moved the
   credit meanwhile (an online checkout, another box, a manager) and only a person can tell: it is
   parked with the description to look for in OFN's admin, and a person answers for it
   (``appliance/store/credit_postings.py``): a blanket retry never sends it again.

A posting for a customer waits while an earlier one for the same customer is in doubt or parked,
so the balances compared are never mixed up. docs/ofn-setup.md says what stays unsafe.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from appliance.core.clock import Clock, parse_utc, utc_text
from appliance.core.money import from_cents
from appliance.ofn.answers import Fields
from appliance.ofn.errors import NotAllowed, NotFound, OfnUnavailable, Refused
from appliance.store.database import Database, named, write_transaction

log = logging.getLogger(__name__)

PATH = "/api/v1/customer_account_transaction"
#: The description of a balance read (OFN prefixes "API credit: ").
READ_NOTE = "OFN Checkout: balance read before or after a payment by credit"


@dataclass(frozen=True)
class Posted:
    """OFN's answer to one transaction: its id, the amount and the running balance (cents)."""

    transaction_id: int
    amount: int
    balance: int


def transaction_answer(body: Any, path: str) -> Posted:
    data = Fields(body, path, "").maybe_child("data")
    if data is None:
        Fields(body, path, "").fail("data", None, "the created transaction")
    attributes = data.maybe_child("attributes")
    if attributes is None:
        data.fail("attributes", None, "the transaction's attributes")
    return Posted(
        transaction_id=attributes.id("id"),
        amount=attributes.amount("amount", -(10**11), 10**11),
        balance=attributes.amount("balance", -(10**11), 10**11),
    )


def transaction_body(customer_id: int, amount: int, description: str) -> dict[str, Any]:
    """What OFN's controller permits: the customer, the amount (a decimal string), a description."""
    return {
        "customer_account_transaction": {
            "customer_id": customer_id,
            "amount": str(from_cents(amount)),
            "description": description,
        }
    }


Post = Callable[[int, int, str], Posted]


@dataclass
class CreditResult:
    posted: int = 0
    parked: int = 0
    waiting: int = 0  # in doubt, or behind one that is


class CreditPoster:
    def __init__(self, db: Database, post: Post, clock: Clock, *, in_doubt_s: int = 240):
        """``post`` sends one transaction and never repeats it (``OfnClient.post_credit``)."""
        self.db = db
        self.post = post
        self.clock = clock
        self.in_doubt = timedelta(seconds=in_doubt_s)

    def drain(self) -> CreditResult:
        """Every pending posting once, oldest first; OFN out of reach stops the pass (OfnUnavailable)."""
        result = CreditResult()
        blocked: set[int] = set()  # customers with an earlier posting in doubt or parked
        for row in self._open_postings():
            if row["customer_id"] in blocked:
                result.waiting += 1
                continue
            if row["status"] == "attention" or not self._settle(row, result):
                blocked.add(row["customer_id"])
        return result

    def _open_postings(self) -> list[sqlite3.Row]:
        return (
            named(self.db.conn)
            .execute(
                "SELECT o.id, o.status, c.customer_id, c.amount, c.description, c.before, c.sent_at"
                " FROM outbox AS o JOIN credit_posting AS c ON c.outbox_id = o.id"
                " WHERE o.kind = 'credit' AND o.status != 'done' ORDER BY o.id"
            )
            .fetchall()
        )

    def _settle(self, row: sqlite3.Row, result: CreditResult) -> bool:
        """Bring one posting forward; False if it is still open (in doubt, or parked)."""
        if row["sent_at"] is not None and not self._decide_in_doubt(row, result):
            return False
        try:
            before = self.post(row["customer_id"], 0, READ_NOTE).balance
        except (NotFound, NotAllowed, Refused) as refused:
            return self._park(row, result, f"OFN refused the customer {row['customer_id']}: {refused.message}")
        self._write(
            "UPDATE credit_posting SET before = ?, sent_at = ? WHERE outbox_id = ?", before, self._now(), row=row
        )
        try:
            posted = self.post(row["customer_id"], row["amount"], row["description"])
        except (NotFound, NotAllowed, Refused) as refused:
            self._write("UPDATE credit_posting SET sent_at = NULL WHERE outbox_id = ?", row=row)
            return self._park(row, result, f"OFN refused the posting: {refused.message}")
        except OfnUnavailable as lost:
            if not lost.maybe_applied:
                self._write("UPDATE credit_posting SET sent_at = NULL WHERE outbox_id = ?", row=row)
            elif not lost.may_apply_later:  # OFN's application answered: a read now tells it all
                over = utc_text(self.clock.now() - self.in_doubt)  # no window to wait out
                self._write("UPDATE credit_posting SET sent_at = ? WHERE outbox_id = ?", over, row=row)
            raise
        self._done(row, posted.transaction_id, posted.balance)
        result.posted += 1
        return True

    def _decide_in_doubt(self, row: sqlite3.Row, result: CreditResult) -> bool:
        """After a lost answer: True when it is known not to have landed (send it again); done or
        parked otherwise (False)."""
        if self.clock.now() < parse_utc(row["sent_at"]) + self.in_doubt:
            result.waiting += 1
            return False  # OFN may still apply it: wait, never send a second one now
        try:
            now = self.post(row["customer_id"], 0, READ_NOTE).balance
        except (NotFound, NotAllowed, Refused) as refused:
            self._park(row, result, f"OFN refused the customer {row['customer_id']}: {refused.message}")
            return False
        before, amount = row["before"], row["amount"]
        if before is not None and now == before + amount:
            log.info("credit posting %d landed (its answer was lost): balance %s", row["id"], from_cents(now))
            self._done(row, None, now)
            result.posted += 1
            return False
        if before is not None and now == before:
            log.info("credit posting %d did not land (its answer was lost): sending it again", row["id"])
            self._write("UPDATE credit_posting SET sent_at = NULL WHERE outbox_id = ?", row=row)
            return True
        shown = "unknown" if before is None else str(from_cents(before))
        self._park(
            row,
            result,
            f"OFN's answer to the credit posting was lost, and the customer's credit moved otherwise"
            f" meanwhile (before {shown}, now {from_cents(now)}): look in OFN (the customer's credit) for"
            f' "{row["description"]}"; if it is there, `ofn-checkout sync credit-done {row["id"]}`, else'
            f" `ofn-checkout sync credit-resend {row['id']}`",
        )
        return False

    def _park(self, row: sqlite3.Row, result: CreditResult, reason: str) -> bool:
        with write_transaction(self.db) as conn:
            conn.execute(
                "UPDATE outbox SET status = 'attention', last_error = ?, attempts = attempts + 1, updated_at = ?"
                " WHERE id = ?",
                (reason, self._now(), row["id"]),
            )
        log.warning("credit posting %d parked: %s", row["id"], reason)
        result.parked += 1
        return False

    def _done(self, row: sqlite3.Row, transaction_id: int | None, balance: int) -> None:
        with write_transaction(self.db) as conn:
            conn.execute(
                "UPDATE credit_posting SET transaction_id = ?, balance = ?, sent_at = NULL WHERE outbox_id = ?",
                (transaction_id, balance, row["id"]),
            )
            conn.execute(
                "UPDATE outbox SET status = 'done', last_error = NULL, attempts = attempts + 1, updated_at = ?"
                " WHERE id = ?",
                (self._now(), row["id"]),
            )
        if balance < 0:
            log.warning("customer %d's credit in OFN is below zero now: %s", row["customer_id"], from_cents(balance))

    def _write(self, sql: str, *values: object, row: sqlite3.Row) -> None:
        with write_transaction(self.db) as conn:
            conn.execute(sql, (*values, row["id"]))

    def _now(self) -> str:
        return utc_text(self.clock.now())


__all__ = ["PATH", "CreditPoster", "CreditResult", "Posted", "transaction_answer", "transaction_body"]
