"""Small builders shared by tests: items with chosen prices and rates, and payment methods."""

from __future__ import annotations

from decimal import Decimal

from appliance.sale import Item, PaymentMethod, PricedBy
from appliance.tax import VatRate

RATES = {
    "A": VatRate("A", Decimal("5.5"), "TVA 5,5 %"),
    "B": VatRate("B", Decimal("10"), "TVA 10 %"),
    "C": VatRate("C", Decimal("20"), "TVA 20 %"),
    "E": VatRate("E", Decimal("0"), "Exonéré"),
}
CASH = PaymentMethod("cash", "Cash", is_cash=True)
CARD = PaymentMethod("card", "Card")
CHEQUE = PaymentMethod("cheque", "Cheque")


def item(variant_id: int, price: str, *, rate: str = "A", weighed: bool = False, name: str | None = None) -> Item:
    return Item(
        variant_id=variant_id,
        name=name or f"Variant {variant_id}",
        price=Decimal(price),
        priced_by=PricedBy.WEIGHT if weighed else PricedBy.EACH,
        vat=RATES[rate],
    )
