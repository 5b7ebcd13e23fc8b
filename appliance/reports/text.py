"""X/Z reports and closures laid out as text: for the terminal, a log, or the receipt printer.

Works on the reports' records (plain dicts), so a Z reprinted years later from the journal looks
the same as the day it was made.
"""

from __future__ import annotations

from typing import Any

from appliance.reports.columns import pair
from appliance.reports.formatting import TRAINING_BANNER, Formatter


def shift_report_text(
    record: dict[str, Any],
    fmt: Formatter,
    lane_name: str,
    width: int = 42,
    *,
    training: bool = False,
    sealed: tuple[int, str] | None = None,
) -> str:
    """An X or Z report; ``sealed`` (a Z's journal entry and chain hash) is printed at its foot."""
    title = "Z REPORT — SHIFT CLOSED" if record["kind"] == "Z" else "X REPORT — SHIFT OPEN"
    cash = record["cash"]
    lines = [
        *_banner(training, width),
        title.center(width),
        pair("Lane", f"{record['lane_id']} {lane_name}", width),
        pair("Shift", str(record["shift_id"]), width),
        pair("Opened", f"{fmt.moment(record['opened_at'])} {record['opened_by']}", width),
        pair("Printed", fmt.moment(record["printed_at"]), width),
    ]
    if record.get("closed_by"):
        lines.append(pair("Closed by", record["closed_by"], width))
    lines += ["-" * width, *_totals_lines(record["totals"], fmt, width)]
    lines.append(pair("Cancelled baskets", str(record["cancelled_sales"]), width))
    lines += [
        "-" * width,
        "CASH DRAWER",
        pair("Opening float", fmt.money(cash["opening_float"]), width),
        pair("Cash payments (net)", fmt.money(cash["payments"]), width),
        pair("Cash in", fmt.money(cash["cash_in"]), width),
        pair("Cash out", fmt.money(-cash["cash_out"]), width),
        pair("Expected in drawer", fmt.money(cash["expected"]), width),
    ]
    if cash["counted"] is not None:
        lines.append(pair("Counted", fmt.money(cash["counted"]), width))
        lines.append(pair("Difference", fmt.money(cash["difference"]), width))
    lines += ["-" * width, pair("Perpetual grand total", fmt.money(record["perpetual_total"]), width)]
    if sealed is not None:
        seq, chain = sealed
        half = len(chain) // 2
        lines += [
            pair("Journal entry", str(seq), width),
            pair("Chain", chain[:half], width),
            chain[half:].rjust(width),
        ]
    return "\n".join(lines)


def closure_text(
    record: dict[str, Any], fmt: Formatter, lane_name: str, width: int = 42, *, training: bool = False
) -> str:
    lines = [
        *_banner(training, width),
        f"{record['kind'].upper()} CLOSURE {record['period']}".center(width),
        pair("Lane", lane_name, width),
        pair("Journal entries", f"{record['first_seq']}–{record['last_seq']}", width),
        "-" * width,
        *_totals_lines(record["totals"], fmt, width),
        "-" * width,
        pair("Period grand total", fmt.money(record["totals"]["total"]), width),
        pair("Perpetual grand total", fmt.money(record["perpetual_total"]), width),
    ]
    return "\n".join(lines)


def _totals_lines(totals: dict[str, Any], fmt: Formatter, width: int) -> list[str]:
    numbers = "—" if totals["first_number"] is None else f"{totals['first_number']}–{totals['last_number']}"
    lines = [
        pair("Sale numbers", numbers, width),
        pair(f"Sales ({totals['sales_count']})", fmt.money(totals["sales_total"]), width),
        pair(f"Returns ({totals['returns_count']})", fmt.money(totals["returns_total"]), width),
        pair("Net total", fmt.money(totals["total"]), width),
        pair("Discounts given", fmt.money(totals["discounts"]), width),
        pair("Voided lines", str(totals["voided_lines"]), width),
        f"BY VAT RATE ({fmt.currency})",
        _vat_row("", "base", "VAT", "total", width),
    ]
    for vat in totals["vat"]:
        lines.append(
            _vat_row(
                f"{vat['code']} {fmt.rate(vat['rate_bp'])}",
                fmt.amount(vat["base"]),
                fmt.amount(vat["vat"]),
                fmt.amount(vat["gross"]),
                width,
            )
        )
    lines.append("BY PAYMENT METHOD")
    for method, amount in totals["payments"].items():
        lines.append(pair(f"  {method}", fmt.money(amount), width))
    handovers = totals.get("handovers") or {}  # records sealed before hand-overs existed have none
    if handovers.get("count"):
        lines.append(f"ONLINE ORDERS HANDED OVER ({handovers['count']})")
        lines.append("  paid at the counter, sold by OFN:")
        for method, amount in handovers["payments"].items():
            lines.append(pair(f"  {method}", fmt.money(amount), width))
    return lines + _channel_lines(totals.get("channels") or [], fmt, width)


def _channel_lines(channels: list[dict[str, Any]], fmt: Formatter, width: int) -> list[str]:
    """The same totals channel by channel (records sealed before channels were broken down have none)."""
    if not channels:
        return []
    lines = ["BY CHANNEL"]
    for channel in channels:
        lines += [
            channel["channel"][:width],
            pair(f"  Sales ({channel['sales_count']})", fmt.money(channel["sales_total"]), width),
            pair(f"  Returns ({channel['returns_count']})", fmt.money(channel["returns_total"]), width),
            pair("  Net total", fmt.money(channel["total"]), width),
            pair("  Discounts given", fmt.money(channel["discounts"]), width),
        ]
        for vat in channel["vat"]:
            lines.append(pair(f"  VAT {vat['code']} {fmt.rate(vat['rate_bp'])}", fmt.money(vat["vat"]), width))
        for method, amount in channel["payments"].items():
            lines.append(pair(f"  {method}", fmt.money(amount), width))
    return lines


def _banner(training: bool, width: int) -> list[str]:
    return [TRAINING_BANNER.center(width)] if training else []


def _vat_row(label: str, base: str, vat: str, gross: str, width: int) -> str:
    column = (width - 9) // 3
    return f"{label[:9]:<9}{base:>{column}}{vat:>{column}}{gross:>{width - 9 - 2 * column}}"
