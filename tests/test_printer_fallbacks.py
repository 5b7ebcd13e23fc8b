"""Characters a code page lacks print as readable stand-ins, never as ``?``, on receipts and reports.

The bytes are the renderer's, read back by the printer twin in the table the job selected. The
properties run over every table the driver may pin (CP858, CP1252, ISO-8859-15, CP850, CP437).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.document import Align, Document, Text
from appliance.reports.formatting import Formatter
from appliance.reports.receipt import ReceiptLine, layout
from appliance.reports.receipt_document import receipt_document
from drivers.printer import CodePage, PrinterSettings, Renderer
from drivers.printer.fallbacks import fit
from drivers.printer_twin import read_bytes

from .helpers import sample_receipt

PAGES = [
    CodePage("CP858", 19, "cp858"),
    CodePage("CP1252", 16, "cp1252"),
    CodePage("ISO_8859-15", 40, "iso8859_15"),
    CodePage("CP850", 2, "cp850"),
    CodePage("CP437", 0, "cp437"),
]
CP858, CP1252, CP437 = PAGES[0], PAGES[1], PAGES[-1]
ASCII_ONLY = CodePage("ASCII", 0, "ascii")  # no real printer's, but it lacks even « and »
FMT = Formatter("EUR", "fr_FR", ZoneInfo("Europe/Paris"))


@pytest.fixture(scope="module", autouse=True)
def escpos_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("escpos-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESCPOS_CAPABILITIES_PICKLE_DIR", str(directory))
        yield directory


def alphabet(page: CodePage) -> str:
    """Every printable character the table holds, as Python's codec decodes its bytes."""
    chars = []
    for byte in range(0x20, 0x100):
        try:
            char = bytes([byte]).decode(page.encoding)
        except UnicodeDecodeError:
            continue
        if unicodedata.category(char) != "Cc":
            chars.append(char)
    return "".join(chars)


@pytest.mark.parametrize(
    ("page", "text", "shown"),
    [
        (CP858, "Œufs, bœuf", "OEufs, boeuf"),
        (CP858, "l’été ‘bio’", "l'été 'bio'"),
        (CP858, "“Comté”", '"Comté"'),
        (ASCII_ONLY, "«Brie»", '"Brie"'),
        (CP858, "«Brie»", "«Brie»"),  # CP858 has guillemets: kept
        (CP858, "Pain — 500 g – bio", "Pain - 500 g - bio"),
        (CP858, "Miel…", "Miel..."),
        (CP437, "3,50 €", "3,50 EUR"),
        (CP858, "3,50 €", "3,50 €"),
        (CP858, "1\u202f234,50\u00a0€", "1 234,50\u00a0€"),  # CP858 has the no-break space, not the narrow one
        (CP437, "Crème\u2009fraîche", "Crème fraîche"),
        (CP858, "Gruyère de Győr", "Gruyère de Gyor"),  # ő: the bare letter
        (CP858, "ǖ", "ü"),  # as many of its accents as the page has in one character
        (CP1252, "Łódź", "Lódz"),
        (CP858, "ﬁlet", "filet"),
        (CP858, "Jus\tpomme", "Jus pomme"),
        (CP858, "Sushi 寿司", "Sushi __"),
        (CP858, "e\u0301\u200b", "é"),  # composed first; a zero-width space takes no room
    ],
)
def test_what_the_page_lacks_prints_as_a_readable_stand_in(page: CodePage, text: str, shown: str) -> None:
    assert page.printable(text) == shown
    assert b"?" not in page.encode(text)


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
@given(data=st.data())
def test_any_text_encodes_with_no_question_mark_it_did_not_have(page: CodePage, data: st.DataObject) -> None:
    text = data.draw(st.text(max_size=60))
    encoded = page.encode(text)
    assert encoded.count(b"?") == unicodedata.normalize("NFKD", text).count("?")  # "？" is a question mark too
    assert all(byte >= 0x20 and byte != 0x7F for byte in encoded)  # never a control byte: no printer command


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
@given(data=st.data())
def test_characters_the_page_has_are_kept_as_they_are(page: CodePage, data: st.DataObject) -> None:
    text = data.draw(st.text(alphabet(page), max_size=60))
    assert page.printable(text) == text
    assert page.encode(text) == text.encode(page.encoding)


@given(name=st.text("œŒ…€—“”’ abcé", min_size=1, max_size=30), columns=st.sampled_from([32, 42, 48]))
def test_a_longer_stand_in_takes_its_room_from_the_padding(name: str, columns: int) -> None:
    right = "12,50 € A"
    room = columns - len(right) - 1
    line = f"{name[:room]:<{room}} {right}"
    printed = CP437.printable(line, columns)
    assert printed.endswith("12,50 EUR A")
    assert len(printed) <= columns or "  " not in printed  # only a line with no padding left is longer


def test_fit_takes_from_the_widest_padding_and_never_joins_words() -> None:
    assert fit("OEufs   2,50", 10) == "OEufs 2,50"
    assert fit("  TITLE  ", 7) == " TITLE "
    assert fit("a b c", 3) == "a b c"  # single spaces belong to the words: the line stays long


def test_a_receipt_on_a_page_without_oe_keeps_its_layout_and_has_no_question_mark() -> None:
    lines = (
        ReceiptLine("Œufs plein air x6 – bio", "1 × 3,20 €", 320, "A", voided=False),
        ReceiptLine("Bière “Triple” 33 cl…", "2 × 2,50 €", 500, "B", voided=False),
    )
    sale = sample_receipt(lines)
    for columns in (32, 42, 48):
        printout = read_bytes(Renderer(PrinterSettings(columns=columns)).render(receipt_document(sale, FMT, columns)))
        assert not any("?" in line for line in printout.text)
        # "Œufs plein air x6 – bio" fills the 32-column name field: with OE it has no padding to
        # give, and that line alone is one character longer (the printer wraps it; nothing is cut)
        assert all(len(line) <= columns or "  " not in line for line in printout.text)
        assert sum(len(line) > columns for line in printout.text) == (columns == 32)
        assert printout.text == [CP858.printable(line, columns) for line in layout(sale, FMT, columns)]
        assert any(line.startswith("OEufs plein air x6 - bio") for line in printout.text)


def test_a_z_report_prints_its_dashes_as_dashes() -> None:
    """The reports' own text uses — and –, which CP858 lacks."""
    report = Document(
        (
            Text("Z REPORT — SHIFT CLOSED".center(42).rstrip(), bold=True, align=Align.CENTER),
            Text(f"{'Sale numbers':<30}{'12–40':>12}"),
            Text(f"{'Journal entries':<30}{'1–57':>12}"),
        )
    )
    printout = read_bytes(Renderer(PrinterSettings(columns=42)).render(report))
    assert printout.text[0].strip() == "Z REPORT - SHIFT CLOSED"
    assert printout.text[1].endswith("12-40") and printout.text[2].endswith("1-57")
    assert not any("?" in line for line in printout.text)
