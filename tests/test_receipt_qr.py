"""The QR code on the paper: native ``GS ( k`` commands whose module size fits the printer's dots,
whatever the length of the code (a sale of many lines makes a large QR version)."""

from __future__ import annotations

import re

import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.core.document import Document, QrCode
from drivers.printer import PrinterSettings, Renderer
from drivers.printer.render import _qr_version
from drivers.printer_twin import read_bytes

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def module_size(data: bytes) -> int:
    match = re.search(rb"\x1d\(k\x03\x001C(.)", data, re.DOTALL)
    assert match is not None, "no module size sent"
    return match.group(1)[0]


BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def best_fit(data: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(data)
    return int(code.best_fit())


@settings(max_examples=60, deadline=None)
@given(st.text(BASE32, min_size=1, max_size=2000))
def test_the_version_of_a_receipt_code_is_the_smallest_that_holds_it(body: str) -> None:
    """A hub code (``RT1`` and base32) in one alphanumeric segment, as the qrcode library finds it."""
    assert _qr_version("RT1" + body) == best_fit("RT1" + body)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(ALPHANUMERIC, min_size=1, max_size=2000), st.text(min_size=1, max_size=600)))
def test_the_version_never_undercounts_whatever_the_text(data: str) -> None:
    """Any text: never a version smaller than the symbol needs (it would overflow the paper). A run
    of digits may fit a smaller symbol in numeric mode than the one asked for, which is safe."""
    assert _qr_version(data) >= best_fit(data)


@given(st.integers(20, 1600), st.sampled_from([("TM-T20II", 576), ("TM-T88V", 512)]), st.integers(1, 16))
def test_the_module_size_asked_is_kept_only_while_the_symbol_fits_the_paper(
    length: int, printer: tuple[str, int], asked: int
) -> None:
    profile, dots = printer
    text = "RT1" + "A" * length
    sent = Renderer(PrinterSettings(profile=profile)).render(Document((QrCode(text, size=asked),)))
    size = module_size(sent)
    modules = 17 + 4 * _qr_version(text) + 8  # with its quiet zone
    assert size * modules <= dots or size == 1
    assert size == min(asked, max(1, dots // modules))
    assert read_bytes(sent).of("qr") == [text]


def raster_rows(data: bytes) -> tuple[int, list[bytes]]:
    """The bytes per row and the rows of the ``GS v 0`` bands of a rendering (one image)."""
    at = data.index(b"\x1dv0\x00")
    rows: list[bytes] = []
    width = 0
    while data.startswith(b"\x1dv0\x00", at):
        width = int.from_bytes(data[at + 4 : at + 6], "little")
        height = int.from_bytes(data[at + 6 : at + 8], "little")
        at += 8
        rows += [data[at + r * width : at + (r + 1) * width] for r in range(height)]
        at += width * height
    return width, rows


def black(row: bytes, x: int) -> bool:
    return bool(row[x // 8] & (0x80 >> (x % 8)))


@settings(max_examples=25, deadline=None)
@given(st.integers(20, 1800), st.sampled_from([("TM-T20II", 576), ("TM-T88V", 512)]), st.integers(1, 16))
def test_a_raster_qr_code_is_the_symbol_at_level_l_it_was_sized_for(
    length: int, printer: tuple[str, int], asked: int
) -> None:
    """A printer drawing the QR code as an image gets the level L symbol :func:`_qr_size` sized:
    at level M a long code takes a larger version, which came out wider than sized (and scaled
    down to the paper, its modules smeared)."""
    profile, dots = printer
    text = "RT1" + "A" * length
    renderer = Renderer(PrinterSettings(profile=profile, qr_native=False))
    block = QrCode(text, size=asked)
    size = renderer._qr_size(block)
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=1)
    symbol.add_data(text)
    symbol.make(fit=True)
    matrix = symbol.get_matrix()  # with its one-module border
    assert len(matrix) == 17 + 4 * _qr_version(text) + 2
    width, rows = raster_rows(renderer.render(Document((block,))))
    side = len(matrix) * size
    assert width * 8 == dots and len(rows) == side and side <= dots
    left = (dots - side) // 2
    printed = [
        [black(rows[i * size + size // 2], left + j * size + size // 2) for j in range(len(matrix))]
        for i in range(len(matrix))
    ]
    assert printed == matrix
