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

from .discovery import gpio_chips, scanner_candidates
from .printer import Printer, PrinterError
from .scale import probe

Verdict = tuple[str, str, str]


def device_checks(devices: dict[str, dict[str, Any]], root: Path = Path("/")) -> list[Verdict]:
    return [
        _scanner(devices.get("scanner", {}), root),
        _scale(devices.get("scale", {})),
        _printer(devices.get("printer", {})),
        _drawer(devices.get("drawer", {}), devices.get("printer", {}), root),
    ]


def _scanner(section: dict[str, Any], root: Path) -> Verdict:
    if not section.get("enabled"):
        return ("ok", "scanner", "not used (devices.scanner.enabled = false)")
    path = section.get("path") or ""
    if path:
        if not Path(path).exists():
            return ("fail", "scanner", f"{path} does not exist: plug the scanner in, or fix devices.scanner.path")
        if not os.access(path, os.R_OK):
            return ("fail", "scanner", f"{path} is not readable: the service user must be in group input")
        return ("ok", "scanner", f"{path} present")
    found = scanner_candidates(root)
    if not found:
        return ("fail", "scanner", "no scanner under /dev/input/by-id: plug it in, or set devices.scanner.path")
    return ("ok", "scanner", f"{found[0].path} ({found[0].name})")


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
    if not probe(port, protocol, timeout=1.0):
        return ("fail", "scale", f"no {protocol} answer on {port}: is the scale on, and set to that protocol?")
    return ("ok", "scale", f"{protocol} answers on {port}")


def _printer(section: dict[str, Any]) -> Verdict:
    if not section.get("enabled"):
        return ("ok", "printer", "not used (devices.printer.enabled = false)")
    url = section.get("url") or ""
    try:
        status = Printer.from_url(url).status()
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
    if kick == "none":
        return ("ok", "drawer", "not used")
    if kick == "printer":
        if not printer.get("enabled"):
            return ("warn", "drawer", 'kicked through the printer, but none is enabled: kick = "none" if no drawer')
        return ("ok", "drawer", "kicked through the printer")
    if not gpio_chips(root):
        return ("fail", "drawer", "GPIO relay configured but this machine has no GPIO (/dev/gpiochip*)")
    return ("ok", "drawer", f"GPIO relay on pin {section.get('gpio_pin')}")
