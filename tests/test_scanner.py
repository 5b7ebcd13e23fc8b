"""The barcode scanner driver, fed by its twin through real pipes and read by evdev's own C reader.

The twin writes real ``struct input_event`` records; ``RawEventSource`` reads them with
``evdev.eventio.EventIO.read`` (``_input.device_read_many``), the code that reads /dev/input.
This machine has no /dev/uinput, so no real input device can be made; a real pty stands in
for a USB-serial scanner.
"""

from __future__ import annotations

import asyncio
import errno
import os
import select
import signal
import subprocess
import sys
import threading
import time
import tty
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial
from evdev import ecodes
from evdev.eventio import EventIO
from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.cli.main import main
from drivers import keymaps
from drivers.cli_scanner import visible
from drivers.keymaps import GS, LAYOUT_NAMES, LAYOUTS
from drivers.scanner import (
    DeviceUnavailable,
    Dropped,
    EvdevSource,
    RawEventSource,
    Scan,
    ScanAssembler,
    ScannerReader,
    ScannerState,
    ScannerStatus,
    SerialScanner,
    evdev_opener,
    open_event_source,
    path_opener,
    stream_opener,
)
from drivers.scanner_twin import EV_KEY, EV_MSC, EV_SYN, EVENT, ScannerTwin, pack, serial_frame, syn_dropped
from tests.conftest import env_without_config

ROOT = Path(__file__).resolve().parents[1]


