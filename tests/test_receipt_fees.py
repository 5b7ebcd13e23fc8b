"""The hub's fees on a receipt: sealed with each line, shown only where the hub asks for them."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from appliance.config import Config
from appliance.reports.formatting import Formatter
from appliance.reports.receipt import layout
from appliance.store.database import write_transaction
from appliance.till import Till


def sealed(till: Till, seq: int) -> dict:  # type: ignore[type-arg]
    return json.loads(till.connection.execute("SELECT payload FROM journal WHERE seq = ?", (seq,)).fetchone()[0])


def with_fees(till: Till, fees: dict[int, int]) -> None:
    """The catalogue as the sync writes it from OFN's shopfront: the fee part of each price."""
    with write_transaction(till.db) as conn:
        conn.executemany("UPDATE variant SET fee = ? WHERE id = ?", [(fee, vid) for vid, fee in fees.items()])


def test_fees_are_sealed_per_line_and_printed_when_the_hub_wants_them(till: Till, config: Config) -> None:
    fmt = Formatter(config.currency, config.language, ZoneInfo(config.timezone))
    unit = till.connection.execute("SELECT unit_grams FROM variant WHERE id = 1001").fetchone()[0] or 1000
    with_fees(till, {1100: 10, 1001: 10})  # 0.10 a piece, and 0.10 per OFN unit of the weighed variant
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 3)
    sale.add_weighed(till.item(1001), 1250)
    sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
    stored = till.complete(sale)
    weighed_fee = (10 * 1250 * 2 + unit) // (2 * unit)  # half up, by OFN's unit
    record = sealed(till, stored.journal_seq)
    assert [line.get("fee_cents", 0) for line in record["lines"]] == [30, weighed_fee]
    shown = "\n".join(layout(till.receipt(stored, {**config.receipt, "show_fees": True}, fmt), fmt, 42))
    assert "of which hub fees" in shown and fmt.money(30 + weighed_fee) in shown
    hidden = "\n".join(layout(till.receipt(stored, config.receipt, fmt), fmt, 42))
    assert "hub fees" not in hidden, "not shown unless the hub asks (receipt.show_fees)"
    with_fees(till, {1100: 99})  # fees change in OFN next week: a reprint still shows what was charged
    again = till.reprint(stored.number, "Bo", {**config.receipt, "show_fees": True}, fmt)
    assert fmt.money(30 + weighed_fee) in "\n".join(layout(again, fmt, 42))


def test_a_sale_without_fees_seals_exactly_as_before(till: Till) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 1)
    sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
    stored = till.complete(sale)
    record = sealed(till, stored.journal_seq)
    assert all("fee_cents" not in line for line in record["lines"])
    assert replace(stored.sale.lines[0], fee_cents=0) == stored.sale.lines[0]
