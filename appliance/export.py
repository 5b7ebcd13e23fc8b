"""The accounting export: one CSV row per sale line and per payment, for a range of local dates.

Rows carry the VAT base and amount of each line (the receipt's per-rate VAT spread over its lines),
so an accountant's pivot by rate gives exactly the Z reports' figures. Voided lines are listed with
zero amounts so that nothing on a receipt is missing from the export.
"""

from __future__ import annotations

import csv
import sqlite3
from datetime import date
from decimal import Decimal
from typing import TextIO
from zoneinfo import ZoneInfo

from .clock import local_day_bounds, parse_utc
from .money import from_cents

COLUMNS = (
    "record",
    "local_date",
    "local_time",
    "completed_at_utc",
    "lane_id",
    "channel",
    "sale_number",
    "sale_uuid",
    "sale_kind",
    "original_sale_uuid",
    "cashier",
    "line_no",
    "variant_id",
    "sku",
    "description",
    "quantity",
    "weight_g",
    "unit_price",
    "discount",
    "amount",
    "vat_code",
    "vat_rate",
    "vat_base",
    "vat_amount",
    "voided",
    "payment_method",
    "payment_amount",
    "cash_tendered",
)


def write_csv(connection: sqlite3.Connection, out: TextIO, first: date, last: date, zone: ZoneInfo) -> int:
    """Write the rows of sales completed from ``first`` to ``last`` (local dates, inclusive)."""
    start, end = local_day_bounds(first, last, zone)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in connection.execute(
        "SELECT l.completed_at, l.lane_id, s.channel, l.sale_number, l.sale_uuid, l.sale_kind, s.original_uuid,"
        " s.cashier, l.line_no, l.variant_id, l.sku, l.name, l.quantity, l.weight_g, l.unit_price,"
        " l.discount_cents + l.sale_discount_cents, l.amount, l.vat_code, l.vat_rate_bp, l.vat, l.voided"
        " FROM sale_line AS l JOIN sale AS s ON s.id = l.sale_id"
        " WHERE l.completed_at >= ? AND l.completed_at < ? ORDER BY l.sale_id, l.line_no",
        (start, end),
    ):
        (
            completed,
            lane,
            channel,
            number,
            uuid,
            kind,
            original,
            cashier,
            line_no,
            variant,
            sku,
            name,
            quantity,
            weight,
            unit_price,
            discount,
            amount,
            vat_code,
            rate_bp,
            vat,
            voided,
        ) = row
        writer.writerow(
            [
                "line",
                *_when(completed, zone),
                completed,
                lane,
                channel,
                number,
                uuid,
                kind,
                original or "",
                cashier,
                line_no,
                variant,
                sku,
                name,
                quantity,
                weight,
                from_cents(unit_price),
                from_cents(discount),
                from_cents(amount),
                vat_code,
                _rate(rate_bp),
                from_cents(amount - vat),
                from_cents(vat),
                voided,
                "",
                "",
                "",
            ]
        )
        count += 1
    for row in connection.execute(
        "SELECT p.completed_at, p.lane_id, s.channel, p.sale_number, p.sale_uuid, p.sale_kind, s.original_uuid,"
        " s.cashier, p.method, p.amount, p.tendered, p.cash"
        " FROM payment AS p JOIN sale AS s ON s.id = p.sale_id"
        " WHERE p.completed_at >= ? AND p.completed_at < ? ORDER BY p.sale_id, p.seq",
        (start, end),
    ):
        completed, lane, channel, number, uuid, kind, original, cashier, method, amount, tendered, cash = row
        writer.writerow(
            [
                "payment",
                *_when(completed, zone),
                completed,
                lane,
                channel,
                number,
                uuid,
                kind,
                original or "",
                cashier,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                0,
                method,
                from_cents(amount),
                from_cents(tendered) if cash else "",
            ]
        )
        count += 1
    return count


def _when(completed: str, zone: ZoneInfo) -> tuple[str, str]:
    local = parse_utc(completed).astimezone(zone)
    return local.date().isoformat(), local.strftime("%H:%M:%S")


def _rate(rate_bp: int) -> str:
    return str(Decimal(rate_bp) / 100)
