"""An invoice or a credit note as a print document for the receipt printer.

The printed text is :func:`appliance.reports.invoice.layout` line for line, as a receipt's is its
layout's: the document adds the emphasis on the title, the number and the total, the sale's number
as a barcode (so a return can start from the invoice), and the cut.
"""

from __future__ import annotations

from appliance.core.document import Barcode, Block, Cut, Document, Rule, Text
from appliance.reports.formatting import TRAINING_BANNER, Formatter
from appliance.reports.invoice import Invoice, layout

COLUMNS = (32, 42, 48)


def invoice_document(invoice: Invoice, fmt: Formatter, columns: int = 42) -> Document:
    """The document for ``invoice`` on paper ``columns`` characters wide (32, 42 or 48)."""
    if columns not in COLUMNS:
        raise ValueError(f"a receipt printer prints 32, 42 or 48 columns, not {columns}")
    bold = {invoice.title, invoice.label, TRAINING_BANNER, f"DUPLICATE {invoice.duplicate}"}
    blocks: list[Block] = []
    for line in layout(invoice, fmt, columns):
        if line == "-" * columns:
            blocks.append(Rule("-"))
        elif line.strip() in bold or line.startswith("TOTAL "):
            blocks.append(Text(line, bold=True))
        else:
            blocks.append(Text(line))
    if invoice.barcode:
        blocks.append(Barcode(invoice.barcode))
    blocks.append(Cut(partial=True))
    return Document(tuple(blocks))
