"""Totals over a stretch of the journal, channel by channel: the breakdown X/Z reports and closures print.

Every sale and return entry seals the channel it was sold in (``[lane] channel``, docs/channels.md),
so the breakdown is the same aggregation as :func:`appliance.store.totals.sales_totals`, grouped
by that sealed field through the same views. Each figure of a channel is a sum over a disjoint part
of the entries the whole is summed over, so the channels add up to the whole to the cent: sales and
returns (counts and amounts), discounts, VAT per rate and payments per method. Hand-overs are left
out, as they are of the whole's takings: OFN sold those orders.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field

from appliance.core.tax import VatAmount

#: The channel of an entry sealed without one (none is: every entry carries it; kept for safety).
UNNAMED = "(no channel)"


@dataclass(frozen=True)
class ChannelTotals:
    channel: str
    sales_count: int = 0
    returns_count: int = 0
    sales_total: int = 0
    returns_total: int = 0
    discounts: int = 0
    vat: tuple[VatAmount, ...] = ()
    payments: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.sales_total + self.returns_total

    def as_record(self) -> dict[str, object]:
        return {
            "channel": self.channel,
            "sales_count": self.sales_count,
            "returns_count": self.returns_count,
            "sales_total": self.sales_total,
            "returns_total": self.returns_total,
            "total": self.total,
            "discounts": self.discounts,
            "vat": [
                {"code": v.code, "rate_bp": v.rate_bp, "label": v.label, "base": v.base, "vat": v.vat, "gross": v.gross}
                for v in self.vat
            ],
            "payments": dict(self.payments),
        }


def channel_totals(connection: sqlite3.Connection, span: tuple[int, int]) -> tuple[ChannelTotals, ...]:
    """Per channel, in name order, the totals of the sale and return entries with ``seq`` in ``span``."""
    figures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for channel, kind, count, total, discounts in connection.execute(
        "SELECT channel, kind, COUNT(*), SUM(total), SUM(discount_cents) FROM sale"
        " WHERE id BETWEEN ? AND ? GROUP BY channel, kind",
        span,
    ):
        part = figures[channel or UNNAMED]
        part["sales_count" if kind == "sale" else "returns_count"] += count
        part["sales_total" if kind == "sale" else "returns_total"] += total or 0
        part["discounts"] += discounts or 0
    for channel, discounts in connection.execute(
        "SELECT channel, SUM(discount_cents) FROM sale_line WHERE sale_id BETWEEN ? AND ? AND sale_kind = 'sale'"
        " GROUP BY channel",
        span,
    ):
        figures[channel or UNNAMED]["discounts"] += discounts or 0
    vat: dict[str, list[VatAmount]] = defaultdict(list)
    for channel, code, rate_bp, label, gross, amount in connection.execute(
        "SELECT channel, vat_code, vat_rate_bp, MIN(vat_label), SUM(amount), SUM(vat) FROM sale_line"
        " WHERE sale_id BETWEEN ? AND ? AND voided = 0"
        " GROUP BY channel, vat_code, vat_rate_bp ORDER BY channel, vat_rate_bp, vat_code",
        span,
    ):
        vat[channel or UNNAMED].append(VatAmount(code, rate_bp, label, gross, amount))
    payments: dict[str, dict[str, int]] = defaultdict(dict)
    for channel, method, amount in connection.execute(
        "SELECT channel, method, SUM(amount) FROM payment WHERE sale_id BETWEEN ? AND ?"
        " GROUP BY channel, method ORDER BY channel, method",
        span,
    ):
        payments[channel or UNNAMED][method] = amount
    return tuple(
        ChannelTotals(
            channel=name,
            sales_count=figures[name]["sales_count"],
            returns_count=figures[name]["returns_count"],
            sales_total=figures[name]["sales_total"],
            returns_total=figures[name]["returns_total"],
            discounts=figures[name]["discounts"],
            vat=tuple(vat[name]),
            payments=payments[name],
        )
        for name in sorted(set(figures) | set(vat) | set(payments))
    )
