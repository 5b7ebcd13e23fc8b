"""Receipts: the mentions a till receipt must carry, laid out for the paper width, and numbered reprints."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from appliance.config import Config
from appliance.core.sale import Discount, DiscountKind, SaleError
from appliance.reports.formatting import Formatter
from appliance.reports.receipt import layout
from appliance.till import Till


@pytest.fixture
def fmt(config: Config) -> Formatter:
    return Formatter(config.currency, config.language, ZoneInfo(config.timezone))


def test_a_receipt_carries_seller_number_lines_vat_and_payments(till: Till, config: Config, fmt: Formatter) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 2)
    sale.add_weighed(till.item(1001), 1250)
    sale.discount_line(1, Discount(DiscountKind.AMOUNT, Decimal("0.50"), "short date"))
    total = sale.totals().total
    sale.tender(till.payment("cash"), Decimal(total + 1000) / 100)
    stored = till.complete(sale)
    text = layout(till.receipt(stored, config.receipt, fmt), fmt, 42)
    assert all(len(line) <= 42 for line in text)
    joined = "\n".join(text)
    for mention in (
        "Les Paniers du Marais SCIC",
        "VAT FR32123456789",
        "SIRET 123 456 789 00012",
        "Till 1  No 1",
        "Cashier: Alice",
        "TOTAL",
        "Espèces",
        "Change",
        "10,00 €",
        "A 5,5 %",
        "1,250 kg",
        "S00000001L1",
        "Merci et à bientôt !",
    ):
        assert mention in joined, mention
    assert text[0] == "Les Paniers du Marais SCIC".center(42).rstrip()
    assert f"{fmt.money(total)}" in next(line for line in text if line.startswith("TOTAL"))


@pytest.mark.parametrize("columns", [32, 42, 48])
def test_every_width_fits(till: Till, config: Config, fmt: Formatter, columns: int) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 1)
    sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
    stored = till.complete(sale)
    assert all(len(line) <= columns for line in layout(till.receipt(stored, config.receipt, fmt), fmt, columns))


def test_reprints_are_numbered_duplicates_recorded_in_the_journal(till: Till, config: Config, fmt: Formatter) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 1)
    sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
    till.complete(sale)
    first = till.reprint(1, "Bruno", config.receipt, fmt)
    second = till.reprint(1, "Bruno", config.receipt, fmt)
    assert (first.duplicate, second.duplicate) == (1, 2)
    assert "DUPLICATE 2" in "\n".join(layout(second, fmt))
    kinds = [row[0] for row in till.connection.execute("SELECT kind FROM journal ORDER BY seq")]
    assert kinds[-2:] == ["reprint", "reprint"]
    with pytest.raises(SaleError, match="no sale number 9"):
        till.reprint(9, "Bruno", config.receipt, fmt)


def test_a_return_receipt_names_the_original_sale(till: Till, config: Config, fmt: Formatter) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 2)
    sale.tender(till.payment("cash"), Decimal(sale.totals().total) / 100)
    original = till.complete(sale)
    ret = till.new_return(original, "Alice")
    till.add_return_line(ret, original, 1, quantity=1)
    ret.tender(till.payment("cash"), Decimal(ret.totals().total) / 100)
    text = "\n".join(layout(till.receipt(till.complete(ret), config.receipt, fmt), fmt))
    assert "RETURN" in text and "Return of sale No 1" in text
