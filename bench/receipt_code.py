"""What the hub's receipt code costs: signing it, reading it back, and printing it as a QR code.

A receipt with the hub's code (docs/channels.md, "Returns") costs the till a CBOR summary and an
HMAC when the receipt is built, and the print queue a QR code; a return by the code costs reading
and checking it. This prints, for sales of 1, 12 and 40 lines:

- the code's length in characters (what a keyboard-wedge scanner types);
- the median and p99 of ``sign`` (summary to code) and ``read`` (code to checked summary);
- the median and p99 of rendering the receipt's ESC/POS bytes with the QR code and, as the
  baseline in the same run, without it; their ratio, and the bytes each sends.

    .venv/bin/python bench/receipt_code.py [--runs 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import quantiles  # noqa: E402  (bench/, the script's own folder)

from appliance.core.money import from_cents  # noqa: E402
from appliance.core.receipt_token import read, sign, summarize  # noqa: E402
from appliance.core.sale import CompletedSale, Sale  # noqa: E402
from appliance.reports.formatting import Formatter  # noqa: E402
from appliance.reports.receipt import ReceiptLine  # noqa: E402
from appliance.reports.receipt_document import receipt_document  # noqa: E402
from drivers.printer import PrinterSettings, Renderer  # noqa: E402
from tests.helpers import CASH, item, sample_receipt  # noqa: E402

KEY = bytes(range(32))
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def sale_of(lines: int) -> CompletedSale:
    sale = Sale(lane_id=2, channel="shop counter", cashier="Alice", started_at=NOW)
    for index in range(lines):
        variant = 10_000 + index
        if index % 4 == 3:
            sale.add_weighed(item(variant, "12.90", weighed=True), 250 + 37 * index)
        else:
            sale.add(item(variant, str(from_cents(150 + 37 * index))), 1 + index % 3)
    sale.tender(CASH, from_cents(sale.totals().total))
    return sale.complete(NOW)


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return quantiles(samples)


def ms(pair: tuple[float, float]) -> str:
    return f"median {pair[0] * 1000:.3f} ms, p99 {pair[1] * 1000:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    fmt = Formatter("EUR", "fr_FR", ZoneInfo("Europe/Paris"))
    renderer = Renderer(PrinterSettings(profile="TM-T20II", columns=48))
    for lines in (1, 12, 40):
        sale = sale_of(lines)
        code = sign(summarize(sale, 1234), KEY)
        assert code is not None
        receipt_lines = tuple(ReceiptLine(f"Item {i}", "1 × 1,00 €", 100, "A", False) for i in range(lines))
        plain = sample_receipt(receipt_lines, number=1234)
        with_code = replace(plain, hub_code=code)
        print(f"{lines} lines: code of {len(code)} characters")
        print(f"  sign: {ms(timed(lambda: sign(summarize(sale, 1234), KEY), args.runs))}")
        print(f"  read: {ms(timed(lambda: read(code, KEY), args.runs))}")
        bare = timed(lambda: renderer.render(receipt_document(plain, fmt, 48)), args.runs)
        qr = timed(lambda: renderer.render(receipt_document(with_code, fmt, 48)), args.runs)
        size_bare = len(renderer.render(receipt_document(plain, fmt, 48)))
        size_qr = len(renderer.render(receipt_document(with_code, fmt, 48)))
        print(f"  receipt without the code: {ms(bare)}, {size_bare} bytes")
        print(f"  receipt with the QR code: {ms(qr)}, {size_qr} bytes; ratio {qr[0] / bare[0]:.2f}")


if __name__ == "__main__":
    main()
