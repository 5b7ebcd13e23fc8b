"""Receipt printer: the exact ESC/POS bytes, the code page, status over real ptys and sockets, the CLI.

Bytes go through real connections (a pseudo-terminal as a serial or /dev/usb/lp printer, a TCP
socket on 127.0.0.1, a file) to the printer twin, which reads them back as text; the property tests
check that what comes out of the printer is the screen's receipt, character for character.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tty
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from appliance.core.document import Align, Barcode, Cut, Document, DrawerKick, Feed, Logo, Rule, Text, text_lines
from appliance.reports.formatting import Formatter
from appliance.reports.receipt import Receipt, ReceiptLine, layout
from appliance.reports.receipt_document import receipt_document
from drivers.cli_printer import printer as printer_cli
from drivers.printer import (
    CodePage,
    FdConnection,
    PaperOut,
    Printer,
    PrinterConfigError,
    PrinterError,
    PrinterNotFound,
    PrinterOffline,
    PrinterPermissionDenied,
    PrinterSettings,
    PrintInterrupted,
    Renderer,
    UsbConnection,
    code_page_for,
    code_page_table,
    is_status_byte,
    kick_bytes,
    parse_status,
    parse_url,
    print_mode,
    query_status,
)
from drivers.printer.connections import _open_error
from drivers.printer_twin import EscPosReader, PrinterTwin, PtyPrinter, TcpPrinter, read_bytes

from .conftest import env_without_config
from .helpers import sample_receipt

FMT = Formatter("EUR", "fr_FR", ZoneInfo("Europe/Paris"))
CP858 = CodePage("CP858", 19, "cp858")


@pytest.fixture(scope="module", autouse=True)
def escpos_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """python-escpos caches its capabilities in a directory of its own per test worker."""
    directory = tmp_path_factory.mktemp("escpos-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESCPOS_CAPABILITIES_PICKLE_DIR", str(directory))
        yield directory


def receipt(names: list[str], *, number: int = 12, cashier: str = "Alice") -> Receipt:
    lines = tuple(
        ReceiptLine(name, f"{i + 1} × {FMT.money(250 + i)}", (i + 1) * (250 + i), "A", voided=i == 3)
        for i, name in enumerate(names)
    )
    return sample_receipt(lines, number=number, cashier=cashier)


SAMPLE = receipt(["Pain au levain", "Crème fraîche d'Isigny", "Pâté en croûte", "Œufs plein air", "Bière brune"])


def on_paper(sale: Receipt, columns: int) -> list[str]:
    """The screen's layout as a CP858 printer shows it: Œ is not in CP858 and prints as OE."""
    return [CP858.printable(line, columns) for line in layout(sale, FMT, columns)]


# -- bytes -----------------------------------------------------------------------------------------


def test_a_job_resets_the_printer_then_pins_one_code_page_once() -> None:
    data = Renderer(PrinterSettings()).render(receipt_document(SAMPLE, FMT, 42))
    assert data.startswith(b"\x1b@\x1bt\x13")  # ESC @, then ESC t 19 = CP858
    assert data.count(b"\x1bt") == 1


def test_euro_and_french_accents_are_encoded_in_cp858() -> None:
    data = Renderer(PrinterSettings()).render(Document((Text("Café crème à 3,50 € – œuf"),)))
    assert data.endswith(b"Caf\x82 cr\x8ame \x85 3,50 \xd5 - oeuf\n")  # – and œ: not in CP858


def test_a_profile_without_cp858_gets_cp1252_and_one_without_either_spells_the_euro() -> None:
    assert code_page_for("TM-T88II") == CodePage("CP1252", 16, "cp1252")
    cp1252 = Renderer(PrinterSettings(profile="TM-T88II")).render(Document((Text("Café 3,50 € œuf"),)))
    assert cp1252.startswith(b"\x1b@\x1bt\x10") and cp1252.endswith(b"Caf\xe9 3,50 \x80 \x9cuf\n")
    simple = Renderer(PrinterSettings(profile="simple")).render(Document((Text("Café 3,50 €"),)))
    assert simple.startswith(b"\x1b@\x1bt\x00") and simple.endswith(b"Caf\x82 3,50 EUR\n")


