"""Receipts as data, and their plain-text layout for a given paper width.

A receipt is built from the sealed sale and the config's seller details, so a reprint years later
shows what the customer was given. It carries what French rules ask of a till receipt: seller and
VAT number, till and sale number, date and time, each line with quantity, unit price, amount and
VAT rate, the VAT table, payment modes, and "DUPLICATE n" on reprints. The printer driver turns the
same document into ESC/POS bytes; :func:`layout` is the text both the screen and tests read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from appliance.core.money import to_cents
from appliance.core.receipt_code import receipt_code
from appliance.core.sale import CompletedSale, Kind, PricedBy
from appliance.reports.columns import pair_cut
from appliance.reports.formatting import TRAINING_BANNER, Formatter
from appliance.store.sales import StoredSale


@dataclass(frozen=True)
class ReceiptLine:
    text: str
    detail: str
    amount: int
    vat_code: str
    voided: bool
    rule: str = ""  # the channel's discount rule that applied to the line (docs/channels.md)


@dataclass(frozen=True)
class Receipt:
    header: tuple[str, ...]
    title: str
    lane_name: str
    number: int
    sale_uuid: str
    completed_at: str
    cashier: str
    lines: tuple[ReceiptLine, ...]
    discount: int
    total: int
    vat: tuple[tuple[str, int, int, int, int], ...]
    payments: tuple[tuple[str, int], ...]
    tendered: int
    change: int
    footer: tuple[str, ...]
    duplicate: int = 0
    original_number: int | None = None
    training: bool = False
    fees: int | None = None  # the hub's fees included in the total, when the hub shows them
    lane_id: int = 0
    original_lane: int | None = None  # a return of another lane's sale: that lane
    hub_code: str | None = None  # the signed summary any lane of the hub reads for a return (a QR code)

    @property
    def barcode(self) -> str:
        """What the receipt's barcode carries: the sale and its lane, for a return or a reprint."""
        return receipt_code(self.lane_id, self.number)


def build_receipt(
    stored: StoredSale,
    receipt_config: dict[str, Any],
    lane_name: str,
    fmt: Formatter,
    payment_labels: dict[str, str],
    *,
    duplicate: int = 0,
    original_number: int | None = None,
    original_lane: int | None = None,
    training: bool = False,
    hub_code: str | None = None,
) -> Receipt:
    sale = stored.sale
    header = [receipt_config["legal_name"], *receipt_config["address"]]
    if receipt_config.get("vat_number"):
        header.append(f"VAT {receipt_config['vat_number']}")
    if receipt_config.get("company_id"):
        header.append(receipt_config["company_id"])
    lines = []
    for line in sale.lines:
        if line.priced_by is PricedBy.WEIGHT:
            detail = f"{fmt.weight(abs(line.weight_g))} × {fmt.money(line.unit_price)}/kg"
        else:
            detail = f"{abs(line.quantity)} × {fmt.money(line.unit_price)}"
        if line.discount_cents or line.sale_discount_cents:
            detail += f"  (-{fmt.money(line.discount_cents + line.sale_discount_cents)})"
        if line.override_reason:
            detail += f"  price changed: {line.override_reason}"
        rule = str(line.discount.get("rule", "")) if line.discount else ""
        lines.append(ReceiptLine(line.name, detail, line.amount, line.vat_code, line.voided, rule))
    return Receipt(
        header=tuple(header),
        title="RETURN" if sale.kind is Kind.RETURN else "RECEIPT",
        lane_name=lane_name,
        number=stored.number,
        sale_uuid=sale.uuid,
        completed_at=fmt.moment_of(sale.completed_at),
        cashier=sale.cashier,
        lines=tuple(lines),
        discount=sum(line.discount_cents + line.sale_discount_cents for line in sale.lines),
        total=sale.total,
        vat=tuple((v.code, v.rate_bp, v.base, v.vat, v.gross) for v in sale.vat),
        payments=tuple((payment_labels.get(p.method, p.method), p.amount) for p in sale.payments),
        tendered=sale.tendered,
        change=sale.change,
        footer=tuple(receipt_config.get("footer", ())),
        duplicate=duplicate,
        original_number=original_number,
        training=training,
        fees=sum(line.fee_cents for line in sale.lines if not line.voided) if receipt_config.get("show_fees") else None,
        lane_id=sale.lane_id,
        original_lane=original_lane,
        hub_code=hub_code,
    )


