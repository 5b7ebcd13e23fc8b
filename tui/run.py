"""``ofn-checkout run``: the counter on this box's store and devices, as a click command.

The command's body and the app it starts are tui/start.py's. The console script reads these options
itself for the common forms, so that the kiosk starts without importing click (tui/command.py, a
test holds the two readings to the same values).
"""

from __future__ import annotations

from pathlib import Path

import click

from .start import start_counter


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="the config file")
@click.option("--cashier", default="", help="who rings up sales (until people and PINs are set up)")
@click.option("--kiosk", is_flag=True, help="the box's console: the keyboard cannot leave the till")
def run(config_path: Path | None, cashier: str, kiosk: bool) -> int:
    """The counter screen: sell, weigh, pay, hand over online orders, return."""
    return start_counter(config_path, cashier, kiosk)
