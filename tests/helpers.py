"""Small builders shared by tests and benchmarks: items, payment methods, a sample receipt."""

from __future__ import annotations

from decimal import Decimal

from appliance.core.sale import Item, PaymentMethod, PricedBy
from appliance.core.tax import VatRate
from appliance.reports.receipt import Receipt, ReceiptLine

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


def sample_receipt(lines: tuple[ReceiptLine, ...], *, number: int = 12, cashier: str = "Alice") -> Receipt:
    """A receipt of the demo hub with these lines, all at 5.5 %, paid in cash with 5 € change."""
    total = sum(line.amount for line in lines if not line.voided)
    vat = round(total * 55 / 1055)
    return Receipt(
        header=("Les Paniers du Marais SCIC", "12 rue des Halles", "79000 Niort", "VAT FR32123456789"),
        title="RECEIPT",
        lane_name="Till 1",
        number=number,
        sale_uuid=f"5b0c6f7e-0000-4000-8000-{number:012d}",
        completed_at="2026-03-02 09:14",
        cashier=cashier,
        lines=lines,
        discount=0,
        total=total,
        vat=(("A", 550, total - vat, vat, total),),
        payments=(("Espèces", total + 500),),
        tendered=total + 500,
        change=500,
        footer=("Merci et à bientôt !",),
        lane_id=1,
    )