class FakeClock:
    """A monotonic clock that moves only when told to (or by ``step`` at every reading)."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def pipes() -> Iterator[list[int]]:
    """Fds a test opens, closed at the end unless the code under test closed them already.

    An fd is only closed if it still refers to the same file: a number closed by the reader (an
    unplug) may have been reused since.
    """
    opened: list[int] = []
    yield opened
    for fd in opened:
        _close_if_same(fd)


OPENED: dict[int, tuple[int, int]] = {}


def _remember(fd: int) -> int:
    info = os.fstat(fd)
    OPENED[fd] = (info.st_dev, info.st_ino)
    return fd


def _close_if_same(fd: int) -> None:
    try:
        info = os.fstat(fd)
    except OSError:
        return
    if OPENED.pop(fd, None) == (info.st_dev, info.st_ino):
        os.close(fd)


def new_pipe(opened: list[int]) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    opened += [_remember(read_end), _remember(write_end)]
    return read_end, write_end


def scans_through_pipe(data: bytes, **reader_options: object) -> list[str]:
    """Everything a reader makes of ``data`` written to a pipe that then closes (the reader closes its end)."""
    assert len(data) <= 65536, "more than a pipe holds: the write would block"
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, data)
    finally:
        os.close(write_end)
    with ScannerReader(stream_opener(read_end, "pipe"), **reader_options) as reader:  # type: ignore[arg-type]
        return [scan.text for scan in reader]


def typable(layout: str) -> str:
    return "".join(c for c in LAYOUTS[layout].typable() if " " <= c <= "~")


# -- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
@settings(max_examples=40)
@given(data=st.data())
def test_what_the_twin_types_is_read_back_in_every_layout(layout: str, data: st.DataObject) -> None:
    alphabet = st.sampled_from(typable(layout) + "0123456789" + GS)
    texts = data.draw(st.lists(st.text(alphabet, min_size=1, max_size=40), min_size=1, max_size=3))
    gs_mode = data.draw(st.sampled_from(["ctrl", "alt"]))
    terminator = data.draw(st.sampled_from(["enter", "tab"]))
    twin = ScannerTwin(layout, gs=gs_mode, terminator=terminator)
    stream = b"".join(twin.encode(text) for text in texts)
    assert scans_through_pipe(stream, layout=layout, terminator=terminator) == texts


def test_every_layout_types_all_of_printable_ascii() -> None:
    for layout in LAYOUTS.values():
        assert set(map(chr, range(32, 127))) <= set(layout.typable()), layout.name


def test_the_twin_writes_the_kernel_struct_as_evdev_reads_it(pipes: list[int]) -> None:
    read_end, write_end = new_pipe(pipes)
    os.write(write_end, ScannerTwin("us", wallclock=lambda: 1_700_000_000.25).encode("a", terminate=False))
    events = list(RawEventSource(read_end).read_events())
    assert EVENT.size == 24 if sys.maxsize > 2**32 else 16
    assert [(e.type, e.code, e.value) for e in events] == [
        (EV_MSC, ecodes.MSC_SCAN, 0x70004),  # HID usage of "a"
        (EV_KEY, ecodes.KEY_A, 1),
        (EV_SYN, ecodes.SYN_REPORT, 0),
        (EV_MSC, ecodes.MSC_SCAN, 0x70004),
        (EV_KEY, ecodes.KEY_A, 0),
        (EV_SYN, ecodes.SYN_REPORT, 0),
    ]
    assert (events[0].sec, events[0].usec) == (1_700_000_000, 250_000)


def test_azerty_types_digits_with_shift_and_at_signs_with_altgr() -> None:
    changes = [change for group in ScannerTwin("fr").keystrokes("1@", terminate=False) for change in group]
    assert changes == [
        (keymaps.KEY_LEFTSHIFT, 1),
        (keymaps.KEY_1, 1),
        (keymaps.KEY_1, 0),
        (keymaps.KEY_LEFTSHIFT, 0),
        (keymaps.KEY_RIGHTALT, 1),
        (keymaps.KEY_0, 1),
        (keymaps.KEY_0, 0),
        (keymaps.KEY_RIGHTALT, 0),
    ]


@pytest.mark.parametrize(
    ("layout", "text"),
    [
        ("us", "Ab-12/X!@#$%^&*()_+{}|:<>?~"),
        ("fr", "A1é§µ£%"),
        ("be", "Z9@#³"),
        ("de", "Zy\"§&/()=?'*_:;>"),
        ("uk", '"£@~|¬'),
    ],
)
def test_shifted_and_altgr_characters(layout: str, text: str) -> None:
    assert scans_through_pipe(ScannerTwin(layout).encode(text), layout=layout) == [text]


def test_dead_keys_type_accents_and_accented_letters() -> None:
    de = keymaps.KeyDecoder(LAYOUTS["de"])
    typed = [de.key(code, value) for code, value in [(41, 1), (41, 0), (57, 1), (57, 0), (41, 1), (18, 1)]]
    assert "".join(typed) == "^ê"  # dead ^ then space, dead ^ then e
    assert keymaps.decode(LAYOUTS["fr"], [(26, 1), (26, 0), (keymaps.KEY_2, 1)]) == "^é"  # cannot combine: both


def test_ctrl_alt_acts_as_altgr_as_windows_scanners_send_it() -> None:
    events = [(keymaps.KEY_LEFTCTRL, 1), (keymaps.KEY_LEFTALT, 1), (keymaps.KEY_Q, 1), (keymaps.KEY_Q, 0)]
    assert keymaps.decode(LAYOUTS["de"], events) == "@"


# -- caps lock ------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_a_scanner_that_knows_caps_lock_is_on_is_read_right(layout: str) -> None:
    text = "AbcXyZ-0123456789"
    twin = ScannerTwin(layout, caps_lock=True)
    assert [keymaps.KEY_CAPSLOCK, keymaps.KEY_CAPSLOCK] == [
        group[0][0] for group in twin.keystrokes(text) if group[0][0] == keymaps.KEY_CAPSLOCK
    ]
    assert scans_through_pipe(twin.encode(text), layout=layout) == [text]


def test_caps_lock_flips_letters_only_as_on_a_real_keyboard() -> None:
    caps_on = pack(ScannerTwin().group_events([(keymaps.KEY_CAPSLOCK, 1), (keymaps.KEY_CAPSLOCK, 0)]))
    unaware_us = ScannerTwin("us").encode("AbC-123!")
    unaware_fr = ScannerTwin("fr").encode("Ab1é&")
    assert scans_through_pipe(caps_on + unaware_us, layout="us") == ["aBc-123!"]
    assert scans_through_pipe(caps_on + unaware_fr, layout="fr") == ["aB1é&"]  # AZERTY digit row unchanged


def test_the_hosts_caps_lock_led_is_followed() -> None:
    led_on = pack([(0, 0, ecodes.EV_LED, ecodes.LED_CAPSL, 1)])
    led_off = pack([(0, 0, ecodes.EV_LED, ecodes.LED_CAPSL, 0)])
    twin = ScannerTwin("us")
    data = led_on + twin.encode("Ab") + led_off + twin.encode("Ab")
    assert scans_through_pipe(data) == ["aB", "Ab"]


# -- GS (GS1 barcodes) ----------------------------------------------------------------------------

GS1 = "0103453120000011" + "17191125" + "10ABC123" + GS + "21XYZ"


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
@pytest.mark.parametrize("gs", ["ctrl", "alt"])
def test_gs_arrives_as_ctrl_bracket_or_alt_029(layout: str, gs: str) -> None:
    assert scans_through_pipe(ScannerTwin(layout, gs=gs).encode(GS1), layout=layout) == [GS1]


def test_gs_sent_as_a_substitute_character_is_restored() -> None:
    data = ScannerTwin("fr", gs="~").encode(GS1)
    assert scans_through_pipe(data, layout="fr", gs_substitute="~") == [GS1]
    assert scans_through_pipe(data, layout="fr") == [GS1.replace(GS, "~")]


@pytest.mark.parametrize("read_as", LAYOUT_NAMES)
def test_alt_mode_scanners_do_not_care_about_the_layout(read_as: str) -> None:
    text = 'Zy1&é"#@' + GS + "x"
    assert scans_through_pipe(ScannerTwin("us", alt_mode=True).encode(text), layout=read_as) == [text]


def test_control_characters_are_shown_by_name() -> None:
    assert visible("01" + GS + "10\x1e\x04\x07") == "01<GS>10<RS><EOT><0x07>"


# -- the wrong layout -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scanner", "host", "code", "garbled"),
    [
        ("us", "be", "0013748911", "àà&\"è'!ç&&"),  # Odoo PR #214407, as a cashier in Belgium saw it
        ("us", "fr", "1234567890", "&é\"'(-è_çà"),  # a US scanner on a French box: the AZERTY digit row
        ("fr", "us", "3017620422003", "#)!&^@)$@@))#"),  # an AZERTY scanner on a US box: shifted digits
        ("us", "fr", "HA-112", "HQ)&&é"),  # letters moved by AZERTY, and digits
    ],
)
def test_a_scanner_in_another_layout_garbles_and_is_flagged(
    scanner: str, host: str, code: str, garbled: str, pipes: list[int]
) -> None:
    read_end, write_end = new_pipe(pipes)
    statuses: list[ScannerStatus] = []
    ScannerTwin(scanner).type_into(write_end, code)
    ScannerTwin(host).type_into(write_end, "123")  # the scanner set right: the warning goes away
    with ScannerReader(RawOpener([read_end]), layout=host, on_status=statuses.append) as reader:
        first = reader.read_scan(timeout=5)
        assert first == Scan(garbled, "pipe0", host, scanner, code)
        assert reader.status.state is ScannerState.WRONG_LAYOUT
        assert f'devices.scanner.layout = "{first.suspected_layout}"' in reader.status.message
        assert reader.read_scan(timeout=5) == Scan("123", "pipe0", host)
        assert reader.status.state is ScannerState.CONNECTED
    assert [s.state for s in statuses] == [ScannerState.CONNECTED, ScannerState.WRONG_LAYOUT, ScannerState.CONNECTED]


def test_qwertz_and_qwerty_differ_only_where_no_one_can_tell() -> None:
    """A US scanner on a German box swaps Y and Z: still plausible, so not flagged (the docs warn)."""
    assert scans_through_pipe(ScannerTwin("us").encode("ZY12"), layout="de") == ["YZ12"]


# -- timing: partial scans ------------------------------------------------------------------------


def test_a_partial_scan_times_out_and_is_dropped_not_glued_to_the_next(pipes: list[int]) -> None:
    clock = FakeClock()
    dropped: list[Dropped] = []
    read_end, write_end = new_pipe(pipes)
    twin = ScannerTwin("us")
    with ScannerReader(RawOpener([read_end]), clock=clock, on_dropped=dropped.append) as reader:
        twin.type_into(write_end, "12345", terminate=False)
        assert reader.read_scan(timeout=0) is None
        clock.advance(0.15)  # within the 0.2 s between keys: still one scan
        assert reader.read_scan(timeout=0) is None and not dropped
        clock.advance(0.1)
        assert reader.read_scan(timeout=0) is None
        assert [d.text for d in dropped] == ["12345"] and "Enter" in dropped[0].reason
        twin.type_into(write_end, "678")  # up to its Enter: the rest of the broken scan
        assert reader.read_scan(timeout=0) is None
        assert [d.text for d in dropped] == ["12345", "678"] and "pause" in dropped[1].reason
        twin.type_into(write_end, "90")  # after that Enter: a scan from a clean start
        assert reader.read_scan(timeout=0) == Scan("90", "pipe0", "us")
    assert reader.dropped == 2


def test_a_gap_found_when_the_next_key_arrives_also_drops_the_partial(pipes: list[int]) -> None:
    clock = FakeClock()
    dropped: list[Dropped] = []
    read_end, write_end = new_pipe(pipes)
    twin = ScannerTwin("us", wallclock=clock)  # the kernel stamps each event with the time it happened
    with ScannerReader(RawOpener([read_end]), clock=clock, on_dropped=dropped.append) as reader:
        twin.type_into(write_end, "999", terminate=False)
        clock.advance(5)
        twin.type_into(write_end, "42")
        twin.type_into(write_end, "77")
        assert [s.text for s in iter(lambda: reader.read_scan(timeout=0), None)] == ["77"]
    assert [d.text for d in dropped] == ["999", "42"]


def test_with_no_terminator_configured_the_timeout_ends_a_scan(pipes: list[int]) -> None:
    clock = FakeClock()
    read_end, write_end = new_pipe(pipes)
    twin = ScannerTwin("us", terminator="none")
    with ScannerReader(RawOpener([read_end]), clock=clock, terminator="none") as reader:
        twin.type_into(write_end, "3017620422003")
        assert reader.read_scan(timeout=0) is None
        clock.advance(0.3)
        assert reader.read_scan(timeout=0) == Scan("3017620422003", "pipe0", "us")


def test_a_reader_that_fell_behind_does_not_cut_a_scan_typed_in_one_go(pipes: list[int]) -> None:
    """Each batch of events read 0.3 s after the last (a busy box): their timestamps say 1 ms apart."""
    clock = FakeClock(step=0.3)
    read_end, write_end = new_pipe(pipes)
    data = ScannerTwin("us").encode("4006381333931")
    assert len(data) > 64 * EVENT.size  # more than evdev reads at once: several batches
    os.write(write_end, data)
    with ScannerReader(RawOpener([read_end]), clock=clock) as reader:
        assert reader.read_scan(timeout=0) == Scan("4006381333931", "pipe0", "us")


def test_assembler_deadline_follows_the_last_key() -> None:
    assembler = ScanAssembler("us", inter_key_timeout=0.5)
    assert assembler.deadline() is None
    assembler.feed(EV_KEY, keymaps.KEY_1, 1, now=10.0)
    assembler.feed(EV_KEY, keymaps.KEY_1, 0, now=10.1)
    assert assembler.deadline() == 10.5 and assembler.expire(10.49) is None
    assert assembler.expire(10.5) == Dropped("1", "no Enter came within 500 ms of the last key")


def test_bare_terminators_and_key_repeats_make_no_scans() -> None:
    twin = ScannerTwin("us")
    repeat = pack(twin.group_events([(keymaps.KEY_7, 1), (keymaps.KEY_7, 2), (keymaps.KEY_7, 2), (keymaps.KEY_7, 0)]))
    data = twin.encode("") + repeat + twin.encode("8")
    assert scans_through_pipe(data) == ["78"]


def test_events_lost_by_the_kernel_drop_the_scan_in_progress_and_its_rest() -> None:
    """The lost events were the middle of the scan: what follows them up to Enter is its end."""
    twin = ScannerTwin("us")
    data = twin.encode("123", terminate=False) + pack(syn_dropped()) + twin.encode("456") + twin.encode("789")
    dropped: list[Dropped] = []
    assert scans_through_pipe(data, on_dropped=dropped.append) == ["789"]
    assert [d.text for d in dropped] == ["123", "456"] and "lost" in dropped[1].reason


# -- unplug and reconnect -------------------------------------------------------------------------


class RawOpener:
    """Plays the role of /dev/input/by-id: each replug is a new pipe; none yet means unplugged."""

    def __init__(self, read_ends: list[int]) -> None:
        self.read_ends = list(read_ends)
        self.opened = 0

    def __call__(self) -> RawEventSource:
        if not self.read_ends:
            raise DeviceUnavailable("no scanner plugged in", "missing", "pipe")
        source = RawEventSource(self.read_ends.pop(0), f"pipe{self.opened}")
        self.opened += 1
        return source


def test_unplugged_mid_scan_then_plugged_back_the_next_scan_arrives(pipes: list[int]) -> None:
    first_read, first_write = new_pipe(pipes)
    statuses: list[ScannerStatus] = []
    dropped: list[Dropped] = []
    opener = RawOpener([first_read])
    twin = ScannerTwin("fr")
    twin.type_into(first_write, "111")
    with ScannerReader(
        opener, layout="fr", on_status=statuses.append, on_dropped=dropped.append, retry_min=0.01, retry_max=0.05
    ) as reader:
        assert reader.read_scan(timeout=5) == Scan("111", "pipe0", "fr")
        twin.unplug_mid_scan(first_write, "22222", after=2)
        assert reader.read_scan(timeout=0) is None
        assert reader.status.state is ScannerState.DISCONNECTED and "plug it back in" in reader.status.message
        second_read, second_write = new_pipe(pipes)
        twin.type_into(second_write, "333")  # typed as soon as it is plugged, before we reopen it
        opener.read_ends.append(second_read)
        assert reader.read_scan(timeout=5) == Scan("333", "pipe1", "fr")
    assert [d.text for d in dropped] == ["22"]
    assert [s.state for s in statuses] == [ScannerState.CONNECTED, ScannerState.DISCONNECTED, ScannerState.CONNECTED]


def test_a_read_error_is_an_unplug_too(pipes: list[int]) -> None:
    """A pty whose other side closed fails reads with EIO, the way an unplugged device fails with ENODEV."""
    master, slave = os.openpty()
    pipes.append(_remember(master))
    os.close(slave)
    source = RawEventSource(master, "gone")
    with pytest.raises(OSError) as raised:
        os.read(master, 1)
    assert raised.value.errno == errno.EIO
    second_read, second_write = new_pipe(pipes)
    ScannerTwin("us").type_into(second_write, "5")
    opener = iter([source, RawEventSource(second_read, "back")])
    with ScannerReader(lambda: next(opener), retry_min=0.01) as reader:
        assert reader.read_scan(timeout=5) == Scan("5", "back", "us")


def test_backoff_doubles_while_the_scanner_is_away() -> None:
    clock = FakeClock()
    attempts: list[float] = []

    def absent() -> RawEventSource:
        attempts.append(clock.now)
        raise DeviceUnavailable("no scanner plugged in")

    with ScannerReader(absent, clock=clock, retry_min=0.25, retry_max=1.0) as reader:
        for _ in range(60):
            reader.read_scan(timeout=0)
            clock.advance(0.125)
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert gaps[:5] == [0.25, 0.5, 1.0, 1.0, 1.0]
    assert reader.status == ScannerStatus(ScannerState.DISCONNECTED, "", "no scanner plugged in")


def test_close_wakes_a_reader_blocked_in_another_thread(pipes: list[int]) -> None:
    read_end, _ = new_pipe(pipes)
    reader = ScannerReader(RawOpener([read_end]))
    result: list[Scan | None] = []
    worker = threading.Thread(target=lambda: result.append(reader.read_scan()))
    worker.start()
    deadline = time.monotonic() + 5
    while reader.status.state is not ScannerState.CONNECTED and time.monotonic() < deadline:
        time.sleep(0.01)
    reader.close()
    worker.join(timeout=5)
    assert not worker.is_alive() and result == [None]


# -- the real device wrapper, over a fake InputDevice on a pipe ----------------------------------


class PipeInputDevice(EventIO):
    """What evdev.InputDevice is to us: an fd read by EventIO, plus grab and LEDs."""

    grabbed: list[str] = []

    def __init__(self, path: str, fd: int, *, leds: list[int], grab_error: int | None = None) -> None:
        self.path, self.fd, self._leds, self._grab_error = path, fd, leds, grab_error
        os.set_blocking(fd, False)

    def grab(self) -> None:
        if self._grab_error:
            raise OSError(self._grab_error, os.strerror(self._grab_error))
        self.grabbed.append(self.path)

    def ungrab(self) -> None:
        self.grabbed.remove(self.path)

    def leds(self) -> list[int]:
        return self._leds

    def close(self) -> None:
        os.close(self.fd)


def test_the_evdev_source_grabs_and_takes_caps_lock_from_the_led(pipes: list[int]) -> None:
    read_end, write_end = new_pipe(pipes)
    pipes.remove(read_end)  # the device closes it
    ScannerTwin("us", caps_lock=False).type_into(write_end, "aB")

    def factory(path: str) -> PipeInputDevice:
        return PipeInputDevice(path, read_end, leds=[ecodes.LED_CAPSL])

    with ScannerReader(evdev_opener("/dev/input/by-id/usb-scanner-event-kbd", device_factory=factory)) as reader:
        assert reader.read_scan(timeout=5) == Scan("Ab", "/dev/input/by-id/usb-scanner-event-kbd", "us")
        assert PipeInputDevice.grabbed == ["/dev/input/by-id/usb-scanner-event-kbd"]
    assert PipeInputDevice.grabbed == []


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "permission", "group input"),
        (FileNotFoundError(errno.ENOENT, "No such file"), "missing", "plug the scanner in"),
        (OSError(errno.ENOTTY, "Inappropriate ioctl for device"), "not-input", "not an input device"),
    ],
)
def test_opening_problems_say_what_to_do(error: OSError, kind: str, words: str) -> None:
    def factory(path: str) -> PipeInputDevice:
        raise error

    with pytest.raises(DeviceUnavailable) as raised:
        EvdevSource.open("/dev/input/event3", device_factory=factory)
    assert raised.value.kind == kind and words in str(raised.value)


def test_a_scanner_grabbed_by_another_program_is_busy(pipes: list[int]) -> None:
    read_end, _ = new_pipe(pipes)
    pipes.remove(read_end)

    def factory(path: str) -> PipeInputDevice:
        return PipeInputDevice(path, read_end, leds=[], grab_error=errno.EBUSY)

    with pytest.raises(DeviceUnavailable) as raised:
        EvdevSource.open("/dev/input/event3", device_factory=factory)
    assert raised.value.kind == "busy" and "another program" in str(raised.value)


# -- a path from the config: what it holds decides how it is read --------------------------------


def open_fifo_writer(path: Path, opened: list[int]) -> int:
    fd = open_fifo_for_writing(path)
    os.set_blocking(fd, True)
    opened.append(_remember(fd))
    return fd


def test_a_fifo_named_as_the_scanner_comes_and_goes_like_a_scanner_replugged(tmp_path: Path, pipes: list[int]) -> None:
    fifo = tmp_path / "scanner.fifo"
    statuses: list[ScannerStatus] = []
    with ScannerReader(path_opener(str(fifo)), on_status=statuses.append, retry_min=0.01, retry_max=0.05) as reader:
        with pytest.raises(DeviceUnavailable) as raised:
            reader.open()
        assert raised.value.kind == "missing" and "plug the scanner in" in str(raised.value)
        os.mkfifo(fifo)  # plugged in
        reader.open()
        first = open_fifo_writer(fifo, pipes)
        ScannerTwin("us").type_into(first, "111")
        assert reader.read_scan(timeout=5) == Scan("111", str(fifo), "us")
        os.close(first)  # the twin stops: an unplug, not the end of input
        deadline = time.monotonic() + 10
        while ScannerState.DISCONNECTED not in [s.state for s in statuses[1:]] and time.monotonic() < deadline:
            assert reader.read_scan(timeout=0.05) is None
        assert not reader.ended
        ScannerTwin("us").type_into(open_fifo_writer(fifo, pipes), "222")  # waits for the reader to reopen it
        assert reader.read_scan(timeout=5) == Scan("222", str(fifo), "us")
    assert [s.state for s in statuses][-3:] == [
        ScannerState.CONNECTED,
        ScannerState.DISCONNECTED,
        ScannerState.CONNECTED,
    ]


def test_a_file_named_as_the_scanner_is_a_recording_read_once(tmp_path: Path) -> None:
    recording = tmp_path / "scans.bin"
    recording.write_bytes(ScannerTwin("fr").encode("3017620422003") + ScannerTwin("fr").encode("HA-112"))
    with ScannerReader(path_opener(str(recording)), layout="fr") as reader:
        assert [scan.text for scan in reader] == ["3017620422003", "HA-112"]
        assert reader.ended


def test_a_path_that_is_no_input_is_refused(tmp_path: Path) -> None:
    with ScannerReader(path_opener(str(tmp_path))) as reader:
        with pytest.raises(DeviceUnavailable) as raised:
            reader.open()
    assert raised.value.kind == "not-input" and "neither an input device" in str(raised.value)


def test_a_character_device_is_opened_through_evdev(pipes: list[int]) -> None:
    read_end, _ = new_pipe(pipes)
    opened: list[str] = []

    def factory(path: str) -> PipeInputDevice:
        opened.append(path)
        return PipeInputDevice(path, os.dup(read_end), leds=[])

    source = open_event_source("/dev/null", device_factory=factory)  # a character device
    try:
        assert isinstance(source, EvdevSource) and opened == ["/dev/null"]
    finally:
        source.close()


# -- USB-serial scanners, over a real pty ---------------------------------------------------------


@pytest.fixture
def pty_pair(pipes: list[int]) -> tuple[int, str]:
    """A pty in raw mode, as a CDC-ACM device is: the master is the scanner's side."""
    return _raw_pty(pipes)


