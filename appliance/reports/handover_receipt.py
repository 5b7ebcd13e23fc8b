"""The hand-over receipt: what a customer takes away, on request, after collecting an online order.

A hand-over is not a sale of the till: the goods were sold by OFN, whose order carries them, their
VAT and the invoice. So this paper is no till receipt (no sale number, no VAT table): it says which
order was handed over to whom, what changed on it at the counter, what was paid here and how, the
change, and that the goods are sold by the OFN order. A training store's says so first and last,
as every paper it prints. :func:`layout` is the text the screen, the tests and the printer share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from appliance.core.handover import CompletedHandover
from appliance.reports.columns import pair_cut
from appliance.reports.formatting import TRAINING_BANNER, Formatter

TITLE = "ONLINE ORDER HANDED OVER"
PAID_HERE = "PAID AT THE COUNTER"


@dataclass(frozen=True)
class ChangeLine:
    name: str
    quantity: int  # signed: put on (+) or taken off (-)
    price: int  # cents, OFN's price on the order
    amount: int


@dataclass(frozen=True)
class HandoverReceipt:
    header: tuple[str, ...]
    lane_name: str
    order_number: str
    customer: str
    completed_at: str
    cashier: str
    order_total: int  # what the order cost when the box last read it
    paid_online: int
    changes: tuple[ChangeLine, ...]
    due: int  # paid at the counter
    payments: tuple[tuple[str, int], ...]
    tendered: int
    change: int
    credit_owed: int  # what OFN owes the customer back, through OFN's payment
    footer: tuple[str, ...]
    training: bool = False

    @property
    def sold_by(self) -> str:
        return f"Sold by OFN order {self.order_number}"


def build_handover_receipt(
    handover: CompletedHandover,
    receipt_config: dict[str, Any],
    lane_name: str,
    fmt: Formatter,
    payment_labels: dict[str, str],
    *,
    training: bool = False,
) -> HandoverReceipt:
    header = [receipt_config["legal_name"], *receipt_config["address"]]
    if receipt_config.get("vat_number"):
        header.append(f"VAT {receipt_config['vat_number']}")
    if receipt_config.get("company_id"):
        header.append(receipt_config["company_id"])
    order = handover.order
    return HandoverReceipt(
        header=tuple(header),
        lane_name=lane_name,
        order_number=order.number,
        customer=order.full_name or order.email,
        completed_at=fmt.moment_of(handover.completed_at),
        cashier=handover.cashier,
        order_total=order.total,
        paid_online=order.paid,
        changes=tuple(ChangeLine(c.name, c.quantity, c.price, c.amount) for c in handover.changes),
        due=handover.due,
        payments=tuple((payment_labels.get(p.method, p.method), p.amount) for p in handover.payments),
        tendered=handover.tendered,
        change=handover.change,
        credit_owed=handover.credit_owed,
        footer=tuple(receipt_config.get("footer", ())),
        training=training,
    )


def layout(receipt: HandoverReceipt, fmt: Formatter, columns: int = 42) -> list[str]:
    """The hand-over receipt as lines of at most ``columns`` characters."""
    banner = [TRAINING_BANNER.center(columns).rstrip()] if receipt.training else []
    out = [*banner, *(text.center(columns).rstrip() for text in receipt.header)]
    out.append("")
    out.append(TITLE.center(columns).rstrip())
    out.append(pair_cut(f"Order {receipt.order_number}", receipt.completed_at, columns))
    out.append(f"Customer: {receipt.customer}"[:columns])
    out.append(f"{receipt.lane_name}, cashier: {receipt.cashier}"[:columns])
    out.append("-" * columns)
    out.append(pair_cut("Order total in OFN", fmt.money(receipt.order_total), columns))
    out.append(pair_cut("Paid online", fmt.money(receipt.paid_online), columns))
    if receipt.changes:
        out.append("Changed at the counter:"[:columns])
        for line in receipt.changes:
            out.append(pair_cut(f"  {line.name}", fmt.money(line.amount), columns))
            verb = "put on" if line.quantity > 0 else "taken off"
            out.append(f"    {verb} {abs(line.quantity)} × {fmt.money(line.price)}"[:columns])
    else:
        out.append("Handed over as ordered"[:columns])
    out.append("-" * columns)
    out.append(pair_cut(PAID_HERE, fmt.money(receipt.due), columns))
    for method, amount in receipt.payments:
        out.append(pair_cut(f"  {method}", fmt.money(amount), columns))
    if receipt.change:
        out.append(pair_cut("  Given", fmt.money(receipt.tendered), columns))
        out.append(pair_cut("  Change", fmt.money(receipt.change), columns))
    if receipt.credit_owed:
        out.append(pair_cut("Owed back by OFN", fmt.money(receipt.credit_owed), columns))
        out.append("  refunded through your online payment"[:columns])
    out.append("")
    out.append(receipt.sold_by.center(columns).rstrip())
    out.append("VAT, invoice: on that order".center(columns).rstrip())
    out.append("")
    out += [text.center(columns).rstrip() for text in receipt.footer]
    return out + banner


def handover_printed_by_itself(receipt_config: dict[str, object], *, card_taken_back: bool) -> str:
    """Why a hand-over receipt prints unasked, or "": the sale receipt's rules that apply to it.

    Weighed goods never change an OFN order, so only "print every receipt" and a card payment
    taken back can apply (see :func:`appliance.reports.receipt.printed_by_itself`).
    """
    if receipt_config.get("print") == "always":
        return "this till prints every receipt"
    if card_taken_back and receipt_config.get("print_cancelled_card", True):
        return "a card payment was taken back"
    return ""
