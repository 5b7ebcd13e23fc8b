"""Small builders the invoice tests share: a paid sale of a few lines, a customer, a return."""

from __future__ import annotations

from decimal import Decimal

from appliance.core.customer import Customer, customer
from appliance.core.sale import Discount, DiscountKind
from appliance.store.sales import StoredSale
from appliance.till import Till

#: Demo catalogue variants: 1100+ are sold by the piece, 1000+ by weight (appliance/cli/demo.py).
PIECES, WEIGHED, STANDARD_RATE = 1100, 1001, 1086  # jam, apples (5.5 %), cider (20 %)


def paid_sale(
    till: Till, *, pieces: int = 2, grams: int = 734, discount: bool = True, cashier: str = "Alice"
) -> StoredSale:
    """A sale of ``pieces`` of one item (10 % off when ``discount``), a weighed line, paid in cash."""
    sale = till.new_sale(cashier)
    sale.add(till.item(PIECES), pieces)
    if discount:
        sale.discount_line(1, Discount(DiscountKind.PERCENT, Decimal(10), "damaged"))
    if grams:
        sale.add_weighed(till.item(WEIGHED), grams)
    sale.add(till.item(STANDARD_RATE), 1)
    sale.tender(till.payment("cash"), Decimal(sale.totals().total + 500) / 100)
    return till.complete(sale)


def refund(till: Till, original: StoredSale, line_no: int = 1, quantity: int = 1) -> StoredSale:
    """Give back ``quantity`` pieces of a line, refunded in cash."""
    ret = till.new_return(original, "Bruno")
    till.add_return_line(ret, original, line_no, quantity=quantity)
    ret.tender(till.payment("cash"), Decimal(ret.totals().due) / 100)
    return till.complete(ret)


def business() -> Customer:
    return customer(
        "Épicerie Le Panier Vert",
        ["3 place du Marché", "79000 Niort"],
        vat_number="FR 40 303 265 045",
        company_id="SIRET 303 265 045 00028",
        email="compta@paniervert.example",
    )


def person() -> Customer:
    return customer("Chloé Durand", ["20 avenue de Paris", "86000 Poitiers"])


def journal_kinds(till: Till) -> list[str]:
    return [row[0] for row in till.connection.execute("SELECT kind FROM journal ORDER BY seq")]
