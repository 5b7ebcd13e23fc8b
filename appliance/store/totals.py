"""Totals over a stretch of the journal: what X and Z reports and the period closures print.

One aggregation, :func:`sales_totals`, serves every report, and it reads the sealed sale records
themselves (through the ``sale_line`` and ``payment`` views), so a Z report and the closure of the
same day cannot disagree, and neither can differ from the journal. Figures are integer cents.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field

from appliance.core.tax import VatAmount
from appliance.store.channel_totals import ChannelTotals, channel_totals

OPEN_END = 2**62


@dataclass(frozen=True)
class SalesTotals:
    sales_count: int = 0
    returns_count: int = 0
    voided_lines: int = 0
    first_number: int | None = None
    last_number: int | None = None
    sales_total: int = 0
    returns_total: int = 0
    discounts: int = 0
    vat: tuple[VatAmount, ...] = ()
    payments: dict[str, int] = field(default_factory=dict)
    cash_payments: int = 0  # the drawer's share: cash of sales, returns and hand-overs
    handovers: dict[str, object] = field(default_factory=lambda: {"count": 0, "payments": {}})
    channels: tuple[ChannelTotals, ...] = ()  # the same figures channel by channel; they add up to these

    @property
    def total(self) -> int:
        """Net takings: sales minus refunds."""
        return self.sales_total + self.returns_total

    def as_record(self) -> dict[str, object]:
        record = asdict(self)
        record["total"] = self.total
        record["vat"] = [
            {"code": v.code, "rate_bp": v.rate_bp, "label": v.label, "base": v.base, "vat": v.vat, "gross": v.gross}
            for v in self.vat
        ]
        record["channels"] = [channel.as_record() for channel in self.channels]
        return record


def sales_totals(connection: sqlite3.Connection, first_seq: int, last_seq: int | None = None) -> SalesTotals:
    """Totals of the sales and returns sealed in journal entries ``first_seq`` to ``last_seq``."""
    span = (first_seq, last_seq if last_seq is not None else OPEN_END)
    counts = {
        kind: (count, total, discounts, first, last)
        for kind, count, total, discounts, first, last in connection.execute(
            "SELECT kind, COUNT(*), SUM(total), SUM(discount_cents), MIN(number), MAX(number)"
            " FROM sale WHERE id BETWEEN ? AND ? GROUP BY kind",
            span,
        )
    }
    sales = counts.get("sale", (0, 0, 0, None, None))
    returns = counts.get("return", (0, 0, 0, None, None))
    line_discounts, voided = connection.execute(
        "SELECT COALESCE(SUM(CASE WHEN sale_kind = 'sale' THEN discount_cents END), 0), COALESCE(SUM(voided), 0)"
        " FROM sale_line WHERE sale_id BETWEEN ? AND ?",
        span,
    ).fetchone()
    vat = tuple(
        VatAmount(code, rate_bp, label, gross, vat)
        for code, rate_bp, label, gross, vat in connection.execute(
            "SELECT vat_code, vat_rate_bp, MIN(vat_label), SUM(amount), SUM(vat) FROM sale_line"
            " WHERE sale_id BETWEEN ? AND ? AND voided = 0"
            " GROUP BY vat_code, vat_rate_bp ORDER BY vat_rate_bp, vat_code",
            span,
        )
    )
    payments, cash = _by_method(connection, "payment", "sale_id", span)
    handovers, handover_cash = _handovers(connection, span)
    numbers = [n for n in (sales[3], sales[4], returns[3], returns[4]) if n is not None]
    return SalesTotals(
        sales_count=sales[0],
        returns_count=returns[0],
        voided_lines=voided,
        first_number=min(numbers) if numbers else None,
        last_number=max(numbers) if numbers else None,
        sales_total=sales[1] or 0,
        returns_total=returns[1] or 0,
        discounts=(sales[2] or 0) + line_discounts,
        vat=vat,
        payments=payments,
        cash_payments=cash + handover_cash,
        handovers=handovers,
        channels=channel_totals(connection, span),
    )


def _handovers(connection: sqlite3.Connection, span: tuple[int, int]) -> tuple[dict[str, object], int]:
    """Online orders handed over, and what was paid for them at the counter, per method.

    Not takings of the till (OFN sold and invoices those orders) but money in its drawer.
    """
    count = connection.execute("SELECT COUNT(*) FROM handover WHERE id BETWEEN ? AND ?", span).fetchone()[0]
    payments, cash = _by_method(connection, "handover_payment", "handover_id", span)
    return {"count": count, "payments": payments}, cash


def _by_method(
    connection: sqlite3.Connection, view: str, entry: str, span: tuple[int, int]
) -> tuple[dict[str, int], int]:
    """Amounts per payment method in a payments view, and the cash among them (the drawer's share)."""
    payments: dict[str, int] = {}
    cash = 0
    for method, is_cash, amount in connection.execute(
        f"SELECT method, MAX(cash), SUM(amount) FROM {view} WHERE {entry} BETWEEN ? AND ?"
        " GROUP BY method ORDER BY method",
        span,
    ):
        payments[method] = amount
        cash += amount if is_cash else 0
    return payments, cash
