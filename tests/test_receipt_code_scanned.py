"""The hub's receipt code as a keyboard-wedge scanner types it: through evdev's own reader from a
pipe, in every keyboard layout the box knows, it arrives whole and still checks out."""

from __future__ import annotations

import pytest

from appliance.core.receipt_token import read, sign, summarize
from drivers.keymaps import LAYOUT_NAMES
from drivers.scanner_twin import ScannerTwin

from .returns_kit import HUB_KEY
from .test_receipt_token import sold
from .test_scanner import scans_through_pipe


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_the_code_typed_by_a_scanner_in_any_layout_reads_back_and_checks_out(layout: str) -> None:
    original = sold((1, "2.35", 3), (2, "0.99", 1))
    code = sign(summarize(original, 42), HUB_KEY)
    assert code is not None
    stream = ScannerTwin(layout).encode(code)
    [scanned] = scans_through_pipe(stream, layout=layout)
    assert scanned == code
    assert read(scanned, HUB_KEY).uuid == original.uuid
