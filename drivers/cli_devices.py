"""``ofn-checkout devices``: what is plugged in, and which driver takes it.

Support staff run it over SSH first when a device "does not work": it lists input devices,
serial ports, printers and GPIO without sending anything to any of them (discovery.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli_config import config_option, device_sections, setting
from .discovery import FoundDevice, discover

TITLES = {
    "inputs": "Input devices (/dev/input/by-id)",
    "serial": "Serial ports (/dev/serial/by-id, ttyUSB, ttyACM)",
    "printers": "Printers (/dev/usb/lp*, USB class 7)",
    "gpio": "GPIO",
}


@click.command("devices")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text")
@click.option(
    "--scanner-name", "scanner_names", multiple=True, help="Part of a name that marks a keyboard as a scanner"
)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("/"), hidden=True)
@config_option
@click.pass_context
def devices(
    ctx: click.Context, as_json: bool, scanner_names: tuple[str, ...], root: Path, config_path: Path | None
) -> int:
    """List connected devices and the driver that claims each.

    The scanner names default to the config's devices.scanner.names; --scanner-name replaces them.
    """
    section = device_sections(config_path).get("scanner", {})
    scanner_names = tuple(setting(ctx, "scanner_names", scanner_names, section, "names"))
    inventory = discover(root, scanner_names=scanner_names)
    if as_json:
        click.echo(json.dumps(inventory.to_dict(), indent=2, ensure_ascii=False))
        return 0
    for key, found in inventory.sections().items():
        click.echo(TITLES[key])
        if not found:
            click.echo("  none found")
        for device in found:
            click.echo(_describe(device))
    for note in inventory.notes:
        click.echo(f"note: {note}")
    if inventory.empty:
        click.echo("Nothing found: no scanner, scale, printer or GPIO is connected to this machine.")
    return 0


def _describe(device: FoundDevice) -> str:
    where = device.path if not device.target or device.target == device.path else f"{device.path} -> {device.target}"
    driver = f"claimed by: {device.claimed_by}" if device.claimed_by else "not claimed"
    details = "; ".join(filter(None, (driver, device.note)))
    return f"  {where}\n    {device.role}: {device.name} ({details})"
