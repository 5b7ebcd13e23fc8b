"""The accounting export: one CSV row per sale line and per payment, for a range of local dates.

Rows carry the VAT base and amount of each line (the receipt's per-rate VAT spread over its lines),
so an accountant's pivot by rate gives exactly the Z reports' figures. Voided lines are listed with
zero amounts so that nothing on a receipt is missing from the export. Money taken at the counter
for customers' online orders (hand-overs) comes as ``order_payment`` rows: it is in the drawer, but
OFN sold those orders and invoices them, so it is no takings of the till.

Columns are only ever appended, so an accountant's sheet keeps working. Those of channels (issue
16) come last: what the channel's rules sealed on a line (``discount_rule``; a returned line's
``returns_*``), and where the sync counted it in OFN (``ofn_order``, ``ofn_unit_g``: not sealed,
the sync's own record), which ``report hub`` checks against OFN's counter orders. A line that never
reaches OFN (voided, a shelf-only item, damaged goods given back: core/ofn_scope.py) has both
empty and says why in ``not_in_ofn``, so that neither a reader nor ``report hub`` takes it for a
line the sync has not counted yet, or counts it on the order.

The file is opened in spreadsheets, which run a cell starting with ``=``, ``+``, ``-`` or ``@`` (and
tab or carriage return, which some of them skip first) as a formula: a product or a cashier named
``=HYPERLINK(…)`` would run on the accountant's machine. So every text cell that starts with one of
those gets a leading apostrophe, which spreadsheets show as text; amounts and counts are numbers
and are written as they are (``-3.50`` stays a number).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from appliance.core.clock import local_day_bounds, parse_utc
from appliance.core.money import from_cents
from appliance.core.ofn_scope import LeftOut, left_out_of_ofn
from appliance.store.sync_state import SALE_KINDS

COLUMNS = (
    "record", "local_date", "local_time", "completed_at_utc", "lane_id", "channel", "sale_number", "sale_uuid",
    "sale_kind", "original_sale_uuid", "cashier", "line_no", "variant_id", "sku", "description", "quantity",
    "weight_g", "unit_price", "discount", "amount", "vat_code", "vat_rate", "vat_base", "vat_amount",
    "voided", "payment_method", "payment_amount", "cash_tendered",
    "discount_rule", "returns_sale_uuid", "returns_line_no", "returns_lane_id", "returns_number",
    "ofn_order", "ofn_unit_g", "not_in_ofn",
)  # fmt: skip

#: The sale's own columns, the same on its line rows and its payment rows.
_SALE = (
    "s.completed_at AS completed_at_utc, s.lane_id, s.channel, s.number AS sale_number, s.uuid AS sale_uuid,"
    " s.kind AS sale_kind, s.original_uuid AS original_sale_uuid, s.cashier"
)


def write_csv(connection: sqlite3.Connection, out: TextIO, first: date, last: date, zone: ZoneInfo) -> int:
    """Write the rows of sales completed from ``first`` to ``last`` (local dates, inclusive)."""
    start, end = local_day_bounds(first, last, zone)
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    count = 0
    lines = connection.execute(
        f"SELECT {_SALE}, l.sale_id, l.line_no, l.variant_id, l.sku, l.name AS description, l.quantity, l.weight_g,"
        " l.unit_price, l.discount_cents + l.sale_discount_cents AS discount, l.amount, l.vat_code,"
        " l.vat_rate_bp, l.vat, l.voided, l.discount_rule, l.discount_rules, l.returns_sale_uuid,"
        " l.returns_line_no, l.returns_lane_id, l.returns_number, l.shelf, l.damaged"
        " FROM sale_line AS l JOIN sale AS s ON s.id = l.sale_id"
        " WHERE l.completed_at >= ? AND l.completed_at < ? ORDER BY l.sale_id, l.line_no",
        (start, end),
    )
    counted = _counted_into(connection)
    for row in _dicts(lines):
        vat = row.pop("vat")
        left_out = left_out_of_ofn(voided=bool(row["voided"]), shelf=row.pop("shelf"), damaged=bool(row.pop("damaged")))
        row.update(counted(row.pop("sale_id"), row["variant_id"], row["weight_g"], left_out))
        row.update(
            discount_rule=_rule_names(row.pop("discount_rule"), row.pop("discount_rules")),
            unit_price=from_cents(row["unit_price"]),
            discount=from_cents(row["discount"]),
            vat_rate=_rate(row.pop("vat_rate_bp")),
            vat_base=from_cents(row["amount"] - vat),
            vat_amount=from_cents(vat),
            amount=from_cents(row["amount"]),
        )
        writer.writerow(_sale_row("line", row, zone))
        count += 1
    payments = connection.execute(
        f"SELECT {_SALE}, p.method AS payment_method, p.amount, p.tendered, p.cash"
        " FROM payment AS p JOIN sale AS s ON s.id = p.sale_id"
        " WHERE p.completed_at >= ? AND p.completed_at < ? ORDER BY p.sale_id, p.seq",
        (start, end),
    )
    count += _write_payments(writer, "payment", payments, zone)
    handovers = connection.execute(
        "SELECT h.completed_at AS completed_at_utc, h.lane_id, h.channel, h.uuid AS sale_uuid,"
        " 'handover' AS sale_kind, NULL AS original_sale_uuid, h.cashier,"
        " 'OFN order ' || h.order_number || ' (' || h.customer || ')' AS description,"
        " p.method AS payment_method, p.amount, p.tendered, p.cash"
        " FROM handover_payment AS p JOIN handover AS h ON h.id = p.handover_id"
        " WHERE p.completed_at >= ? AND p.completed_at < ? ORDER BY p.handover_id, p.seq",
        (start, end),
    )
    return count + _write_payments(writer, "order_payment", handovers, zone)


def _rule_names(rule: str | None, rules: str | None) -> str:
    """The discount rule sealed on a line, or the stacked rules' names joined by ``+``; empty for none."""
    names = json.loads(rules) if rules else []
    return " + ".join(str(name) for name in names) if names else rule or ""