def layout(receipt: Receipt, fmt: Formatter, columns: int = 42) -> list[str]:
    """The receipt as lines of at most ``columns`` characters; a training store's says so first and last."""
    banner = [TRAINING_BANNER.center(columns).rstrip()] if receipt.training else []
    out = [*banner, *(text.center(columns).rstrip() for text in receipt.header)]
    out.append("")
    out.append(receipt.title.center(columns).rstrip())
    if receipt.duplicate:
        out.append(f"DUPLICATE {receipt.duplicate}".center(columns).rstrip())
    out.append(pair_cut(f"{receipt.lane_name}  No {receipt.number}", receipt.completed_at, columns))
    out.append(f"Cashier: {receipt.cashier}"[:columns])
    if receipt.original_number is not None:
        lane = f" of lane {receipt.original_lane}" if receipt.original_lane is not None else ""
        out.append(f"Return of sale No {receipt.original_number}{lane}"[:columns])
    out.append("-" * columns)
    for line in receipt.lines:
        shown = "VOID" if line.voided else f"{fmt.money(line.amount)} {line.vat_code}"
        out.append(pair_cut(line.text, shown, columns))
        out.append(("  " + line.detail)[:columns])
        if line.rule:
            out.append(f"  Discount: {line.rule}"[:columns])
    out.append("-" * columns)
    if receipt.discount:
        out.append(pair_cut("Discounts included", fmt.money(-receipt.discount), columns))
    out.append(pair_cut("TOTAL", fmt.money(receipt.total), columns))
    if receipt.fees:
        out.append(pair_cut("  of which hub fees", fmt.money(receipt.fees), columns))
    for method, amount in receipt.payments:
        out.append(pair_cut(f"  {method}", fmt.money(amount), columns))
    if receipt.change:
        out.append(pair_cut("  Change", fmt.money(receipt.change), columns))
    out.append("")
    out.append(_vat_header(columns))
    for code, rate_bp, base, vat, gross in receipt.vat:
        out.append(
            _vat_row(f"{code} {fmt.rate(rate_bp)}", fmt.amount(base), fmt.amount(vat), fmt.amount(gross), columns)
        )
    out.append("")
    out += [text.center(columns).rstrip() for text in receipt.footer]
    out.append(receipt.barcode.center(columns).rstrip())
    return out + banner


def _vat_header(columns: int) -> str:
    return _vat_row("VAT", "base", "VAT", "total", columns)


def _vat_row(label: str, base: str, vat: str, gross: str, columns: int) -> str:
    width = (columns - 10) // 3
    return f"{label[:10]:<10}{base:>{width}}{vat:>{width}}{gross:>{columns - 10 - 2 * width}}"


def printed_by_itself(sale: CompletedSale, receipt_config: dict[str, object], *, card_taken_back: bool) -> str:
    """Why this sale's receipt prints without being asked for, or "" when it prints on request only.

    Since August 2023 French law forbids printing a receipt the customer did not ask for, except
    where another rule still wants one: the hub lists those cases in ``[receipt]``.
    """
    if receipt_config.get("print") == "always":
        return "this till prints every receipt"
    if card_taken_back and receipt_config.get("print_cancelled_card", True):
        return "a card payment was taken back"
    threshold = receipt_config.get("print_weighed_over") or Decimal(0)
    weighed = sum(line.amount for line in sale.lines if line.priced_by is PricedBy.WEIGHT and not line.voided)
    if isinstance(threshold, Decimal) and threshold > 0 and weighed > to_cents(threshold):
        return f"weighed goods over {threshold}"
    return ""
