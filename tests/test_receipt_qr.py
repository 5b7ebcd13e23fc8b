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


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(ALPHANUMERIC, min_size=1, max_size=2000), st.text(min_size=1, max_size=600)))
def test_the_version_is_the_smallest_that_holds_the_code_as_the_qrcode_library_finds_it(data: str) -> None:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(data)
    assert _qr_version(data) == code.best_fit()


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