def _counted_into(connection: sqlite3.Connection) -> Callable[[int, int, int, LeftOut | None], dict[str, object]]:
    """Where the sync engine counted a line: the OFN order, and for weighed goods the unit (grams).

    Not sealed, but what ``report hub`` needs to check an export against OFN (docs/sync.md): the
    order a sale was folded into (empty until the daemon has counted it) and the unit the order's
    whole units of a weighed variant are counted in (its running total of grams, rounded once).
    The sync folds a whole sale into its order, but a line left out of OFN was counted into none:
    its OFN columns stay empty and ``not_in_ofn`` says why.
    """
    orders = dict(  # a sale's lines, not the posting to customer credit it may queue too (never folded)
        connection.execute(f"SELECT journal_seq, folded_into FROM outbox WHERE kind IN {SALE_KINDS}")
    )
    units = {
        (number, variant): grams
        for number, variant, grams in connection.execute("SELECT order_number, variant_id, unit_grams FROM sync_line")
    }
    catalogue = dict(connection.execute("SELECT id, unit_grams FROM variant"))

    def counted(sale_id: int, variant_id: int, weight_g: int, left_out: LeftOut | None) -> dict[str, object]:
        if left_out is not None:
            return {"ofn_order": "", "ofn_unit_g": "", "not_in_ofn": left_out.value}
        number = orders.get(sale_id) or ""
        unit = units.get((number, variant_id)) or catalogue.get(variant_id) or 1000
        return {"ofn_order": number, "ofn_unit_g": unit if weight_g else "", "not_in_ofn": ""}

    return counted


def _write_payments(writer: csv.DictWriter[str], record: str, rows: sqlite3.Cursor, zone: ZoneInfo) -> int:
    count = 0
    for row in _dicts(rows):
        tendered, cash = row.pop("tendered"), row.pop("cash")
        row.update(payment_amount=from_cents(row.pop("amount")), cash_tendered=from_cents(tendered) if cash else "")
        writer.writerow(_sale_row(record, row, zone))
        count += 1
    return count


def _dicts(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
    names = [column[0] for column in cursor.description]
    for values in cursor:
        yield dict(zip(names, values))


def _sale_row(record: str, row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    local = parse_utc(row["completed_at_utc"]).astimezone(zone)
    row.update(
        record=record,
        local_date=local.date().isoformat(),
        local_time=local.strftime("%H:%M:%S"),
        original_sale_uuid=row["original_sale_uuid"] or "",
    )
    for column in ("returns_sale_uuid", "returns_line_no", "returns_lane_id", "returns_number"):
        if row.get(column) is None:
            row[column] = ""
    return {column: safe_cell(value) for column, value in row.items()}


#: What makes a spreadsheet read a cell as a formula (tab and CR: some skip them first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text cell a spreadsheet will show, never run: numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _rate(rate_bp: int) -> Decimal:
    return Decimal(rate_bp) / 100