@pytest.mark.parametrize("suffix", ["\r", "\n", "\r\n"])
def test_a_serial_scanner_sends_lines(pty_pair: tuple[int, str], suffix: str) -> None:
    master, path = pty_pair
    with SerialScanner(path) as scanner:
        scanner.open()
        os.write(master, serial_frame("3017620422003", suffix) + serial_frame(GS1, suffix))
        assert scanner.read_scan(timeout=5) == Scan("3017620422003", path, "serial")
        assert scanner.read_scan(timeout=5) == Scan(GS1, path, "serial")
        assert scanner.read_scan(timeout=0) is None  # CR LF is one end of line, not an empty scan


def test_a_serial_partial_line_times_out(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    clock, dropped = FakeClock(), []
    with SerialScanner(path, clock=clock, on_dropped=dropped.append) as scanner:
        scanner.open()
        os.write(master, b"30176")
        deadline = time.monotonic() + 10
        while scanner.pending != "30176" and time.monotonic() < deadline:
            assert scanner.read_scan(timeout=0.05) is None
        assert scanner.pending == "30176"
        clock.advance(1)
        assert scanner.read_scan(timeout=0) is None
        assert [d.text for d in dropped] == ["30176"] and scanner.pending == ""


def test_a_serial_scanner_unplugged_and_back_on_its_by_id_link(tmp_path: Path, pipes: list[int]) -> None:
    link = tmp_path / "usb-Honeywell_Imaging_1900-if00"
    first_master, first_path = _raw_pty(pipes)
    link.symlink_to(first_path)
    statuses: list[ScannerStatus] = []
    with SerialScanner(str(link), retry_min=0.01, retry_max=0.05, on_status=statuses.append) as scanner:
        scanner.open()
        os.write(first_master, b"111\r")
        assert scanner.read_scan(timeout=5) == Scan("111", str(link), "serial")
        # Unplugged: udev removes the by-id link and the node goes. A link left pointing at the
        # closed pty would follow its /dev/pts number to the next pty the kernel hands out, maybe
        # another test's in another process, and the scanner would lock that one.
        link.unlink()
        os.close(first_master)
        deadline = time.monotonic() + 10
        while scanner.status.state is not ScannerState.DISCONNECTED and time.monotonic() < deadline:
            assert scanner.read_scan(timeout=0.05) is None
        assert scanner.status.state is ScannerState.DISCONNECTED
        second_master, second_path = _raw_pty(pipes)
        link.symlink_to(second_path)  # udev makes the by-id link again, to the new node
        deadline = time.monotonic() + 10
        while scanner.status.state is not ScannerState.CONNECTED and time.monotonic() < deadline:
            assert scanner.read_scan(timeout=0.05) is None
        # Only now: pyserial flushes input on open, and cdc-acm reads nothing while the port is closed.
        os.write(second_master, b"222\r\n")
        assert scanner.read_scan(timeout=5) == Scan("222", str(link), "serial")
    assert [s.state for s in statuses][-2:] == [ScannerState.DISCONNECTED, ScannerState.CONNECTED]


def test_a_missing_serial_port_says_so(tmp_path: Path) -> None:
    scanner = SerialScanner(str(tmp_path / "ttyACM7"))
    with pytest.raises(DeviceUnavailable) as raised:
        scanner.open()
    scanner.close()
    assert "does not exist" in str(raised.value)


def _raw_pty(opened: list[int]) -> tuple[int, str]:
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    os.close(slave)
    opened.append(_remember(master))
    return master, path


# -- the command ----------------------------------------------------------------------------------


#: ``python -m appliance.cli`` with Ctrl-C (SIGINT) acting as in a terminal, even when this test
#: run was started in the background by a shell without job control, which starts it (and so every
#: child) with SIGINT ignored: Python then leaves it ignored, and the command could not be stopped.
CTRL_C_ON = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler);"
    " sys.argv[0] = 'appliance.cli'; runpy.run_module('appliance.cli', run_name='__main__', alter_sys=True)"
)


