"""The needs-attention list: what sync parked or found, each with what to do in OFN, in plain words.

The sync engine parks a change with a reason written for support staff ("OFN refused POST
/api/v0/…: "Flour" is out of stock.: correct it in OFN, then run `sync retry`"). A hub manager
at the till needs the same thing said as a task: which product, which order, what to change on
which page of OFN's admin, and whether retrying then helps. This module turns each reason into
that task; the counter's "Needs attention" screen and ``ofn-checkout sync status`` both show it.

The reasons are recognised by the engine's own words (``appliance/ofn/sync.py``); one the
module does not know keeps the engine's text, which always says what to do as well.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from appliance.core.clock import utc_text
from appliance.core.money import from_cents
from appliance.store.credit_postings import ParkedPosting
from appliance.store.sync_attention import CREDIT, Finding, Key, Parked, findings, parked_items
from appliance.store.sync_state import Status, read_status

#: People's edits and old orders left to pay are shown for this long after the sync found them.
FINDINGS_FOR = timedelta(days=7)

_API_CALL = re.compile(r"OFN refused (?:GET|POST|PUT|PATCH|DELETE) \S+: ")
_RETRY_TAIL = re.compile(r"[,:;]?\s*(?:correct it in OFN|correct the stock)?,?\s*then (?:run )?`sync retry`\s*$")


@dataclass(frozen=True)
class Task:
    """One line of the list: where, what happened, and what a manager does about it."""

    order: str
    variant_id: int | None
    product: str
    at: str | None  # UTC text: when sync parked or found it
    said: str  # what happened, in the engine's words without its command-line advice
    todo: str  # what to do in OFN, in plain words
    retry_helps: bool  # once OFN is fixed, a retry sends it; False: it is settled in OFN by hand
    credit: ParkedPosting | None = None  # a posting to a customer's credit (``order`` names the customer)

    @property
    def key(self) -> Key:
        """What the sync's state of it is read by after a retry (``sync_attention.line_states``)."""
        return (CREDIT, self.credit.posting) if self.credit else (self.order, self.variant_id)

    @property
    def answer_needed(self) -> bool:
        """A credit posting that may have landed: a person says whether it is in OFN (no retry sends it)."""
        return self.credit is not None and self.credit.in_doubt

    @property
    def where(self) -> str:
        """Where it is, as a manager finds it in OFN: the order, and the product with its variant id;
        or the customer whose credit a posting changes."""
        if self.credit is not None:
            return f"credit posting {self.credit.posting} · {self.order}"
        if self.variant_id is None:
            return f"order {self.order}"
        name = f"{self.product} (variant {self.variant_id})" if self.product else f"variant {self.variant_id}"
        return f"order {self.order} · {name}"


@dataclass(frozen=True)
class AttentionList:
    status: Status
    waiting: list[Task]  # parked: nothing more is sent for these until a manager retries
    found: list[Task]  # recent findings nothing waits on (people's edits kept, old orders to pay)
    attention_after_s: int

    @property
    def overdue(self) -> bool:
        return self.status.overdue(self.attention_after_s)


def attention_list(conn: sqlite3.Connection, now: datetime, attention_after_s: int) -> AttentionList:
    recent = findings(conn, utc_text(now - FINDINGS_FOR))
    return AttentionList(
        read_status(conn, now),
        [task_for(item) for item in parked_items(conn)],
        [found_task(item) for item in recent],
        attention_after_s,
    )


def headline(status: Status, local: Callable[[str], str]) -> str:
    """The sync's status line for the list's head: it points at the list, not at the command line."""
    return status.summary(local).replace("see `ofn-checkout sync status`", "see the list below")


def said(reason: str) -> str:
    """The engine's reason without the API path and the command line's "then `sync retry`"."""
    return _RETRY_TAIL.sub("", _API_CALL.sub("OFN refused it: ", reason)).strip()


def task_for(item: Parked) -> Task:
    todo, retry_helps = credit_advice(item.credit) if item.credit else advice(item)
    return Task(
        item.order, item.variant_id, item.product, item.since, said(item.reason), todo, retry_helps, item.credit
    )


def credit_advice(posting: ParkedPosting) -> tuple[str, bool]:
    """What to do in OFN for a parked posting to a customer's credit; whether a retry sends it."""
    if posting.in_doubt:
        return (
            f"Look on the customer's credit page in OFN's admin (Customers, {posting.who}) for"
            f' "{posting.description}" ({from_cents(posting.amount)}). Then say whether it is there:'
            " found, it is never sent again; not there, it is sent again.",
            False,
        )
    return (
        f"OFN refused the posting for {posting.who}: in OFN's admin (Customers), check that the customer"
        " exists and belongs to the hub.",
        True,
    )


def found_task(item: Finding) -> Task:
    if item.kind == "rebased":
        todo = (
            f"Someone changed order {item.order} by hand in OFN, and the box kept their change. Nothing to do if"
            f" it was meant; otherwise correct the order in OFN's admin (Orders, {item.order})."
        )
    else:
        todo = f"In OFN's admin, Orders, {item.order}, Payments: record the payment of the takings."
    return Task(item.order, item.variant_id, item.product, item.at, item.detail, todo, False)


def advice(item: Parked) -> tuple[str, bool]:
    """What to do in OFN for one parked change, and whether a retry helps once it is done."""
    reason, product, order = item.reason, item.product or f"variant {item.variant_id}", item.order
    if "out of stock" in reason or "added nothing" in reason:
        more = f" plus {item.missing}" if item.missing > 0 else ""
        return (
            f"OFN's stock of {product} is short: the goods have left the shelf here. In OFN's admin, Products,"
            f" set its stock (on hand) to what is on the shelf now{more}, which the box then takes off.",
            True,
        )
    if "does not know variant" in reason:
        return (
            f"OFN no longer has {product}: it was deleted there, or the box's catalogue was older. If it was"
            " deleted by mistake, put it back in OFN's admin (Products). If it is gone for good, leave this"
            " line: the sale stays in the box's journal and accounts.",
            True,
        )
    if "would take off more than" in reason:
        return (
            f"Order {order} in OFN holds less {product} than the box would take off (returns of goods sold in"
            " an earlier cycle, or the order changed in OFN after the box posted to it). Correct the order's"
            f" lines by hand in OFN's admin (Orders, {order}), and restock {product} if goods came back.",
            False,
        )
    if "still due on order" in reason:
        return (
            f"The customer paid at the counter, but OFN still shows money due. In OFN's admin, Orders, {order},"
            " Payments: record the payment (the amounts are above and in the order's note); the box then marks"
            " the order shipped.",
            True,
        )
    if "was canceled in OFN" in reason:
        return (
            f"The order was canceled in OFN after the customer took it. Settle it with the customer in OFN's"
            f" admin (Orders, {order}); the box sends nothing more for it.",
            False,
        )
    return (f"Correct what it names in OFN's admin (Orders, {order}).", True)
