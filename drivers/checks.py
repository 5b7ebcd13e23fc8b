"""Device checks for ``ofn-checkout doctor``: one verdict per configured device, never a probe that
always succeeds.

The doctor lives in ``appliance`` and may not import drivers; it finds these checks through the
``ofn_checkout.checks`` entry point and hands over the config's ``[devices.*]`` sections as plain
dicts. A check answers ``(verdict, device, message)`` with verdict ``ok``, ``warn`` or ``fail``.

Each device's verdict is made by one function from what was found (``scale_verdict`` from
whether the scale answers, ``printer_verdict`` from the printer's status…), so the counter's
diagnostics screen, which asks the devices the running till holds (``live_checks.py``), says
exactly what the doctor says of the same device.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .discovery import gpio_chips, matches_names, scanner_candidates
from .printer import Printer, PrinterError, PrinterSettings, PrinterStatus
from .scale import probe, protocol_for

Verdict = tuple[str, str, str]


def device_checks(devices: dict[str, dict[str, Any]], root: Path = Path("/")) -> list[Verdict]:
    drawer = devices.get("drawer", {})
    lights = devices.get("lights", {})
    return [
        scanner_verdict(devices.get("scanner", {}), root),
        _scale(devices.get("scale", {})),
        _printer(devices.get("printer", {})),
        drawer_verdict(drawer, devices.get("printer", {}), gpio_problem(root) if uses_gpio(drawer) else ""),
        lights_verdict(lights, gpio_problem(root) if lights.get("enabled") else ""),
    ]


def scanner_verdict(section: dict[str, Any], root: Path = Path("/")) -> Verdict:
    """Found by its path, its serial port or its name; looked for, never opened."""
    if not section.get("enabled"):
        return ("ok", "scanner", "not used (devices.scanner.enabled = false)")
    if port := section.get("serial_port") or "":
        return _serial_scanner(port, root)
    path = section.get("path") or ""
    if path:
        if not _under(root, path).exists():
            return ("fail", "scanner", f"{path} does not exist: plug the scanner in, or fix devices.scanner.path")
        if not os.access(_under(root, path), os.R_OK):
            return ("fail", "scanner", f"{path} is not readable: the service user must be in group input")
        return ("ok", "scanner", f"{path} present")
    names = tuple(section.get("names") or ())
    found = scanner_candidates(root, names)
    if not found:
        wanted = f"matching devices.scanner.names {list(names)}" if names else "found by name"
        return (
            "fail",
            "scanner",
            f"no scanner {wanted} under /dev/input/by-id: plug it in, or set devices.scanner.names or .path",
        )
    if names and not matches_names(f"{found[0].name} {found[0].path}", names):
        return (
            "warn",
            "scanner",
            f"nothing matches devices.scanner.names {list(names)}; the till would read {found[0].path} "
            f"({found[0].name}) instead: fix the names, or plug in the scanner they name",
        )
    return ("ok", "scanner", f"{found[0].path} ({found[0].name})")


def _serial_scanner(port: str, root: Path) -> Verdict:
    """A serial scanner's port is checked, never opened: the running till holds it exclusively."""
    where = _under(root, port)
    if not where.exists():
        return ("fail", "scanner", f"{port} does not exist: plug the scanner in, or fix devices.scanner.serial_port")
    if not os.access(where, os.R_OK | os.W_OK):
        return ("fail", "scanner", f"{port} cannot be opened: the service user must be in group dialout")
    return ("ok", "scanner", f"USB-serial on {port}")


def _under(root: Path, path: str) -> Path:
    """A path as the box names it, looked for under the discovery root (/ on the box)."""
    return Path(path) if root == Path("/") else root / path.lstrip("/")


def _scale(section: dict[str, Any]) -> Verdict:
    return scale_verdict(section, lambda port: probe(port, protocol_for(section), timeout=1.0))