def test_control_characters_in_a_name_cannot_become_printer_commands() -> None:
    data = Renderer(PrinterSettings()).render(Document((Text("Jus\x1b@\x1dV\x00\npomme"),)))
    assert data.endswith(b"Jus @ V  pomme\n")  # each a space: the name keeps its width
    assert data.count(b"\x1b@") == 1 and b"\x1dV" not in data


def test_decomposed_accents_print_as_one_character() -> None:
    assert CP858.printable("Cafe\u0301") == "Café"
    assert CP858.encode("Cafe\u0301") == b"Caf\x82"


def test_the_receipt_ends_with_a_partial_cut_after_the_sale_number_barcode() -> None:
    data = Renderer(PrinterSettings()).render(receipt_document(SAMPLE, FMT, 42))
    assert data.endswith(b"\x1bd\x06\x1dV\x01")
    assert b"\x1dkI\x0d{BS00000012L1" in data  # GS k 73 (CODE128), 13 bytes, code set B: sale 12 of lane 1
    printout = read_bytes(data)
    assert printout.of("barcode") == ["S00000012L1"] and printout.of("cut") == [True]


def test_the_sale_number_can_be_a_qr_code_instead() -> None:
    data = Renderer(PrinterSettings()).render(receipt_document(SAMPLE, FMT, 42, code="qr"))
    printout = read_bytes(data)
    assert printout.of("qr") == ["S00000012L1"] and printout.of("barcode") == []
    assert printout.text == on_paper(SAMPLE, 42)


def test_no_drawer_kick_unless_the_document_asks() -> None:
    data = Renderer(PrinterSettings()).render(receipt_document(SAMPLE, FMT, 42))
    assert b"\x1bp" not in data and read_bytes(data).of("drawer") == []


@pytest.mark.parametrize(
    ("pin", "pulse_ms", "expected"),
    [
        ("both", 50, b"\x1bp\x00\x19\xfa\x1bp\x01\x19\xfa"),
        ("2", 50, b"\x1bp\x00\x19\xfa"),
        ("5", 120, b"\x1bp\x01\x3c\xfa"),
        ("2", 500, b"\x1bp\x00\xfa\xfa"),
    ],
)
def test_the_drawer_kick_uses_the_configured_pin_and_pulse(pin: str, pulse_ms: int, expected: bytes) -> None:
    settings = PrinterSettings(drawer_pin=pin, pulse_ms=pulse_ms)
    data = Renderer(settings).render(receipt_document(SAMPLE, FMT, 42, kick_drawer=True))
    assert kick_bytes(pin, pulse_ms) == expected
    assert data.startswith(b"\x1b@\x1bt\x13" + expected)  # first: the drawer opens while the receipt prints
    assert data.count(b"\x1bp") == len(expected) // 5


def test_emphasis_reaches_the_printer_and_resets() -> None:
    doc = Document((Text("TOTAL 3,50 €", bold=True), Text("BIG", double=True, align=Align.CENTER), Text("plain")))
    printout = read_bytes(Renderer(PrinterSettings()).render(doc))
    assert [(line.text, line.bold, line.double, line.align) for line in printout.lines] == [
        ("TOTAL 3,50 €", True, False, "left"),
        ("BIG", False, True, "center"),
        ("plain", False, False, "left"),
    ]


@pytest.mark.parametrize(("columns", "font"), [(32, 0), (42, 0), (48, 1)])
def test_wider_paper_than_font_a_holds_selects_the_narrow_font(columns: int, font: int) -> None:
    renderer = Renderer(PrinterSettings(profile="TM-T88V", columns=columns))
    printout = read_bytes(renderer.render(Document((Rule(),))))
    assert printout.of("font") == ([font] if font else [])
    assert printout.text == ["-" * columns]


@pytest.mark.parametrize(("profile", "columns", "font"), [("TM-T88V", 48, 1), ("TM-T88V", 42, 0), ("TM-T20II", 48, 0)])
def test_size_and_emphasis_changes_keep_the_font_the_paper_width_needs(profile: str, columns: int, font: int) -> None:
    """``ESC !`` sets the font bit with the size: each one sent must keep font B on 48 columns of a 42-column head.

    Read from the real bytes by the twin, which follows ``ESC M`` and the font bit of ``ESC !``
    as a printer does; the title and total lines of a report are double and bold.
    """
    doc = Document(
        (
            Text("Z REPORT", double=True, bold=True, align=Align.CENTER),
            Text("TOTAL 3,50 €", bold=True),
            Text("BIG", double=True),
            Text("plain"),
            Rule(),
        )
    )
    printout = read_bytes(Renderer(PrinterSettings(profile=profile, columns=columns)).render(doc))
    modes = printout.of("print mode")
    assert modes and [mode & 0x01 for mode in modes] == [font] * len(modes)  # bit 0 of ESC !: A or B
    assert {line.font for line in printout.lines} == {font}
    assert [(line.bold, line.double) for line in printout.lines] == [
        (True, True),
        (True, False),
        (False, True),
        (False, False),
        (False, False),
    ]
    assert printout.lines[-1].text == "-" * columns


