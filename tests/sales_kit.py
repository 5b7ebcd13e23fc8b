"""Sales sealed straight through the till, for the counter tests that start from an earlier sale."""

from __future__ import annotations

from appliance.core.money import from_cents
from appliance.core.sale import Sale
from appliance.store.sales import StoredSale
from appliance.till import Till

from .counter_kit import APPLES_ID


def sold(till: Till, *items: tuple[str, int], grams: int = 0, method: str = "cash", void: int = 0) -> StoredSale:
    """A sale sealed through the till: pieces by SKU, apples by weight, one line voided if asked."""
    sale = till.new_sale("Alice")
    for sku, quantity in items:
        variant = till.connection.execute("SELECT id FROM variant WHERE sku = ?", (sku,)).fetchone()[0]
        sale.add(till.item(variant), quantity)
    if grams:
        sale.add_weighed(till.item(APPLES_ID), grams)
    if void:
        sale.void(void)
    sale.tender(till.payment(method), from_cents(sale.totals().total))
    return till.complete(sale)


def pay(till: Till, sale: Sale, method: str = "cash") -> StoredSale:
    """``sale`` sealed, what is due tendered by ``method`` (a return's refund too: a negative due)."""
    due = sale.totals().due
    if due:
        sale.tender(till.payment(method), from_cents(due))
    return till.complete(sale)
