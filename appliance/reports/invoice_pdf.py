"""An invoice or a credit note as an A4 PDF, for printing on paper or sending by e-mail.

Made with fpdf2 and its built-in Helvetica, in the Windows-1252 encoding PDF readers all know as
WinAnsi: every letter of French and of the other Western European languages, the euro sign,
œ, « », curly quotes and dashes, with no font file to ship or find at run time (docs/dependencies.md
says why this over a bundled TrueType font). A character outside it (a Polish ł, a Vietnamese ễ)
is written without its accent when it has one, else as "?"; the journal, the screen and the
receipt printer keep the exact text. fpdf2 is imported when a PDF is made, not with the till: it
takes longer to import than the rest of the till together.

The content is the receipt-printer layout's, piece by piece (reports/invoice.py): the same
mentions, in a table per line.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from appliance.reports.formatting import TRAINING_BANNER, Formatter
from appliance.reports.invoice import (
    Invoice,
    customer_lines,
    heading,
    payment_lines,
    seller_lines,
    totals,
)

if TYPE_CHECKING:
    from fpdf import FPDF

ENCODING = "windows-1252"
FONT = "helvetica"
MARGIN = 15  # mm
RED = (180, 0, 0)


def invoice_pdf(invoice: Invoice, fmt: Formatter) -> bytes:
    """The PDF's bytes; the same invoice gives the same bytes (its dates are the invoice's own)."""
    from fpdf import FPDF  # noqa: PLC0415 - see the module's docstring

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN + 10)
    pdf.set_creation_date(invoice.issued_at)
    pdf.set_title(pdf_text(f"{invoice.title.capitalize()} {invoice.label}"))
    pdf.set_author(pdf_text(invoice.seller.legal_name))
    pdf.set_creator("OFN Checkout")
    pdf.add_page()
    if invoice.training:
        _banner(pdf)
    _head(pdf, invoice, fmt)
    _lines_table(pdf, invoice, fmt)
    _vat_and_totals(pdf, invoice, fmt)
    paid, methods, closing = payment_lines(invoice, fmt)
    _paragraph(
        pdf, [f"{paid}: " + ", ".join(f"{method} {amount}" for method, amount in methods) + ".", closing], size=9
    )
    if invoice.seller.notes:
        _paragraph(pdf, list(invoice.seller.notes), size=8)
    if invoice.training:
        _banner(pdf)
    return bytes(pdf.output())


def pdf_text(text: str) -> str:
    """``text`` as the PDF's font can show it: as it is, else without accents, else "?" for a letter."""
    try:
        text.encode(ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode(ENCODING)
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        try:
            bare.encode(ENCODING)
            out.append(bare or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def _banner(pdf: FPDF) -> None:
    pdf.set_font(FONT, "B", 12)
    pdf.set_text_color(*RED)
    pdf.cell(0, 8, pdf_text(TRAINING_BANNER), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _head(pdf: FPDF, invoice: Invoice, fmt: Formatter) -> None:
    """Seller on the left, title, number and dates on the right; then the customer, on the right."""
    top = pdf.get_y()
    half = (pdf.w - 2 * MARGIN) / 2
    seller = seller_lines(invoice.seller)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(half, 5, pdf_text(seller[0]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    for text in seller[1:]:
        pdf.multi_cell(half, 4.5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
    left_end = pdf.get_y()
    pdf.set_xy(MARGIN + half, top)
    pdf.set_font(FONT, "B", 16)
    pdf.cell(half, 8, pdf_text(invoice.title), align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(half, 6, pdf_text(invoice.label), align="R", new_x="LEFT", new_y="NEXT")
    if invoice.duplicate:
        pdf.set_text_color(*RED)
        pdf.cell(half, 6, f"DUPLICATE {invoice.duplicate}", align="R", new_x="LEFT", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", 9)
    for label, value in heading(invoice, fmt):
        pdf.cell(half, 4.5, pdf_text(f"{label}: {value}"), align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_y(max(left_end, pdf.get_y()) + 6)
    pdf.set_x(MARGIN + half)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(half, 5, "Customer" if invoice.is_credit_note else "Invoice to", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    for text in customer_lines(invoice.customer):
        pdf.multi_cell(half, 5, pdf_text(text), new_x="LEFT", new_y="NEXT")
    pdf.set_x(MARGIN)
    pdf.ln(6)


def _lines_table(pdf: FPDF, invoice: Invoice, fmt: Formatter) -> None:
    currency = fmt.currency
    headings = (
        "Item",
        "Quantity",
        f"Unit price excl. VAT ({currency})",
        "VAT",
        "Discount excl. VAT",
        "Total excl. VAT",
    )
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(
        col_widths=(62, 22, 28, 14, 24, 30),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5,
        repeat_headings=1,
    ) as table:
        _row(table, headings)
        for line in invoice.lines:
            quantity = fmt.weight(line.weight_g) if line.weight_g else str(line.quantity)
            unit = fmt.amount(line.unit_excl) + ("/kg" if line.weight_g else "")
            discount = fmt.amount(-line.discount_excl) if line.discount_excl else ""
            _row(table, (line.name, quantity, unit, fmt.rate(line.rate_bp), discount, fmt.amount(line.net_excl)))
    pdf.ln(4)


def _vat_and_totals(pdf: FPDF, invoice: Invoice, fmt: Formatter) -> None:
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(col_widths=(25, 30, 30, 30), width=115, align="RIGHT", text_align="RIGHT", line_height=5) as table:
        _row(table, ("VAT rate", "Excl. VAT", "VAT", "Incl. VAT"))
        for vat in invoice.vat:
            _row(table, (fmt.rate(vat.rate_bp), fmt.amount(vat.base), fmt.amount(vat.vat), fmt.amount(vat.gross)))
    pdf.ln(3)
    for label, value in totals(invoice, fmt):
        bold = label.startswith("TOTAL")
        pdf.set_font(FONT, "B" if bold else "", 11 if bold else 9.5)
        pdf.cell(pdf.w - 2 * MARGIN - 35, 6, pdf_text(label), align="R")
        pdf.cell(35, 6, pdf_text(value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _row(table: Any, cells: tuple[str, ...]) -> None:
    row = table.row()
    for text in cells:
        row.cell(pdf_text(text))


def _paragraph(pdf: FPDF, texts: list[str], *, size: float) -> None:
    pdf.set_font(FONT, "", size)
    for text in filter(None, texts):
        pdf.multi_cell(0, size * 0.5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
