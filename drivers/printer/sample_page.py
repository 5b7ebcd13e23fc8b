"""The printer's test page: what ``ofn-checkout printer test`` prints, and the diagnostics screen's
"test page" sends through the till's print queue."""

from __future__ import annotations

from appliance.core.document import Align, Barcode, Block, Cut, Document, DrawerKick, Rule, Text


def sample_page(columns: int, code_page: str, *, kick: bool = False) -> Document:
    """A page that shows at a glance whether accents, €, the width and barcodes come out right."""
    tens = "".join(str(i // 10 % 10) if i % 10 == 0 else " " for i in range(1, columns + 1))
    units = "".join(str(i % 10) for i in range(1, columns + 1))
    blocks: list[Block] = [DrawerKick()] if kick else []
    blocks += [
        Text("PRINTER TEST", bold=True, double=True, align=Align.CENTER),
        Text("OFN Checkout", align=Align.CENTER),
        Rule("="),
        Text(f"Code page {code_page}"[:columns]),
        Text("àâäçéèêëîïôöùûüÿ"),
        Text("ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜ"),
        Text(_pair("Café crème", "3,50 €", columns)),
        Text(_pair("Pâté 1,250 kg", "12,40 €", columns)),
        Text("œ Œ (CP1252; oe OE elsewhere)"[:columns]),
        Rule(),
        Text(tens),
        Text(units),
        Text(_pair("<left", "right>", columns)),
        Text(_pair("TOTAL", "15,90 €", columns), bold=True),
        Rule(),
        Barcode("TEST-0001"),
        Cut(partial=True),
    ]
    return Document(tuple(blocks))


def _pair(left: str, right: str, columns: int) -> str:
    room = columns - len(right) - 1
    return f"{left[:room]:<{room}} {right}"
