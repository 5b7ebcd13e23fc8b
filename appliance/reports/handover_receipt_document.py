"""A hand-over receipt as a print document: the text lines of its layout, emphasis, a cut.

The printed text is :func:`appliance.reports.handover_receipt.layout` line for line, as for the sale
receipt, so the printer shows what the tests read. No barcode: a hand-over is not returned at this
till (the goods are the OFN order's), so there is no sale number to scan.
"""

from __future__ import annotations

from appliance.core.document import Block, Cut, Document, Rule, Text
from appliance.reports.formatting import TRAINING_BANNER, Formatter
from appliance.reports.handover_receipt import PAID_HERE, TITLE, HandoverReceipt, layout


def handover_document(receipt: HandoverReceipt, fmt: Formatter, columns: int) -> Document:
    blocks: list[Block] = [_block_for(line, receipt, columns) for line in layout(receipt, fmt, columns)]
    blocks.append(Cut(partial=True))
    return Document(tuple(blocks))


def _block_for(line: str, receipt: HandoverReceipt, columns: int) -> Block:
    if line == "-" * columns:
        return Rule("-")
    stripped = line.strip()
    if stripped in (TITLE, TRAINING_BANNER, receipt.sold_by) or line.startswith(PAID_HERE + " "):
        return Text(line, bold=True)
    return Text(line)
