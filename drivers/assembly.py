"""The box's devices, built in one place from the config's ``[devices.*]`` sections.

The UI (and any other program that drives the box's hardware) calls :func:`build_devices` with
the sections as plain dicts (``Config.devices``: drivers may not import the config module) and
gets a :class:`Devices` back. A device that is not enabled is ``None``: nothing is faked, so a
screen can tell "no scale on this till" from "the scale does not answer".

Building claims nothing on the serial ports, the printer or the input devices: the scanner reader,
the scale and the printer open their device on first use and reopen it after an unplug, so a box
starts with a device unplugged and picks it up when it is plugged in. GPIO lines are claimed at
once (that is how gpiozero works); a part that cannot have its pins is left out and named in
:attr:`Devices.problems`, with what to do, instead of stopping the till from selling.

Defaults live with each driver (``DEFAULT_PINS``, ``DEFAULT_INTER_KEY_TIMEOUT``…); a missing key
takes the driver's default, which the config's defaults equal (a test keeps them in step).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .devices import DeviceProblem, Devices
from .drawer import (
    DEFAULT_OPEN_WARNING_S,
    DEFAULT_RELAY_PIN,
    DEFAULT_SWITCH_PIN,
    DrawerMonitor,
    GpioDrawer,
    PrinterDrawer,
)
from .lights import DEFAULT_PINS, StatusLights
from .print_queue import PrintQueue
from .printer import Printer, PrinterError, PrinterSettings
from .scale import SerialScale, open_scale, protocol_for
from .scanner import DEFAULT_INTER_KEY_TIMEOUT, ScannerReader, SerialScanner

log = logging.getLogger(__name__)

Section = Mapping[str, Any]


def gpio_errors() -> tuple[type[BaseException], ...]:
    """What building a GPIO part raises when its pins cannot be had (no GPIO on this machine, a pin
    taken by another program…). A function, called only in ``except`` clauses, so that a box with no
    GPIO part never imports gpiozero."""
    from gpiozero.exc import GPIOZeroError

    return (GPIOZeroError, OSError)


def build_devices(
    sections: Mapping[str, Section],
    *,
    pin_factory: Any = None,
    root: Path = Path("/"),
    clock: Callable[[], float] = time.monotonic,
) -> Devices:
    """The devices the ``[devices.*]`` sections describe, as checked by the config.

    ``pin_factory`` is gpiozero's (None: the Pi's own; MockFactory in tests and the demo),
    ``root`` where /dev/input/by-id is looked for when the scanner is found by name, ``clock``
    the monotonic clock of the scanner's timeouts and of the drawer warning.
    """
    problems: list[DeviceProblem] = []
    printer, drawer = sections.get("printer", {}), sections.get("drawer", {})
    devices = Devices()
    try:  # whatever fails, nothing built before it stays claimed
        devices.scanner = build_scanner(sections.get("scanner", {}), root=root, clock=clock)
        devices.scale = build_scale(sections.get("scale", {}))
        devices.printer = build_printer(printer, drawer, problems)
        devices.drawer = build_drawer(drawer, devices.printer, printer, problems, pin_factory)
        devices.drawer_switch = build_drawer_switch(drawer, problems, pin_factory, clock)
        devices.lights = build_lights(sections.get("lights", {}), problems, pin_factory)
    except BaseException:
        devices.close()
        raise
    devices.problems = tuple(problems)
    for problem in problems:
        log.warning("device not set up: %s", problem)
    return devices


def build_scanner(
    section: Section, *, root: Path = Path("/"), clock: Callable[[], float] = time.monotonic
) -> ScannerReader | SerialScanner | None:
    """A keyboard-wedge reader (``path``, or found by ``names``), or a serial one with ``serial_port``."""
    if not section.get("enabled"):
        return None
    timeout_ms = section.get("inter_key_timeout_ms", round(DEFAULT_INTER_KEY_TIMEOUT * 1000))
    common: dict[str, Any] = {
        "terminator": section.get("terminator", "enter"),
        "inter_key_timeout": timeout_ms / 1000,
        "gs_substitute": section.get("gs_substitute") or None,
        "clock": clock,
    }
    if port := section.get("serial_port"):
        return SerialScanner(port, baudrate=section.get("baudrate", 9600), **common)
    from .scanner.sources import path_opener  # evdev: only a box with a keyboard-wedge scanner loads it

    opener = path_opener(section.get("path") or "", names=tuple(section.get("names", ())), root=root)
    return ScannerReader(opener, layout=section.get("layout", "us"), **common)


def build_scale(section: Section) -> SerialScale | None:
    if not section.get("enabled"):
        return None
    return open_scale(section["port"], protocol_for(section))


def printer_settings(printer: Section, drawer: Section) -> PrinterSettings:
    """The printer's paper and profile, and the kick of the drawer wired to it."""
    return PrinterSettings(
        profile=printer.get("profile", "default"),
        columns=printer.get("columns", 42),
        drawer_pin=drawer.get("pin", "both"),
        pulse_ms=drawer.get("pulse_ms", 50),
    )


