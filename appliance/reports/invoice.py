"""Invoices and credit notes as data, and their plain-text layout for a receipt printer's width.

An :class:`Invoice` is built from its sealed journal entry and the sealed sale (or return) it is
for, so a duplicate made years later shows what the customer was given. :func:`layout` is the
text both the screen and the tests read; the print document (invoice_document.py) prints the same
lines, and the PDF (invoice_pdf.py) the same figures on A4. docs/invoices.md lists each mention
and why it is there.
"""

from __future__ import annotations

import sqlite3
import textwrap
from dataclasses import dataclass
from datetime import datetime

from appliance.core.clock import parse_utc
from appliance.core.customer import Customer
from appliance.core.invoice import (
    CREDIT_NOTE,
    TITLES,
    InvoiceError,
    InvoiceLine,
    Seller,
    invoice_lines,
    seller_from_record,
)
from appliance.core.sale import PricedBy
from appliance.core.tax import VatAmount
from appliance.reports.columns import pair_cut
from appliance.reports.formatting import TRAINING_BANNER, Formatter
from appliance.store.invoices import SealedDocument
from appliance.store.sales import StoredSale, load_sale


@dataclass(frozen=True)
class Invoice:
    """An invoice or a credit note, ready to print: what the screen and both layouts read."""

    kind: str  # "invoice" or "credit_note"
    number: int
    label: str  # as printed: INV-1-000042, CN-1-000003
    issued_at: datetime
    lane_name: str
    sale_number: int  # the sale invoiced, or the return credited
    sale_uuid: str
    sold_at: datetime  # when the sale (or the return) was completed and paid
    customer: Customer
    seller: Seller
    cashier: str
    lines: tuple[InvoiceLine, ...]
    vat: tuple[VatAmount, ...]
    total: int
    payments: tuple[tuple[str, int], ...]  # method label, amount
    invoice_label: str | None = None  # a credit note: the invoice it corrects
    invoice_date: datetime | None = None
    duplicate: int = 0
    training: bool = False

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def is_credit_note(self) -> bool:
        return self.kind == CREDIT_NOTE

    @property
    def total_excl(self) -> int:
        return sum(v.base for v in self.vat)

    @property
    def vat_total(self) -> int:
        return sum(v.vat for v in self.vat)

    @property
    def barcode(self) -> str | None:
        """An invoice carries its sale's number as the receipt does, so a return can start from it."""
        return None if self.is_credit_note else f"S{self.sale_number:08d}"


def present(
    connection: sqlite3.Connection,
    document: SealedDocument,
    lane_name: str,
    payment_labels: dict[str, str],
    *,
    duplicate: int = 0,
    training: bool = False,
) -> Invoice:
    """The invoice or credit note of a journal entry, with the sale (or return) it is for."""
    stored = load_sale(connection, uuid=document.ref)
    if stored is None:  # the triggers of migration 8 refuse an invoice entry without its sale
        raise InvoiceError(
            f"{document.label} names a sale this journal does not hold: run `ofn-checkout journal verify`"
        )
    return build_invoice(document, stored, lane_name, payment_labels, duplicate=duplicate, training=training)


def build_invoice(
    document: SealedDocument,
    stored: StoredSale,
    lane_name: str,
    payment_labels: dict[str, str],
    *,
    duplicate: int = 0,
    training: bool = False,
) -> Invoice:
    sale, record = stored.sale, document.record
    invoice_date = record.get("invoice_date")
    return Invoice(
        kind=document.kind,
        number=document.number,
        label=document.label,
        issued_at=document.issued_at,
        lane_name=lane_name,
        sale_number=stored.number,
        sale_uuid=sale.uuid,
        sold_at=sale.completed_at,
        customer=document.customer,
        seller=seller_from_record(record["seller"]),
        cashier=record["cashier"],
        lines=invoice_lines(sale),
        vat=sale.vat,
        total=sale.total,
        payments=tuple((payment_labels.get(p.method, p.method), p.amount) for p in sale.payments),
        invoice_label=record.get("invoice_label"),
        invoice_date=parse_utc(invoice_date) if invoice_date else None,
        duplicate=duplicate,
        training=training,
    )


def layout(invoice: Invoice, fmt: Formatter, columns: int = 42) -> list[str]:
    """The document as lines of at most ``columns`` characters; nothing the law asks for is cut off:
    long names and addresses wrap. A training store's says so first and last."""
    banner = [_centre(TRAINING_BANNER, columns)] if invoice.training else []
    out = [*banner, *seller_lines(invoice.seller, columns, centred=True), ""]
    out.append(_centre(invoice.title, columns))
    out.append(_centre(invoice.label, columns))
    if invoice.duplicate:
        out.append(_centre(f"DUPLICATE {invoice.duplicate}", columns))
    out += [line for label, value in heading(invoice, fmt) for line in _pair_or_wrap(label, value, columns)]
    out.append("-" * columns)
    out.append("Customer:")
    out += [wrapped for text in customer_lines(invoice.customer) for wrapped in _wrap(text, columns)]
    out.append("-" * columns)
    out.append(pair_cut("Item", f"excl. VAT ({fmt.currency})", columns))
    for line in invoice.lines:
        out += _wrap(line.name, columns)
        out += _pair_or_wrap("  " + line_detail(line, fmt), fmt.amount(line.net_excl), columns)
        if line.discount_excl:
            out.append(pair_cut("  discount", fmt.amount(-line.discount_excl), columns))
    out.append("-" * columns)
    out.append(_vat_row("VAT rate", "excl.", "VAT", "incl.", columns))
    for vat in invoice.vat:
        out.append(
            _vat_row(fmt.rate(vat.rate_bp), fmt.amount(vat.base), fmt.amount(vat.vat), fmt.amount(vat.gross), columns)
        )
    out.append("-" * columns)
    for label, value in totals(invoice, fmt):
        out += _pair_or_wrap(label, value, columns)
    out.append("")
    paid, methods, closing = payment_lines(invoice, fmt)
    out += _wrap(paid, columns)
    out += [line for method, amount in methods for line in _pair_or_wrap(f"  {method}", amount, columns)]
    if closing:
        out += _wrap(closing, columns)
    notes = invoice.seller.notes
    if notes:
        out.append("")
        out += [wrapped for text in notes for wrapped in _wrap(text, columns)]
    if invoice.barcode:
        out.append(_centre(invoice.barcode, columns))
    return out + banner


