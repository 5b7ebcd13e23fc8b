"""Bytes on the wire for one receipt: ESC/POS text against the same receipt sent as a picture.

The Odoo IoT box prints receipts as raster images (the browser renders them); this driver sends
text in a pinned code page. On a 9600-baud serial printer or a busy USB bus the byte count is the
printing time, so this measures both ways for a typical receipt (12 item lines, 48 columns on an
80 mm printer, 576 dots wide):

- text: :class:`drivers.printer.Renderer` (init, code page, lines, CODE128 barcode, cut);
- image: the same layout lines drawn with Pillow's default font on a 576-dot-wide bitmap, sent
  with python-escpos ``image()`` (``GS v 0`` raster), then the cut.

It prints both sizes, their ratio, the seconds each takes at 9600 and 115200 baud, and the median
time to render each.

    .venv/bin/python bench/receipt_bytes.py [--lines 12] [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from appliance.reports.formatting import Formatter  # noqa: E402
from appliance.reports.receipt import Receipt, ReceiptLine, layout  # noqa: E402
from appliance.reports.receipt_document import receipt_document  # noqa: E402
from drivers.printer import PrinterSettings, Renderer  # noqa: E402
from drivers.printer.escpos_lib import _escpos  # noqa: E402
from tests.helpers import sample_receipt  # noqa: E402

PROFILE = "TM-T20II"  # 80 mm paper, 576 dots, 48 columns in font A
COLUMNS = 48
DOTS = 576
NAMES = [
    "Pain au levain 1 kg",
    "Crème fraîche d'Isigny",
    "Pâté en croûte",
    "Tomates cerises",
    "Comté 18 mois",
    "Pommes Reinette",
    "Jus de pomme 1 L",
    "Œufs plein air x6",
    "Miel de châtaignier",
    "Bière brune 33 cl",
    "Carottes nouvelles",
    "Yaourt nature x4",
]


def typical_receipt(fmt: Formatter, count: int) -> Receipt:
    lines = tuple(
        ReceiptLine(
            NAMES[i % len(NAMES)], f"{1 + i % 3} × {fmt.money(180 + 37 * i)}", (1 + i % 3) * (180 + 37 * i), "A", False
        )
        for i in range(count)
    )
    return sample_receipt(lines, number=1234)


def font_that_fits(lines: list[str]) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's default font at the largest size whose widest line fits the paper, at most 24 dots.

    24 dots is the height of the printer's own font A (12 × 24), so both receipts are as long.
    """
    probe = ImageDraw.Draw(Image.new("1", (1, 1)))
    for size in range(24, 7, -1):
        font = ImageFont.load_default(size=size)
        if max(probe.textlength(line, font=font) for line in lines) <= DOTS:
            return font
    return ImageFont.load_default()


def as_image_bytes(lines: list[str], font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> bytes:
    height = 24  # one line of the printer's font A
    picture = Image.new("1", (DOTS, height * len(lines) + 8), 1)
    draw = ImageDraw.Draw(picture)
    for row, line in enumerate(lines):
        draw.text((0, 4 + row * height), line, font=font, fill=0)
    out = _escpos()["printer"].Dummy(profile=PROFILE)
    out.hw("INIT")
    out.image(picture, impl="bitImageRaster")
    out.cut(mode="PART")
    return bytes(out.output)


def median_seconds(work: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=12, help="item lines on the receipt")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    fmt = Formatter("EUR", "fr_FR", ZoneInfo("Europe/Paris"))
    sale = typical_receipt(fmt, args.lines)
    renderer = Renderer(PrinterSettings(profile=PROFILE, columns=COLUMNS))
    document = receipt_document(sale, fmt, COLUMNS)
    text_lines = layout(sale, fmt, COLUMNS)
    font = font_that_fits(text_lines)
    text = renderer.render(document)
    image = as_image_bytes(text_lines, font)
    text_time = median_seconds(lambda: renderer.render(document), args.runs)
    image_time = median_seconds(lambda: as_image_bytes(text_lines, font), max(10, args.runs // 10))
    size = getattr(font, "size", "bitmap")
    print(f"receipt: {args.lines} item lines, {len(text_lines)} printed lines, {COLUMNS} columns, {DOTS} dots wide")
    print(f"image: Pillow's default font at size {size}, one line every 24 dots")
    print(f"{'':22} {'bytes':>8} {'at 9600 bd':>11} {'at 115200 bd':>13} {'render (median)':>16}")
    for label, data, seconds in (("ESC/POS text", text, text_time), ("raster image (GS v 0)", image, image_time)):
        wire_9600, wire_115200 = len(data) * 10 / 9600, len(data) * 10 / 115200
        print(f"{label:22} {len(data):8d} {wire_9600:10.2f}s {wire_115200:12.3f}s {seconds * 1e3:14.2f}ms")
    print(f"image / text: {len(image) / len(text):.1f}× the bytes, {image_time / text_time:.1f}× the render time")


if __name__ == "__main__":
    main()