def test_a_third_font_is_selected_again_after_each_print_mode() -> None:
    """``ESC !`` can only say A or B: after it, ``ESC M 2`` keeps font C."""
    assert print_mode(2, bold=True, double=False) == b"\x1b!\x08\x1bM\x02"
    assert print_mode(1, bold=False, double=True) == b"\x1b!\x31"
    assert print_mode(0, bold=False, double=False) == b"\x1b!\x00"


def test_a_logo_is_a_centred_raster_image_no_wider_than_the_paper(tmp_path: Path) -> None:
    buffer = BytesIO()
    Image.new("L", (1000, 40), 0).save(buffer, format="PNG")
    renderer = Renderer(PrinterSettings(profile="TM-T20II", columns=48))
    printout = read_bytes(renderer.render(Document((Logo(data=buffer.getvalue()), Text("after")))))
    assert printout.of("image") == [("raster", 576, 23)]  # 1000×40 scaled to the 576-dot head
    missing = read_bytes(renderer.render(Document((Logo(path=str(tmp_path / "nope.png")), Text("after")))))
    assert missing.of("image") == [] and missing.text == ["after"]


def test_a_printer_without_hardware_barcodes_gets_the_barcode_as_an_image() -> None:
    data = Renderer(PrinterSettings(profile="POS-5890", columns=32)).render(Document((Barcode("S00000012"),)))
    printout = read_bytes(data)
    assert printout.of("barcode") == [] and printout.of("image")[0][:2] == ("raster", 384)


# -- what comes out is what the screen shows -------------------------------------------------------

CP858_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '-.,/&àâäçéèêëîïôöùûüÿÀÂÇÉÈÊËÎÏÔÙÛÜ€×"
names_in_cp858 = st.text(alphabet=CP858_LETTERS, min_size=1, max_size=50)


@given(
    names=st.lists(names_in_cp858, min_size=1, max_size=8),
    cashier=names_in_cp858,
    columns=st.sampled_from([32, 42, 48]),
    number=st.integers(1, 99_999_999),
)
def test_the_printout_read_back_is_the_screen_layout(names: list[str], cashier: str, columns: int, number: int) -> None:
    sale = receipt(names, number=number, cashier=cashier)
    document = receipt_document(sale, FMT, columns)
    printout = read_bytes(Renderer(PrinterSettings(columns=columns)).render(document))
    assert printout.text == layout(sale, FMT, columns) == text_lines(document, columns)
    assert printout.of("barcode") == [f"S{number:08d}L1"]
    assert printout.of("code page") == [19]
    assert printout.pieces() == [printout.text]


@given(names=st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=5), columns=st.sampled_from([32, 42, 48]))
def test_any_name_prints_as_its_printable_form_and_never_breaks_the_layout(names: list[str], columns: int) -> None:
    sale = receipt(names)
    printout = read_bytes(Renderer(PrinterSettings(columns=columns)).render(receipt_document(sale, FMT, columns)))
    assert printout.text == [CP858.printable(line, columns) for line in layout(sale, FMT, columns)]
    assert printout.of("cut") == [True] and printout.of("drawer") == []
    assert all(len(line) <= columns or "  " not in line for line in printout.text)  # padding gave room


@given(step=st.integers(1, 64))
def test_the_twin_reads_a_stream_cut_anywhere(step: int) -> None:
    whole = Renderer(PrinterSettings()).render(receipt_document(SAMPLE, FMT, 42, kick_drawer=True, code="qr"))
    reader = EscPosReader()
    for start in range(0, len(whole), step):
        reader.feed(whole[start : start + step])
    assert [line.text for line in reader.lines] == on_paper(SAMPLE, 42)
    kinds = [event.kind for event in reader.events if event.kind != "print mode"]  # sizes, bold: see the lines
    assert kinds == ["init", "code page", "drawer", "drawer", "qr", "feed", "cut"]


