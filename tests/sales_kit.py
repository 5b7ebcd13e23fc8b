"""Sales sealed straight through the till, for the counter tests that start from an earlier sale,
and a receipt of another lane as its own printer prints it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from appliance.cli.demo import demo_variants
from appliance.config import Config
from appliance.core.money import from_cents
from appliance.reports.formatting import Formatter
from appliance.reports.receipt_document import receipt_document
from appliance.store.catalogue import upsert_variants
from appliance.store.database import write_transaction
from appliance.store.sales import StoredSale
from appliance.till import Till
from drivers.printer.render import PrinterSettings, Renderer
from drivers.printer_twin import read_bytes

from .counter_kit import APPLES_ID, FLOUR


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


def another_lanes_code(config: Config, tmp_path: Path, clock: Any) -> str:
    """The barcode on a receipt of lane 2 (its own store), as its printer prints it."""
    lane2 = replace(config, lane_id=2, lane_name="Till 2", store_path=tmp_path / "lane2" / "till.db")
    (tmp_path / "lane2").mkdir()
    other = Till.create(lane2, clock=clock)
    try:
        with write_transaction(other.db) as connection:
            upsert_variants(connection, demo_variants(), clock.now())
        other.open_shift("Bruno", Decimal("50.00"))
        stored = sold(other, (FLOUR, 1))
        fmt = Formatter(config.currency, config.language, other.zone)
        document = receipt_document(other.receipt(stored, config.receipt, fmt), fmt, 42)
    finally:
        other.close()
    [code] = read_bytes(Renderer(PrinterSettings()).render(document)).of("barcode")
    return str(code)
