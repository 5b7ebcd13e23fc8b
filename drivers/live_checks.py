"""The devices of a running till, checked through the drivers that hold them: the diagnostics screen.

``ofn-checkout doctor`` (``checks.py``) opens each device itself, which a running till cannot
allow: the scale's port is held exclusively, and a network printer serves one connection at a
time. Here each device is asked through the object the till already holds (the scale driver
reads once more under its lock, the print queue asks the printer's status between two jobs), and
the verdict is made by the same function the doctor uses, so both say the same of the same
device. Each check also names the driver that claims the device, and what it sees now.

Blocking (a scale read, a printer status): call from a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .assembly import Devices
from .checks import Verdict, drawer_verdict, lights_verdict, printer_verdict, scale_verdict, scanner_verdict
from .drawer import GpioDrawer, PrinterDrawer
from .printer import Printer
from .scale import Reading, State
from .scanner import SerialScanner

log = logging.getLogger(__name__)

Section = Mapping[str, Any]
SILENT = (State.NO_ANSWER, State.GARBLED)


@dataclass(frozen=True)
class DeviceCheck:
    """The doctor's verdict on one device, and what claims it on this till ("" when nothing does)."""

    verdict: str
    device: str
    message: str
    driver: str = ""

    @property
    def as_verdict(self) -> Verdict:
        return (self.verdict, self.device, self.message)


def live_checks(devices: Devices, sections: Mapping[str, Section], *, root: Path = Path("/")) -> Iterator[DeviceCheck]:
    """One check per device kind, in the doctor's order, each as soon as it is known."""
    yield scanner_check(devices, sections.get("scanner", {}), root)
    yield scale_check(devices, sections.get("scale", {}))
    yield printer_check(devices, sections.get("printer", {}))
    yield drawer_check(devices, sections.get("drawer", {}), sections.get("printer", {}))
    yield lights_check(devices, sections.get("lights", {}))


def scanner_check(devices: Devices, section: Section, root: Path) -> DeviceCheck:
    verdict = scanner_verdict(dict(section), root)
    scanner = devices.scanner
    if scanner is None:
        return DeviceCheck(*verdict)
    status = scanner.status
    seen = f": {status.state.value}" + (f" ({status.device})" if status.device else "")
    if isinstance(scanner, SerialScanner):
        driver = f"USB-serial scanner reader on {scanner.port} at {scanner.baudrate} baud{seen}"
    else:
        driver = f"keyboard-wedge scanner reader (evdev, {section.get('layout', 'us')} layout){seen}"
    return DeviceCheck(*verdict, driver=driver)


def scale_check(devices: Devices, section: Section) -> DeviceCheck:
    """A fresh reading through the till's own scale driver, in place of the doctor's probe."""
    scale = devices.scale
    if scale is None:
        return DeviceCheck(*scale_verdict(dict(section), lambda port: False))
    reading = _read(scale)
    verdict = scale_verdict(dict(section), lambda port: reading is not None and reading.state not in SILENT)
    return DeviceCheck(*verdict, driver=f"{scale.protocol.expected} on {scale.path}: {describe(reading)}")


def _read(scale: Any) -> Reading | None:
    try:
        reading: Reading = scale.read()
    except Exception:  # a driver fault is a failed check, not a crashed screen
        log.exception("the diagnostics' scale reading failed")
        return None
    return reading


def describe(reading: Reading | None) -> str:
    """A reading as support reads it: state, grams, and why when there is no weight."""
    if reading is None:
        return "no reading (the driver failed: see the log)"
    if not reading.connected:
        return f"port gone ({reading.detail})" if reading.detail else "port gone"
    weight = f" {reading.grams} g{' net' if reading.net else ''}" if reading.grams is not None else ""
    why = f" ({reading.detail})" if reading.detail and reading.state in SILENT else ""
    return f"{reading.state.value}{weight}{why}"


def printer_check(devices: Devices, section: Section) -> DeviceCheck:
    queue = devices.printer
    if not section.get("enabled"):
        return DeviceCheck("ok", "printer", "not used (devices.printer.enabled = false)")
    if queue is None:
        return DeviceCheck("fail", "printer", _problem(devices, "printer") or "the printer could not be set up")
    url = str(section.get("url") or "")
    verdict = printer_verdict(url, queue.check_status)
    printer = queue.printer
    if isinstance(printer, Printer):
        settings = printer.settings
        driver = f"ESC/POS print queue to {printer.description} ({settings.profile} profile, {printer.columns} columns)"
    else:
        driver = f"print queue to {type(printer).__name__}"
    waiting = queue.snapshot().waiting
    return DeviceCheck(
        *verdict, driver=driver + (f"; {waiting} {'job' if waiting == 1 else 'jobs'} waiting" if waiting else "")
    )


def drawer_check(devices: Devices, section: Section, printer: Section) -> DeviceCheck:
    problem = _problem(devices, "drawer") or _problem(devices, "drawer switch")
    verdict = drawer_verdict(dict(section), dict(printer), problem)
    if problem and verdict[0] == "ok":  # a problem the doctor's GPIO test does not cover (a pin taken)
        verdict = ("fail", "drawer", problem)
    drawer, switch = devices.drawer, devices.drawer_switch
    parts = []
    if isinstance(drawer, PrinterDrawer):
        parts.append("ESC p kick through the print queue")
    elif isinstance(drawer, GpioDrawer):
        parts.append(f"GPIO relay pulse of {drawer.pulse_ms} ms")
    if switch is not None:
        parts.append(f"open switch: {'open' if switch.is_open else 'shut'}")
    return DeviceCheck(*verdict, driver="; ".join(parts))


def lights_check(devices: Devices, section: Section) -> DeviceCheck:
    problem = _problem(devices, "lights")
    verdict = lights_verdict(dict(section), problem)
    lights = devices.lights
    driver = f"gpiozero LEDs, showing {lights.state.value}" if lights is not None else ""
    return DeviceCheck(*verdict, driver=driver)


def _problem(devices: Devices, name: str) -> str:
    """What kept a device from being set up when the till started, "" when nothing did."""
    return next((problem.message for problem in devices.problems if problem.device == name), "")