# -- status ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ((0x12, 0x12, 0x12), dict(online=True, cover_open=False, paper_near_end=False, paper_out=False, state="ready")),
        ((0x1A, 0x12, 0x12), dict(online=False, state="offline")),
        ((0x1A, 0x16, 0x12), dict(online=False, cover_open=True, state="cover open")),
        ((0x1A, 0x32, 0x72), dict(online=False, paper_out=True, state="out of paper")),
        ((0x12, 0x12, 0x1E), dict(online=True, paper_near_end=True, state="paper low")),
        ((0x1A, 0x52, 0x12), dict(error=True, state="error")),
        ((0x16, 0x12, 0x12), dict(drawer_signal=True, state="ready")),
    ],
)
def test_each_status_bit_is_read(answers: tuple[int, int, int], expected: dict[str, object]) -> None:
    status = parse_status(*answers)
    for name, value in expected.items():
        assert getattr(status, name) == value, name


def test_a_byte_without_the_fixed_status_bits_is_not_a_status() -> None:
    assert is_status_byte(0x12) and is_status_byte(0x7E)
    assert not any(is_status_byte(b) for b in (0x00, 0x10, 0x04, 0xFF, 0x1B))


@pytest.mark.parametrize(
    ("twin_status", "state", "error"),
    [
        ({}, "ready", None),
        ({"paper_out": True}, "out of paper", PaperOut),
        ({"cover_open": True}, "cover open", PrinterError),
        ({"online": False}, "offline", PrinterOffline),
        ({"paper_near_end": True}, "paper low", None),
    ],
)
def test_status_is_asked_with_dle_eot_and_blocks_printing_when_needed(
    twin_status: dict[str, bool], state: str, error: type[PrinterError] | None
) -> None:
    twin = PrinterTwin()
    twin.set_status(**twin_status)
    printer = Printer(twin.connection)
    assert printer.status().state == state
    assert bytes(twin.received) == b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"
    if error is None:
        printer.print(Document((Text("ok"),)))
        assert twin.lines == ["ok"]
    else:
        with pytest.raises(error):
            printer.print(Document((Text("ok"),)))
        assert twin.lines == [] and b"ok" not in twin.received


def test_a_drawer_kick_alone_does_not_need_paper() -> None:
    twin = PrinterTwin()
    twin.set_status(paper_out=True)
    Printer(twin.connection).print(Document((DrawerKick(),)))
    assert b"\x1bp\x00" in twin.received


def test_a_printer_that_never_answers_has_an_unknown_status_and_is_printed_to() -> None:
    twin = PrinterTwin()
    twin.set_status(answers=False)
    printer = Printer(twin.connection, status_timeout=0.05)
    status = printer.status()
    assert not status.known and status.state == "unknown" and "did not answer" in status.note
    printer.print(Document((Text("blind"),)))
    assert twin.lines == ["blind"]


@pytest.fixture
def pty_printer(tmp_path: Path) -> Iterator[tuple[PrinterTwin, PtyPrinter]]:
    twin = PrinterTwin()
    with PtyPrinter(twin, tmp_path / "ttyPRINTER") as wire:
        yield twin, wire


@pytest.mark.parametrize("scheme", ["serial", "file"])
def test_status_and_printing_over_a_real_pty(scheme: str, pty_printer: tuple[PrinterTwin, PtyPrinter]) -> None:
    """``serial:`` opens it with pyserial; ``file:`` opens it as a device node, as /dev/usb/lp0."""
    twin, wire = pty_printer
    printer = Printer.from_url(f"{scheme}:{wire.link}", PrinterSettings(columns=32))
    twin.set_status(paper_out=True)
    assert printer.status().state == "out of paper"
    twin.set_status(paper_out=False, paper_near_end=True)
    assert printer.status().state == "paper low"
    printer.print(receipt_document(SAMPLE, FMT, 32))
    assert twin.wait_for("cut")
    assert twin.lines == on_paper(SAMPLE, 32)


def test_an_unplugged_pty_printer_is_not_found_and_works_again_once_replugged(
    pty_printer: tuple[PrinterTwin, PtyPrinter],
) -> None:
    twin, wire = pty_printer
    printer = Printer.from_url(f"serial:{wire.link}")
    wire.unplug()
    with pytest.raises(PrinterNotFound, match="No printer at .*ttyPRINTER: check it is plugged in"):
        printer.print(Document((Text("lost"),)))
    wire.plug()
    printer.print(Document((Text("back"), Cut())))
    assert twin.wait_for("cut") and twin.lines == ["back"]


