"""A receipt as a print document: the screen's text lines, the sale number as a code, a cut.

The printed text is :func:`appliance.reports.receipt.layout` line for line, so what the printer shows is
what the screen and the tests read; the document only adds what text cannot carry: emphasis on the
title and the total, a scannable sale number for returns, the hub's signed code (a QR code any lane
of the hub reads, docs/channels.md), an optional logo, the cut and, for a cash sale, the drawer kick.
"""

from __future__ import annotations

from typing import Literal

from appliance.core.document import Barcode, Block, Cut, Document, DrawerKick, Logo, QrCode, Rule, Text
from appliance.reports.formatting import TRAINING_BANNER, Formatter
from appliance.reports.receipt import Receipt, layout

CodeKind = Literal["barcode", "qr", "none"]
#: Dots per module of the hub code's QR: small enough for a sale of 30 lines on 58 mm paper (the
#: printer driver makes it smaller still when the code would not fit the paper).
HUB_CODE_SIZE = 4


def receipt_document(
    receipt: Receipt,
    fmt: Formatter,
    columns: int,
    *,
    code: CodeKind = "barcode",
    logo: Logo | None = None,
    kick_drawer: bool = False,
) -> Document:
    """The document for ``receipt`` on paper ``columns`` characters wide.

    The drawer kick comes first so the drawer opens while the receipt prints, not after it.
    """
    blocks: list[Block] = []
    if kick_drawer:
        blocks.append(DrawerKick())
    if logo is not None:
        blocks.append(logo)
    for line in layout(receipt, fmt, columns):
        blocks.append(_block_for(line, receipt, columns))
    if code == "barcode":
        blocks.append(Barcode(receipt.barcode))
    elif code == "qr":
        blocks.append(QrCode(receipt.barcode))
    if receipt.hub_code:  # the square code any lane of the hub reads back for a return
        blocks.append(QrCode(receipt.hub_code, size=HUB_CODE_SIZE))
    blocks.append(Cut(partial=True))
    return Document(tuple(blocks))


def _block_for(line: str, receipt: Receipt, columns: int) -> Block:
    if line == "-" * columns:
        return Rule("-")
    stripped = line.strip()
    if stripped in (receipt.title, TRAINING_BANNER) or stripped.startswith("DUPLICATE ") or line.startswith("TOTAL "):
        return Text(line, bold=True)
    return Text(line)