# -- the pieces both layouts (this one and the PDF) print -------------------------------------------


def seller_lines(seller: Seller, columns: int = 0, *, centred: bool = False) -> list[str]:
    """Who issues the document: legal name, form and capital, address, registration, VAT number."""
    texts = [seller.legal_name]
    form = ", ".join(
        part for part in (seller.legal_form, f"capital {seller.capital}" if seller.capital else "") if part
    )
    if form:
        texts.append(form)
    texts += [*seller.address, seller.company_id]
    if seller.vat_number:
        texts.append(f"VAT {seller.vat_number}")
    if not columns:
        return texts
    return [_centre(w, columns) if centred else w for text in texts for w in _wrap(text, columns)]


def customer_lines(customer: Customer) -> list[str]:
    lines = [customer.name, *customer.address]
    if customer.company_id:
        lines.append(customer.company_id)
    if customer.vat_number:
        lines.append(f"VAT {customer.vat_number}")
    if customer.email:
        lines.append(customer.email)
    return lines


def heading(invoice: Invoice, fmt: Formatter) -> list[tuple[str, str]]:
    """Date of issue, the sale (and its date when it differs), the invoice a credit note corrects."""
    rows = [("Date of issue", fmt.moment_of(invoice.issued_at))]
    what = "Return" if invoice.is_credit_note else "Sale"
    rows.append((what, f"{invoice.lane_name} No {invoice.sale_number}"))
    if _day(invoice.sold_at, fmt) != _day(invoice.issued_at, fmt):
        rows.append((f"Date of {what.lower()}", fmt.moment_of(invoice.sold_at)))
    if invoice.invoice_label:
        rows.append(("Corrects invoice", invoice.invoice_label))
        if invoice.invoice_date is not None:
            rows.append(("of", fmt.moment_of(invoice.invoice_date)))
    rows.append(("Cashier", invoice.cashier))
    return rows


def line_detail(line: InvoiceLine, fmt: Formatter) -> str:
    """Quantity or weight × unit price excl. VAT, and the VAT rate: "2 × 2,37  5,5 %"."""
    if line.priced_by is PricedBy.WEIGHT:
        return f"{fmt.weight(line.weight_g)} × {fmt.amount(line.unit_excl)}/kg  {fmt.rate(line.rate_bp)}"
    return f"{line.quantity} × {fmt.amount(line.unit_excl)}  {fmt.rate(line.rate_bp)}"


def totals(invoice: Invoice, fmt: Formatter) -> list[tuple[str, str]]:
    return [
        ("Total excl. VAT", fmt.money(invoice.total_excl)),
        ("VAT", fmt.money(invoice.vat_total)),
        ("TOTAL incl. VAT", fmt.money(invoice.total)),
    ]


def payment_lines(invoice: Invoice, fmt: Formatter) -> tuple[str, list[tuple[str, str]], str]:
    """When it was paid (or refunded), each method's amount, and that nothing is left to pay.

    A sale is paid in full at the counter before it can be completed, so an invoice states the
    payment instead of terms for a payment to come (docs/invoices.md, "Payment terms").
    """
    when = fmt.moment_of(invoice.sold_at)
    methods = [(method, fmt.money(amount)) for method, amount in invoice.payments]
    if invoice.is_credit_note:
        return f"Refunded on {when}", methods, ""
    return f"Paid on {when}", methods, "Paid in full: nothing is due."


def _day(moment: datetime, fmt: Formatter) -> str:
    return moment.astimezone(fmt.zone).date().isoformat()


def _centre(text: str, columns: int) -> str:
    return text.center(columns).rstrip()


def _wrap(text: str, columns: int) -> list[str]:
    return textwrap.wrap(text, columns, break_long_words=True, break_on_hyphens=False) or [""]


def _pair_or_wrap(left: str, right: str, columns: int) -> list[str]:
    """``left`` and ``right`` on one line when they fit; else ``left`` wrapped, ``right`` under it."""
    if len(left) + 1 + len(right) <= columns:
        return [pair_cut(left, right, columns)]
    return [*_wrap(left, columns), *(line.rjust(columns) for line in _wrap(right, columns))]


def _vat_row(label: str, base: str, vat: str, gross: str, columns: int) -> str:
    width = (columns - 9) // 3
    return f"{label[:9]:<9}{base:>{width}}{vat:>{width}}{gross:>{columns - 9 - 2 * width}}"