def test_a_printer_that_stops_taking_bytes_fails_the_job_instead_of_hanging(tmp_path: Path) -> None:
    """Nobody reads this terminal: its buffer fills, and the stall timeout ends the write."""
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        fd = os.open(os.ttyname(slave), os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        connection = FdConnection(fd, "pty", can_read=True, stall_timeout=0.2)
        with pytest.raises(PrintInterrupted) as interrupted:
            connection.write(b"x" * 1_000_000)
        assert 0 < interrupted.value.sent < 1_000_000 and "part-way" in str(interrupted.value)
        with pytest.raises(PrinterOffline, match="not taking data"):
            connection.write(b"more")
        connection.close()
    finally:
        os.close(slave)
        os.close(master)


def test_printing_and_status_over_tcp() -> None:
    twin = PrinterTwin()
    with TcpPrinter(twin) as server:
        printer = Printer.from_url(server.url, PrinterSettings(columns=48))
        twin.set_status(cover_open=True)
        assert printer.status().state == "cover open"
        twin.set_status(cover_open=False)
        printer.print(receipt_document(SAMPLE, FMT, 48))
        assert twin.wait_for("cut")
    assert twin.lines == on_paper(SAMPLE, 48)


def test_a_network_printer_that_is_off_is_reported_in_one_line() -> None:
    with TcpPrinter(PrinterTwin()) as server:
        url = server.url
    with pytest.raises(PrinterNotFound, match=r"No printer answers at 127\.0\.0\.1:\d+ \(connection refused\)"):
        Printer.from_url(url).status()


def test_a_file_collects_jobs_and_cannot_report_status(tmp_path: Path) -> None:
    path = tmp_path / "roll.bin"
    printer = Printer.from_url(f"file:{path}")
    assert not printer.status().known
    printer.print(Document((Text("one"), Cut())))
    printer.print(Document((Text("two"), Cut())))
    assert read_bytes(path.read_bytes()).pieces() == [["one"], ["two"]]


def test_a_missing_device_node_is_never_created() -> None:
    with pytest.raises(PrinterNotFound, match="No printer at /dev/usb/lp-test-absent"):
        Printer.from_url("file:/dev/usb/lp-test-absent").status()
    assert not os.path.exists("/dev/usb/lp-test-absent")


def test_permission_errors_name_the_group_to_join() -> None:
    assert str(_open_error("/dev/usb/lp0", OSError(errno.EACCES, "denied"), group="lp")) == (
        "Permission denied on /dev/usb/lp0: the till's user must be in group lp"
    )
    assert isinstance(_open_error("/dev/ttyUSB0", OSError(errno.EACCES, "x"), group="dialout"), PrinterPermissionDenied)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("usb:04b8:0e15", "usb:04b8:0e15"),
        ("usb:0x04B8:0x0202", "usb:04b8:0202"),
        ("serial:/dev/ttyUSB0", "serial:/dev/ttyUSB0?baud=9600"),
        ("serial:/dev/ttyUSB0?baud=38400&flow=dsrdtr", "serial:/dev/ttyUSB0?baud=38400&flow=dsrdtr"),
        ("tcp://192.168.1.50", "tcp://192.168.1.50:9100"),
        ("tcp://printer.local:9101", "tcp://printer.local:9101"),
        ("file:/dev/usb/lp0", "file:/dev/usb/lp0"),
    ],
)
def test_printer_urls(url: str, canonical: str) -> None:
    assert str(parse_url(url)) == canonical


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/dev/usb/lp0", "not understood"),
        ("usb:04b8", "hexadecimal"),
        ("usb:zz:0e15", "hexadecimal"),
        ("serial:/dev/ttyUSB0?baud=fast", "baud must be a number"),
        ("serial:/dev/ttyUSB0?parity=E", "unknown option 'parity'"),
        ("tcp://:9100", "names no host"),
        ("tcp://host:port", "port must be a number"),
        ("file:", "names no file"),
    ],
)
def test_bad_printer_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(PrinterConfigError, match=reason):
        parse_url(url)


