"""Device checks for ``ofn-checkout doctor``: one verdict per configured device, never a probe that
always succeeds.

The doctor lives in ``appliance`` and may not import drivers; it finds these checks through the
``ofn_checkout.checks`` entry point and hands over the config's ``[devices.*]`` sections as plain
dicts. A check answers ``(verdict, device, message)`` with verdict ``ok``, ``warn`` or ``fail``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .discovery import gpio_chips, matches_names, scanner_candidates
from .printer import Printer, PrinterError, PrinterSettings
from .scale import probe, protocol_for

Verdict = tuple[str, str, str]


def device_checks(devices: dict[str, dict[str, Any]], root: Path = Path("/")) -> list[Verdict]:
    return [
        _scanner(devices.get("scanner", {}), root),
        _scale(devices.get("scale", {})),
        _printer(devices.get("printer", {})),
        _drawer(devices.get("drawer", {}), devices.get("printer", {}), root),
        _lights(devices.get("lights", {}), root),
    ]


def _scanner(section: dict[str, Any], root: Path) -> Verdict:
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
    if not section.get("enabled"):
        return ("ok", "scale", "not used (devices.scale.enabled = false)")
    port, protocol = section.get("port") or "", section.get("protocol") or "toledo8217"
    if not port or not Path(port).exists():
        return (
            "fail",
            "scale",
            f"port {port or '(none)'} does not exist: plug the scale in, or fix devices.scale.port",
        )
    if not probe(port, protocol_for(section), timeout=1.0):
        return ("fail", "scale", f"no {protocol} answer on {port}: is the scale on, and set to that protocol?")
    return ("ok", "scale", f"{protocol} answers on {port}")


def _printer(section: dict[str, Any]) -> Verdict:
    if not section.get("enabled"):
        return ("ok", "printer", "not used (devices.printer.enabled = false)")
    url = section.get("url") or ""
    try:
        settings = PrinterSettings(profile=section.get("profile", "default"), columns=section.get("columns", 42))
        status = Printer.from_url(url, settings).status()  # an unknown profile fails here, as at start
    except PrinterError as exc:
        return ("fail", "printer", str(exc))
    problem = status.problem()
    if problem is not None:
        return ("fail", "printer", str(problem))
    if not status.known:
        return ("warn", "printer", f"{url} reachable; this connection cannot report paper or cover")
    return ("ok", "printer", f"{url}: {status.state}")


def _drawer(section: dict[str, Any], printer: dict[str, Any], root: Path) -> Verdict:
    kick = section.get("kick", "printer")
    switch = f"; open switch on GPIO {section.get('switch_pin')}" if section.get("switch") else ""
    needs_gpio = kick == "gpio" or bool(switch)
    if needs_gpio and (problem := _gpio_problem(root)):
        return ("fail", "drawer", f"{'relay' if kick == 'gpio' else 'open switch'} configured, but {problem}")
    if kick == "none":
        return ("ok", "drawer", f"not kicked (opened by its key){switch}" if switch else "not used")
    if kick == "printer":
        if not printer.get("enabled"):
            return ("warn", "drawer", 'kicked through the printer, but none is enabled: kick = "none" if no drawer')
        return ("ok", "drawer", f"kicked through the printer{switch}")
    level = section.get("gpio_active", "high")
    return ("ok", "drawer", f"GPIO relay on pin {section.get('gpio_pin')} (active {level}){switch}")


def _lights(section: dict[str, Any], root: Path) -> Verdict:
    if not section.get("enabled"):
        return ("ok", "lights", "not used (devices.lights.enabled = false)")
    parts = [
        f"{part} {section.get(part)}" for part in ("green", "amber", "red", "buzzer") if section.get(part) is not None
    ]
    if problem := _gpio_problem(root):
        return ("fail", "lights", f"status light on GPIO {', '.join(parts)} configured, but {problem}")
    return ("ok", "lights", f"GPIO {', '.join(parts)}")


def _gpio_problem(root: Path) -> str:
    """Why GPIO cannot be driven here, or "" when a chip is there and the service user may use it."""
    chips = gpio_chips(root)
    if not chips:
        return "this machine has no GPIO (/dev/gpiochip*)"
    if not any(os.access(_under(root, chip.path), os.R_OK | os.W_OK) for chip in chips):
        return f"{chips[0].path} cannot be opened: the service user must be in group gpio"
    return ""