def build_printer(printer: Section, drawer: Section, problems: list[DeviceProblem]) -> PrintQueue | None:
    """The print queue (not started); an unusable URL or profile is a problem, not a crash."""
    if not printer.get("enabled"):
        return None
    try:
        device = Printer.from_url(printer["url"], printer_settings(printer, drawer))
    except PrinterError as exc:
        problems.append(DeviceProblem("printer", f"{exc}: fix devices.printer"))
        return None
    return PrintQueue(device)


def build_drawer(
    section: Section,
    queue: PrintQueue | None,
    printer: Section,
    problems: list[DeviceProblem],
    pin_factory: Any = None,
) -> PrinterDrawer | GpioDrawer | None:
    kick = section.get("kick", "printer")
    if kick == "none":
        return None
    if kick == "printer":
        if queue is not None:
            return PrinterDrawer(queue)
        if not printer.get("enabled"):
            message = 'kicked through the printer, but no printer is enabled: set devices.drawer.kick = "none"'
        else:
            message = "kicked through the printer, which cannot be used (see the printer)"
        problems.append(DeviceProblem("drawer", message))
        return None
    pin = section.get("gpio_pin", DEFAULT_RELAY_PIN)
    try:
        return GpioDrawer(
            pin,
            section.get("pulse_ms", 50),
            active_high=section.get("gpio_active", "high") == "high",
            pin_factory=pin_factory,
        )
    except gpio_errors() as exc:
        problems.append(DeviceProblem("drawer", _gpio_message(f"relay on GPIO {pin}", exc, "devices.drawer.gpio_pin")))
        return None


def build_drawer_switch(
    section: Section,
    problems: list[DeviceProblem],
    pin_factory: Any = None,
    clock: Callable[[], float] = time.monotonic,
) -> DrawerMonitor | None:
    if not section.get("switch"):
        return None
    pin = section.get("switch_pin", DEFAULT_SWITCH_PIN)
    try:
        return DrawerMonitor(
            pin,
            section.get("open_warning_s", DEFAULT_OPEN_WARNING_S),
            closed_when_pressed=section.get("switch_closed_when", "shut") == "shut",
            clock=clock,
            pin_factory=pin_factory,
        )
    except gpio_errors() as exc:
        problems.append(DeviceProblem("drawer switch", _gpio_message(f"GPIO {pin}", exc, "devices.drawer.switch_pin")))
        return None


def build_lights(section: Section, problems: list[DeviceProblem], pin_factory: Any = None) -> StatusLights | None:
    if not section.get("enabled"):
        return None
    pins = {part: section.get(part, default) for part, default in DEFAULT_PINS.items()}
    try:
        return StatusLights(**pins, pin_factory=pin_factory)
    except gpio_errors() as exc:
        used = ", ".join(f"{part} {pin}" for part, pin in pins.items() if pin is not None)
        problems.append(DeviceProblem("lights", _gpio_message(f"GPIO {used}", exc, "devices.lights")))
        return None


def _gpio_message(what: str, exc: BaseException, key: str) -> str:
    return f"{what} cannot be used ({exc or type(exc).__name__}): check {key}, or that this box has GPIO"
