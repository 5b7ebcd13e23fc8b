"""The box's devices built from its config: each option of [devices.*] reaches the device it sets.

Every test goes from TOML through the config's checks to plain dicts (``Config.devices``, what the
UI hands over) and then to the twins: a FIFO or a fake /dev/input/by-id for the keyboard scanner,
a real pty for the serial scanner and the scale, a file for the printer, gpiozero's mock pins.
"""

from __future__ import annotations

import errno
import os
import select
import termios
import time
import tty
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gpiozero import LED
from gpiozero.pins.mock import MockFactory

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.config import SECTIONS
from appliance.core.document import Cut, Document, Rule, Text
from drivers import drawer as drawer_module
from drivers import lights as lights_module
from drivers.assembly import Devices, build_devices, build_lights
from drivers.drawer import GpioDrawer, PrinterDrawer
from drivers.keymaps import GS, LAYOUT_NAMES
from drivers.lights import LightState
from drivers.print_queue import JobState
from drivers.printer_twin import read_bytes
from drivers.scale import PROTOCOLS, State
from drivers.scale_twin import ScaleTwin
from drivers.scanner import DEFAULT_INTER_KEY_TIMEOUT, TERMINATORS, ScannerReader, SerialScanner
from drivers.scanner_twin import ScannerTwin, serial_frame

WAIT = 10.0
GS1 = "0103453120000011" + "10ABC123" + GS + "21XYZ"
HONEYWELL = "usb-Honeywell_Imaging_1900-event-kbd"
KEYBOARD = "usb-Logitech_USB_Keyboard-event-kbd"


def device_sections(toml: str) -> dict[str, dict[str, Any]]:
    """The [devices.*] sections of the demo config plus ``toml``, as the config hands them over."""
    return config_module.parse(demo_config_text() + "\n" + toml).devices


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = MockFactory()
    yield factory
    factory.reset()


@pytest.fixture
def fds() -> Iterator[list[int]]:
    """Fds a test opens itself; closed at the end if still open."""
    opened: list[int] = []
    yield opened
    for fd in opened:
        try:
            os.close(fd)
        except OSError:
            pass