def scale_verdict(section: dict[str, Any], answers: Callable[[str], bool]) -> Verdict:
    """The port must exist, and ``answers(port)`` say a well-formed reply of the protocol came."""
    if not section.get("enabled"):
        return ("ok", "scale", "not used (devices.scale.enabled = false)")
    port, protocol = section.get("port") or "", section.get("protocol") or "toledo8217"
    if not port or not Path(port).exists():
        return (
            "fail",
            "scale",
            f"port {port or '(none)'} does not exist: plug the scale in, or fix devices.scale.port",
        )
    if not answers(port):
        return ("fail", "scale", f"no {protocol} answer on {port}: is the scale on, and set to that protocol?")
    return ("ok", "scale", f"{protocol} answers on {port}")


def _printer(section: dict[str, Any]) -> Verdict:
    if not section.get("enabled"):
        return ("ok", "printer", "not used (devices.printer.enabled = false)")
    url = section.get("url") or ""
    try:
        settings = PrinterSettings(profile=section.get("profile", "default"), columns=section.get("columns", 42))
        printer = Printer.from_url(url, settings)  # an unknown profile fails here, as at start
    except PrinterError as exc:
        return ("fail", "printer", str(exc))
    return printer_verdict(url, printer.status)


def printer_verdict(url: str, status: Callable[[], PrinterStatus]) -> Verdict:
    """What ``status()`` (the printer's DLE EOT answer) says: paper, cover, online."""
    try:
        found = status()
    except PrinterError as exc:
        return ("fail", "printer", str(exc))
    problem = found.problem()
    if problem is not None:
        return ("fail", "printer", str(problem))
    if not found.known:
        return ("warn", "printer", f"{url} reachable; this connection cannot report paper or cover")
    return ("ok", "printer", f"{url}: {found.state}")


def uses_gpio(drawer: dict[str, Any]) -> bool:
    return drawer.get("kick", "printer") == "gpio" or bool(drawer.get("switch"))


def drawer_verdict(section: dict[str, Any], printer: dict[str, Any], gpio: str) -> Verdict:
    """``gpio`` is why GPIO cannot be used here ("" when it can, or is not needed)."""
    kick = section.get("kick", "printer")
    switch = f"; open switch on GPIO {section.get('switch_pin')}" if section.get("switch") else ""
    if uses_gpio(section) and gpio:
        return ("fail", "drawer", f"{'relay' if kick == 'gpio' else 'open switch'} configured, but {gpio}")
    if kick == "none":
        return ("ok", "drawer", f"not kicked (opened by its key){switch}" if switch else "not used")
    if kick == "printer":
        if not printer.get("enabled"):
            return ("warn", "drawer", 'kicked through the printer, but none is enabled: kick = "none" if no drawer')
        return ("ok", "drawer", f"kicked through the printer{switch}")
    level = section.get("gpio_active", "high")
    return ("ok", "drawer", f"GPIO relay on pin {section.get('gpio_pin')} (active {level}){switch}")


def lights_verdict(section: dict[str, Any], gpio: str) -> Verdict:
    """``gpio`` is why GPIO cannot be used here ("" when it can)."""
    if not section.get("enabled"):
        return ("ok", "lights", "not used (devices.lights.enabled = false)")
    parts = [
        f"{part} {section.get(part)}" for part in ("green", "amber", "red", "buzzer") if section.get(part) is not None
    ]
    if gpio:
        return ("fail", "lights", f"status light on GPIO {', '.join(parts)} configured, but {gpio}")
    return ("ok", "lights", f"GPIO {', '.join(parts)}")


def gpio_problem(root: Path) -> str:
    """Why GPIO cannot be driven here, or "" when a chip is there and the service user may use it."""
    chips = gpio_chips(root)
    if not chips:
        return "this machine has no GPIO (/dev/gpiochip*)"
    if not any(os.access(_under(root, chip.path), os.R_OK | os.W_OK) for chip in chips):
        return f"{chips[0].path} cannot be opened: the service user must be in group gpio"
    return ""
