"""What a replay did, read back from the journal: the sales it sealed and where sync is with each.

The summary is read from the store after the app has stopped, not from what the screens said: a
support person compares it with OFN, and a test compares it with the journal. Sale numbers are
gap-less per lane, so the replay's sales are the numbers above the last one before it started.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from appliance.core.money import from_cents
from appliance.core.text import counted
from appliance.reports.formatting import Formatter
from appliance.store.sales import StoredSale
from appliance.till import Till

#: The outbox's words for where sync is with a sale, and how the table says them.
SYNC_WORDS = {"done": "in OFN", "pending": "waiting", "attention": "NEEDS ATTENTION", "none": "-"}


@dataclass(frozen=True)
class Failure:
    """The line the replay stopped at, and what it found instead of what the line expected."""

    line_no: int
    line: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line_no}: {self.line}: {self.reason}"

    def as_record(self) -> dict[str, object]:
        return {"line": self.line_no, "text": self.line, "reason": self.reason}


@dataclass(frozen=True)
class Outcome:
    """How the run went: lines run of the script's actions, where it stopped, what was printed."""

    actions: int
    ran: int
    failure: Failure | None
    receipts: int = 0
    receipts_unprinted: int = 0


def amount(cents: int) -> str:
    """Money in the summary: a plain decimal string, as OFN's API writes it ("12.34")."""
    return str(from_cents(cents))


def sale_record(till: Till, stored: StoredSale) -> dict[str, Any]:
    sale = stored.sale
    state = till.sync_state_of(stored)
    return {
        "number": stored.number,
        "uuid": sale.uuid,
        "kind": sale.kind.value,
        "lines": sum(1 for line in sale.lines if not line.voided),
        "total": amount(sale.total),
        "payments": [
            {"method": payment.method, "amount": amount(payment.amount), "tendered": amount(payment.tendered)}
            for payment in sale.payments
        ],
        "change": amount(sale.change),
        "synced": state == "done",
        "sync": state,
    }


def summary(till: Till, after: int, outcome: Outcome, *, store: str) -> dict[str, Any]:
    """The JSON summary: the run, the store it ran on, and every sale numbered above ``after``."""
    sales = []
    for number in range(after + 1, till.last_sale_number() + 1):
        stored = till.find_sale(number=number)
        if stored is not None:
            sales.append(sale_record(till, stored))
    return {
        "ok": outcome.failure is None,
        "actions": outcome.actions,
        "ran": outcome.ran,
        "failure": outcome.failure.as_record() if outcome.failure else None,
        "store": {"path": store, "lane": till.lane.name, "training": till.training},
        "sales": sales,
        "total": amount(sum(int(Decimal(sale["total"]) * 100) for sale in sales)),
        "receipts": outcome.receipts,
        "receipts_unprinted": outcome.receipts_unprinted,
    }


def table(record: dict[str, Any], fmt: Formatter) -> str:
    """The summary as a person reads it in a terminal."""
    sales = record["sales"]
    ran = f"{record['ran']} of {record['actions']} actions run"
    if not sales:
        return f"No sale was made ({ran}).\n"
    rows = [("Sale", "Kind", "Total", "Payments", "Sync")]
    for sale in sales:
        payments = ", ".join(f"{p['method']} {_money(fmt, p['amount'])}" for p in sale["payments"])
        rows.append((str(sale["number"]), sale["kind"], _money(fmt, sale["total"]), payments, SYNC_WORDS[sale["sync"]]))
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    synced = sum(1 for sale in sales if sale["synced"])
    lines.append(
        f"{counted(len(sales), 'sale')}, {_money(fmt, record['total'])} in all, {synced} in OFN; {ran};"
        f" {counted(record['receipts'], 'receipt')} printed"
    )
    return "\n".join(lines) + "\n"


def _money(fmt: Formatter, text: str) -> str:
    return fmt.money(int(Decimal(text) * 100))