def open_writer(fifo: Path, opened: list[int]) -> int:
    """The twin's end of a FIFO the reader has opened (a deadline, not a sleep, if it has not yet)."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            select.select([], [], [], 0.01)
            continue
        os.set_blocking(fd, True)
        opened.append(fd)
        return fd


def read_until_pending(reader: ScannerReader | SerialScanner, text: str) -> None:
    deadline = time.monotonic() + WAIT
    while reader.pending != text and time.monotonic() < deadline:
        assert reader.read_scan(timeout=0.02) is None
    assert reader.pending == text


# -- nothing faked ---------------------------------------------------------------------------------


def test_devices_not_enabled_are_absent() -> None:
    with build_devices(device_sections('[devices.drawer]\nkick = "none"')) as devices:
        assert devices == Devices()


def test_a_drawer_kicked_through_a_printer_that_is_not_there_is_a_problem_not_a_fake() -> None:
    devices = build_devices(device_sections(""))  # the defaults: kick = "printer", no printer
    assert devices.drawer is None and devices.printer is None
    assert [str(p) for p in devices.problems] == [
        'drawer: kicked through the printer, but no printer is enabled: set devices.drawer.kick = "none"'
    ]


# -- keyboard scanner ------------------------------------------------------------------------------


def test_the_scanners_layout_terminator_and_gs_substitute_come_from_the_config(tmp_path: Path, fds: list[int]) -> None:
    fifo = tmp_path / "scanner.fifo"
    os.mkfifo(fifo)
    sections = device_sections(
        f'[devices.scanner]\nenabled = true\npath = "{fifo}"\nlayout = "fr"\nterminator = "tab"\ngs_substitute = "~"'
    )
    with build_devices(sections | {"drawer": {"kick": "none"}}) as devices:
        scanner = devices.scanner
        assert isinstance(scanner, ScannerReader)
        scanner.open()
        writer = open_writer(fifo, fds)
        ScannerTwin("fr", terminator="tab", gs="~").type_into(writer, GS1)
        scan = scanner.read_scan(timeout=WAIT)
    assert scan is not None and (scan.text, scan.layout, scan.device) == (GS1, "fr", str(fifo))


def test_with_the_default_terminator_a_tab_does_not_end_a_scan(tmp_path: Path, fds: list[int]) -> None:
    fifo = tmp_path / "scanner.fifo"
    os.mkfifo(fifo)
    sections = device_sections(f'[devices.scanner]\nenabled = true\npath = "{fifo}"')
    devices = build_devices(sections, clock=FakeClock())
    try:
        assert devices.scanner is not None
        devices.scanner.open()
        ScannerTwin("us", terminator="tab").type_into(open_writer(fifo, fds), "4006381333931")
        read_until_pending(devices.scanner, "4006381333931\t")
    finally:
        devices.close()


def test_the_inter_key_timeout_ends_a_scan_without_terminator(tmp_path: Path, fds: list[int]) -> None:
    fifo = tmp_path / "scanner.fifo"
    os.mkfifo(fifo)
    sections = device_sections(
        f'[devices.scanner]\nenabled = true\npath = "{fifo}"\nterminator = "none"\ninter_key_timeout_ms = 750'
    )
    clock = FakeClock()
    with build_devices(sections, clock=clock) as devices:
        scanner = devices.scanner
        assert scanner is not None
        scanner.open()
        writer = open_writer(fifo, fds)  # kept open: the end of the stream would drop the scan
        ScannerTwin("us", terminator="none").type_into(writer, "HA-112")
        read_until_pending(scanner, "HA-112")
        clock.now += 0.749
        assert scanner.read_scan(timeout=0) is None  # the 200 ms default would have ended it
        clock.now += 0.002
        scan = scanner.read_scan(timeout=0)
    assert scan is not None and scan.text == "HA-112"


@pytest.fixture
def by_id(tmp_path: Path) -> Path:
    """A fake /dev where a Honeywell scanner and a plain keyboard type into FIFOs."""
    links = tmp_path / "dev/input/by-id"
    links.mkdir(parents=True)
    for event, name in (("event3", HONEYWELL), ("event4", KEYBOARD)):
        os.mkfifo(tmp_path / "dev/input" / event)
        (links / name).symlink_to(f"../{event}")
    return tmp_path


@pytest.mark.parametrize(
    ("names", "chosen"),
    [("[]", HONEYWELL), ('["Logitech USB Keyboard"]', KEYBOARD), ('"logitech"', KEYBOARD)],
)
def test_the_scanner_is_found_by_the_configured_names(by_id: Path, fds: list[int], names: str, chosen: str) -> None:
    sections = device_sections(f"[devices.scanner]\nenabled = true\nnames = {names}")
    with build_devices(sections, root=by_id) as devices:
        assert devices.scanner is not None
        devices.scanner.open()
        target = os.path.realpath(by_id / "dev/input/by-id" / chosen)
        ScannerTwin("us").type_into(open_writer(Path(target), fds), "3017620422003")
        scan = devices.scanner.read_scan(timeout=WAIT)
    assert scan is not None and (scan.text, scan.device) == ("3017620422003", f"/dev/input/by-id/{chosen}")


# -- serial scanner --------------------------------------------------------------------------------


def test_a_serial_scanner_takes_its_port_speed_terminator_and_substitute(fds: list[int]) -> None:
    master, slave = os.openpty()
    fds.append(master)
    tty.setraw(slave)
    port = os.ttyname(slave)
    os.close(slave)
    sections = device_sections(
        f'[devices.scanner]\nenabled = true\nserial_port = "{port}"\nbaudrate = 19200\n'
        'terminator = "tab"\ngs_substitute = "|"'
    )
    with build_devices(sections) as devices:
        scanner = devices.scanner
        assert isinstance(scanner, SerialScanner)
        scanner.open()
        probe = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            speed = termios.tcgetattr(probe)[4]
        finally:
            os.close(probe)
        os.write(master, serial_frame(GS1.replace(GS, "|"), "\t"))
        scan = scanner.read_scan(timeout=WAIT)
    assert speed == termios.B19200
    assert scan is not None and (scan.text, scan.device) == (GS1, port)


# -- scale -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_the_scale_speaks_the_configured_protocol_on_the_configured_port(tmp_path: Path, protocol: str) -> None:
    link = tmp_path / "ttyScale"
    with ScaleTwin(protocol, link) as twin:
        twin.show(1234)
        sections = device_sections(f'[devices.scale]\nenabled = true\nport = "{link}"\nprotocol = "{protocol}"')
        with build_devices(sections) as devices:
            assert devices.scale is not None
            reading = devices.scale.read()
            if protocol == "cas-pd2":  # no stability flag: stable once two readings agree
                assert reading.state is State.MOTION
                reading = devices.scale.read()
    assert (reading.state, reading.grams) == (State.STABLE, 1234)


# -- printer and drawer ----------------------------------------------------------------------------


def test_the_printer_and_its_drawer_kick_follow_the_config(tmp_path: Path) -> None:
    paper = tmp_path / "printer.bin"
    sections = device_sections(
        f'[devices.printer]\nenabled = true\nurl = "file:{paper}"\nprofile = "TSP600"\ncolumns = 32\n'
        '[devices.drawer]\nkick = "printer"\npin = "2"\npulse_ms = 100'
    )
    with build_devices(sections) as devices:
        assert devices.printer is not None and isinstance(devices.drawer, PrinterDrawer)
        job = devices.printer.submit(Document((Text("Merci"), Rule("="), Cut())))
        devices.drawer.open()
        kick = devices.drawer.last_job
        assert devices.printer.wait_for(
            lambda s: s.job(job).state is JobState.PRINTED and s.job(kick).state is JobState.PRINTED, WAIT
        )
    printout = read_bytes(paper.read_bytes())
    assert "=" * 32 in printout.text and "=" * 33 not in "".join(printout.text)
    assert printout.of("drawer") == [(2, 100, 500)]
    assert set(printout.of("code page")) == {4}  # CP858 is table 4 on the Star profile, 19 on the default


def test_an_unusable_printer_url_is_a_problem_and_the_drawer_says_why(tmp_path: Path) -> None:
    sections = device_sections('[devices.printer]\nenabled = true\nurl = "lpt1"')
    devices = build_devices(sections)
    assert devices.printer is None and devices.drawer is None
    assert [p.device for p in devices.problems] == ["printer", "drawer"]
    assert "not understood" in devices.problems[0].message and "fix devices.printer" in devices.problems[0].message


def test_a_gpio_drawer_pulses_the_configured_pin_at_the_configured_level(pins: MockFactory) -> None:
    sections = device_sections('[devices.drawer]\nkick = "gpio"\ngpio_pin = 12\ngpio_active = "low"\npulse_ms = 20')
    with build_devices(sections, pin_factory=pins) as devices:
        assert isinstance(devices.drawer, GpioDrawer)
        pins.pin(12).clear_states()
        devices.drawer.open()
        assert [bool(change.state) for change in pins.pin(12).states] == [True, False, True]  # idle high


@pytest.mark.parametrize(("wired", "shut_level"), [("shut", "low"), ("open", "high")])
def test_the_drawer_switch_is_read_on_its_configured_pin_and_warns_after_the_configured_time(
    pins: MockFactory, wired: str, shut_level: str
) -> None:
    clock = FakeClock()
    sections = device_sections(
        f'[devices.drawer]\nkick = "none"\nswitch = true\nswitch_pin = 26\nswitch_closed_when = "{wired}"\n'
        "open_warning_s = 30"
    )
    drive = {"low": lambda pin: pin.drive_low(), "high": lambda pin: pin.drive_high()}
    opposite = {"low": "high", "high": "low"}
    with build_devices(sections, pin_factory=pins, clock=clock) as devices:
        switch = devices.drawer_switch
        assert switch is not None and devices.drawer is None
        drive[shut_level](pins.pin(26))
        assert not switch.is_open
        drive[opposite[shut_level]](pins.pin(26))
        assert switch.is_open
        pins.pin(25).drive_low()  # the pin the driver uses by default: not this box's
        assert switch.is_open
        clock.now += 29
        assert switch.check() is None
        clock.now += 1
        alert = switch.check()
        assert alert is not None and alert.message == "Cash drawer open for 30 s: close it"


# -- lights ----------------------------------------------------------------------------------------


def test_the_lights_and_buzzer_are_on_their_configured_pins(pins: MockFactory) -> None:
    sections = device_sections("[devices.lights]\nenabled = true\ngreen = 5\namber = 6\nred = 13\nbuzzer = 19")
    with build_devices(sections, pin_factory=pins) as devices:
        lights = devices.lights
        assert lights is not None
        lights.show(LightState.ONLINE)
        assert (pins.pin(5).state, pins.pin(13).state) == (True, False)
        lights.show(LightState.ATTENTION)
        assert (pins.pin(5).state, pins.pin(13).state) == (False, True)
        pins.pin(19).clear_states()
        lights.beep_unknown_barcode(wait=True)
        pins.pin(19).assert_states([False, True, False, True, False])
        for default in lights_module.DEFAULT_PINS.values():  # none of the driver's own pins was touched
            assert not pins.pin(default).states[1:]


def test_lights_without_a_buzzer(pins: MockFactory) -> None:
    with build_devices(device_sections("[devices.lights]\nenabled = true\nbuzzer = false"), pin_factory=pins) as d:
        assert d.lights is not None and d.lights.buzzer is None
        d.lights.beep_unknown_barcode(wait=True)  # nothing to beep with, and no error


def test_a_pin_already_taken_leaves_the_lights_out_and_claims_nothing(pins: MockFactory) -> None:
    taken = LED(13, pin_factory=pins)
    try:
        sections = device_sections("[devices.lights]\nenabled = true\ngreen = 5\namber = 6\nred = 13\nbuzzer = 19")
        devices = build_devices(sections | {"drawer": {"kick": "none"}}, pin_factory=pins)
        assert devices.lights is None
        assert [p.device for p in devices.problems] == ["lights"]
        assert "GPIO green 5, amber 6, red 13, buzzer 19 cannot be used" in devices.problems[0].message
        LED(5, pin_factory=pins).close()  # green and amber were given back
        LED(6, pin_factory=pins).close()
    finally:
        taken.close()


def test_close_releases_every_pin_and_stops_the_print_queue(pins: MockFactory, tmp_path: Path) -> None:
    sections = device_sections(
        f'[devices.printer]\nenabled = true\nurl = "file:{tmp_path / "p.bin"}"\n'
        "[devices.lights]\nenabled = true\n"
        '[devices.drawer]\nkick = "gpio"\nswitch = true'
    )
    devices = build_devices(sections, pin_factory=pins).start()
    assert devices.printer is not None and devices.printer._thread is not None
    worker = devices.printer._thread
    devices.close()
    assert not worker.is_alive()
    for pin in (17, 27, 22, 24, 23, 25):
        LED(pin, pin_factory=pins).close()  # free again


def test_a_build_that_fails_half_way_releases_what_it_had_built(pins: MockFactory, tmp_path: Path) -> None:
    """Sections that skipped the config's checks (a scale without its port) must not leak the scanner."""
    open_fds = len(os.listdir("/proc/self/fd"))
    sections = {"scanner": {"enabled": True, "path": str(tmp_path / "fifo")}, "scale": {"enabled": True}}
    with pytest.raises(KeyError):
        build_devices(sections, pin_factory=pins)
    assert len(os.listdir("/proc/self/fd")) == open_fds  # the scanner's wake-up pipe is closed again