def listen(tmp_path: Path, *args: str, stdin: int | None = None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", CTRL_C_ON, "scanner", "listen", *args]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env_without_config(tmp_path),
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def open_fifo_for_writing(path: Path, seconds: float = 30) -> int:
    """Wait (with a deadline) for the command to open its end, as a scanner waits to be read."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            select.select([], [], [], 0.02)


def test_listen_prints_each_scan_from_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "scanner.fifo"
    os.mkfifo(fifo)
    process = listen(tmp_path, "--device", str(fifo), "--layout", "fr")
    try:
        fd = open_fifo_for_writing(fifo)
        os.set_blocking(fd, True)
        twin = ScannerTwin("fr")
        for code in ("3017620422003", GS1, "HA-112"):
            twin.type_into(fd, code)
        os.close(fd)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill() if process.poll() is None else None
    assert process.returncode == 0, err
    assert out.decode().splitlines() == ["3017620422003", GS1.replace(GS, "<GS>"), "HA-112"]
    assert b"Traceback" not in err


def test_listen_reads_stdin_and_warns_of_a_wrong_layout(tmp_path: Path) -> None:
    data = ScannerTwin("us").encode("0013748911")
    process = listen(tmp_path, "--device", "-", "--layout", "be", stdin=subprocess.PIPE)
    out, err = process.communicate(data, timeout=60)
    assert process.returncode == 0
    assert out.decode().splitlines() == ["àà&\"è'!ç&&"]
    assert 'devices.scanner.layout = "us"' in err.decode()


def test_listen_runs_until_ctrl_c(tmp_path: Path) -> None:
    fifo = tmp_path / "scanner.fifo"
    os.mkfifo(fifo)
    process = listen(tmp_path, "--device", f"fifo:{fifo}")
    fd = -1
    try:
        fd = open_fifo_for_writing(fifo)
        os.set_blocking(fd, True)
        ScannerTwin("us").type_into(fd, "4006381333931")
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready and process.stdout.readline() == b"4006381333931\n"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if fd >= 0:
            os.close(fd)
        process.kill() if process.poll() is None else None
    assert process.returncode == 0 and b"Traceback" not in err


def test_listen_on_a_file_of_events_with_tab_terminator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recording = tmp_path / "scans.bin"
    recording.write_bytes(ScannerTwin("de", terminator="tab").encode("Zürich-42") * 2)
    assert main(["scanner", "listen", "--device", str(recording), "--layout", "de", "--terminator", "tab"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Zürich-42", "Zürich-42"]


def test_listen_with_no_scanner_says_what_it_saw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    by_id = tmp_path / "dev/input/by-id"
    by_id.mkdir(parents=True)
    (tmp_path / "dev/input/event4").touch()
    (by_id / "usb-Logitech_USB_Keyboard-event-kbd").symlink_to("../event4")
    assert main(["scanner", "listen", "--root", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no barcode scanner found" in err
    assert "/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd" in err and "--device" in err


@pytest.fixture
def loop_evdev_leaves() -> Iterator[None]:
    """Close the event loop evdev makes behind the test's back. An ``InputDevice`` whose opening
    fails (``/dev/null``) closes itself from ``__del__`` through ``asyncio.get_event_loop()``, which
    makes a loop for the main thread and leaves it set and open: Python then reported it, unclosed,
    in whichever test of the same worker collected it (a counter test that runs the collector)."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:  # none was made (the device was not opened at all)
            return
    loop.close()
    asyncio.set_event_loop(None)


@pytest.mark.usefixtures("loop_evdev_leaves")
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--device", "/dev/null"], "not an input device"),
        (["--device", "/nonexistent/event9"], "does not exist"),
        (["--serial", "/nonexistent/ttyACM0"], "does not exist"),
    ],
)
def test_listen_refuses_what_it_cannot_read_in_one_line(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scanner", "listen", *args]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_listen_reads_a_serial_scanner(pty_pair: tuple[int, str], tmp_path: Path) -> None:
    master, path = pty_pair
    process = listen(tmp_path, "--serial", path)
    try:
        assert process.stderr is not None
        ready, _, _ = select.select([process.stderr], [], [], 60)
        assert ready and b"Scanner ready" in process.stderr.readline()
        os.write(master, serial_frame("2112345015002"))
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready and process.stdout.readline() == b"2112345015002\n"
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    finally:
        process.kill() if process.poll() is None else None
    assert process.returncode == 0


def test_serial_is_pyserial_on_the_real_tty(pty_pair: tuple[int, str]) -> None:
    """The serial scanner really goes through pyserial (exclusive lock and all): a second open is refused."""
    _, path = pty_pair
    with SerialScanner(path) as first:
        first.open()
        with pytest.raises(serial.SerialException):
            serial.Serial(path, exclusive=True).close()