def test_an_unknown_profile_is_refused_with_the_choices() -> None:
    with pytest.raises(PrinterConfigError, match="Unknown printer profile 'TM-X'.*TM-T88V"):
        Renderer(PrinterSettings(profile="TM-X"))


def test_the_twin_code_page_table_comes_from_the_profile() -> None:
    assert code_page_table("default")[19] == "cp858"
    assert code_page_table("POS-5890")[53] == "cp858"
    data = Renderer(PrinterSettings(profile="POS-5890", columns=32)).render(Document((Text("3,50 €"),)))
    assert data.startswith(b"\x1b@\x1bt\x35")
    assert read_bytes(data, code_page_table("POS-5890")).text == ["3,50 €"]


def test_a_twin_without_paper_holds_the_job_and_prints_it_when_paper_is_loaded() -> None:
    twin = PrinterTwin()
    twin.set_status(paper_out=True)
    connection = twin.connection()
    connection.write(Renderer(PrinterSettings()).render(Document((Text("held"), Feed(1), Cut()))))
    connection.write(b"\x10\x04\x04")
    assert connection.read(1, 0) == bytes([0x72]) and twin.lines == []
    twin.set_status(paper_out=False)
    assert twin.lines == ["held"] and twin.printout().of("cut") == [True]


# -- USB, through pyusb with a fake device below it ------------------------------------------------


class FakeEndpoint:
    def __init__(self, address: int, device: FakeUsbDevice):
        self.bEndpointAddress = address
        self.wMaxPacketSize = 64
        self.device = device

    def write(self, data: bytes, timeout: int) -> int:
        import usb.core

        if self.device.stall_after is not None and len(self.device.written) >= self.device.stall_after:
            raise usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
        self.device.written += data
        self.device.timeouts.append(timeout)
        if data[:2] == b"\x10\x04":  # answer DLE EOT n as the printer would
            self.device.answers.append(bytes([self.device.status[data[2]]]))
        return len(data)

    def read(self, size: int, timeout: int) -> bytes:
        import usb.core

        if not self.device.answers:
            raise usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
        return self.device.answers.pop(0)


class FakeUsbDevice:
    """Enough of a pyusb Device for the connection code: descriptors, claims, transfers."""

    def __init__(self, *, claim_error: int | None = None, stall_after: int | None = None):
        self.written = bytearray()
        self.timeouts: list[int] = []
        self.answers: list[bytes] = []
        self.status = {1: 0x12, 2: 0x12, 4: 0x12}
        self.stall_after = stall_after
        self.claim_error = claim_error
        self.detached: list[int] = []
        self.claimed: list[int] = []
        self.disposed = 0
        # Not the 0x82/0x01 python-escpos assumes: the endpoints must be read from the descriptors.
        self.interface_endpoints = [FakeEndpoint(0x81, self), FakeEndpoint(0x02, self)]
        device = self

        class Context:
            def managed_claim_interface(self, dev: object, number: int) -> None:
                import usb.core

                if device.claim_error:
                    raise usb.core.USBError("claim failed", None, device.claim_error)
                device.claimed.append(number)

            def managed_release_interface(self, dev: object, number: int) -> None:
                device.claimed.remove(number)

            def dispose(self, dev: object) -> None:
                device.disposed += 1

        self._ctx = Context()

    def get_active_configuration(self) -> list[object]:
        return [FakeInterface(self.interface_endpoints)]

    def is_kernel_driver_active(self, number: int) -> bool:
        return True

    def detach_kernel_driver(self, number: int) -> None:
        self.detached.append(number)


class FakeInterface(list):
    bInterfaceClass = 7
    bInterfaceNumber = 0


def test_usb_printing_finds_the_endpoints_detaches_usblp_and_writes_with_a_timeout() -> None:
    device = FakeUsbDevice()
    connection = UsbConnection.open(0x04B8, 0x0E15, 2.0, find=lambda **match: device)
    assert device.detached == [0] and device.claimed == [0]
    assert connection.out_ep.bEndpointAddress == 0x02 and connection.in_ep.bEndpointAddress == 0x81
    connection.close()
    assert device.claimed == [] and device.disposed == 1  # released after each job, for the next one
    printer = Printer(lambda: UsbConnection.open(0x04B8, 0x0E15, 2.0, find=lambda **match: device))
    device.status = {1: 0x1A, 2: 0x32, 4: 0x72}
    assert printer.status().state == "out of paper"
    device.status = {1: 0x12, 2: 0x12, 4: 0x12}
    printer.print(Document((Text("usb"),)))
    assert device.written.endswith(b"usb\n") and set(device.timeouts) == {2000}