# -- the config and the drivers agree --------------------------------------------------------------


def test_a_section_without_keys_takes_the_drivers_defaults(pins: MockFactory) -> None:
    lights = build_lights({"enabled": True}, [], pins)
    assert lights is not None
    try:
        lights.show(LightState.ONLINE)
        assert pins.pin(lights_module.DEFAULT_PINS["green"]).state
    finally:
        lights.close()


def test_the_configs_defaults_are_the_drivers_defaults() -> None:
    scanner, drawer, lights = SECTIONS["devices.scanner"], SECTIONS["devices.drawer"], SECTIONS["devices.lights"]
    assert scanner["inter_key_timeout_ms"].default == round(DEFAULT_INTER_KEY_TIMEOUT * 1000)
    assert {part: lights[part].default for part in lights_module.DEFAULT_PINS} == lights_module.DEFAULT_PINS
    assert drawer["gpio_pin"].default == drawer_module.DEFAULT_RELAY_PIN
    assert drawer["switch_pin"].default == drawer_module.DEFAULT_SWITCH_PIN
    assert drawer["open_warning_s"].default == drawer_module.DEFAULT_OPEN_WARNING_S


def test_the_configs_choices_are_what_the_drivers_support() -> None:
    assert config_module.SCANNER_LAYOUTS == LAYOUT_NAMES
    assert config_module.SCANNER_TERMINATORS == tuple(TERMINATORS)
    for protocol in PROTOCOLS:
        config_module.parse(demo_config_text() + f'\n[devices.scale]\nprotocol = "{protocol}"')
    with pytest.raises(config_module.ConfigError):
        config_module.parse(demo_config_text() + '\n[devices.scale]\nprotocol = "adam"')