def test_usb_errors_become_one_line_for_a_person() -> None:
    with pytest.raises(PrinterNotFound, match="No printer at usb:04b8:0e15: check the cable"):
        UsbConnection.open(0x04B8, 0x0E15, find=lambda **match: None)
    with pytest.raises(PrinterPermissionDenied, match="group lp"):
        UsbConnection.open(0x04B8, 0x0E15, find=lambda **match: FakeUsbDevice(claim_error=errno.EACCES))
    stalling = FakeUsbDevice(stall_after=4096)
    connection = UsbConnection.open(0x04B8, 0x0E15, 0.1, find=lambda **match: stalling)
    with pytest.raises(PrintInterrupted):
        connection.write(b"x" * 10_000)
    connection.close()


def test_usb_without_libusb_says_which_package_to_install() -> None:
    import usb.core

    def no_backend(**match: object) -> None:
        raise usb.core.NoBackendError("No backend available")

    with pytest.raises(PrinterConfigError, match="install the libusb-1.0-0 package"):
        UsbConnection.open(0x04B8, 0x0E15, find=no_backend)


# -- the command line ------------------------------------------------------------------------------


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = env_without_config(tmp_path)
    env["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(tmp_path / "escpos")
    return env


def ofn_checkout(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "ofn-checkout"), *args]
    return subprocess.run(command, capture_output=True, text=True, env=cli_env(tmp_path), timeout=60)


def test_printer_test_writes_a_test_page_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "page.bin"
    result = ofn_checkout(tmp_path, "printer", "test", "--device", f"file:{out}", "--columns", "32", "--kick")
    assert result.returncode == 0, result.stderr
    assert f"Test page sent to file:{out}" in result.stdout and "code page CP858, 32 columns" in result.stdout
    printout = read_bytes(out.read_bytes())
    assert printout.of("code page") == [19] and printout.of("drawer") == [(2, 50, 500), (5, 50, 500)]
    assert printout.of("barcode") == ["TEST-0001"] and printout.of("cut") == [True]
    text = printout.text
    assert "àâäçéèêëîïôöùûüÿ" in text and "oe OE (CP1252; oe OE elsewhere)" in text
    assert "12345678901234567890123456789012" in text and all(len(line) <= 32 for line in text)
    assert any(line.startswith("Café crème") and line.endswith("3,50 €") and len(line) == 32 for line in text)


def test_printer_errors_are_one_line_and_exit_3(tmp_path: Path) -> None:
    result = ofn_checkout(tmp_path, "printer", "test", "--device", "file:/dev/usb/lp-test-absent")
    assert result.returncode == 3
    assert result.stderr.strip() == (
        "Error: No printer at /dev/usb/lp-test-absent: check it is plugged in and switched on"
    )
    result = ofn_checkout(tmp_path, "printer", "status", "--device", "lp0")
    assert result.returncode == 3 and "not understood" in result.stderr and "Traceback" not in result.stderr


def test_printer_status_over_a_pty(
    pty_printer: tuple[PrinterTwin, PtyPrinter], capsys: pytest.CaptureFixture[str]
) -> None:
    from appliance.cli.main import main

    twin, wire = pty_printer
    assert main(["printer", "status", "--device", f"serial:{wire.link}"]) == 0
    assert "status: ready" in capsys.readouterr().out
    twin.set_status(paper_out=True)
    assert main(["printer", "status", "--device", f"file:{wire.link}"]) == 1
    captured = capsys.readouterr()
    assert "paper: out" in captured.out and "Error: Printer out of paper: load a new roll" in captured.err
    twin.set_status(paper_out=False)
    wire.unplug()
    assert main(["printer", "test", "--device", f"serial:{wire.link}"]) == 3
    assert "No printer at" in capsys.readouterr().err


def test_the_cli_group_has_the_declared_name() -> None:
    assert printer_cli.name == "printer" and set(printer_cli.commands) == {"test", "status"}


def test_query_status_reads_nothing_from_a_connection_that_cannot_answer(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "plain", os.O_WRONLY | os.O_CREAT)
    connection = FdConnection(fd, "plain", can_read=False)
    assert not query_status(connection).known
    connection.close()
    assert (tmp_path / "plain").read_bytes() == b""
