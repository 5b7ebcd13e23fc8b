"""`ofn-checkout shift`: open a shift and move cash in or out of the drawer."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import click

from appliance.cli.options import (
    REASON,
    TEXT,
    amount_type,
    open_till,
    store_options,
)


@click.group("shift")
def shift_group() -> None:
    """Open a shift and move cash in or out of the drawer."""


@shift_group.command("open")
@store_options
@click.option("--float", "opening_float", type=amount_type, required=True, help="Cash in the drawer at the start")
@click.option("--cashier", type=TEXT, required=True)
def shift_open(config_path: Path | None, db_path: Path | None, opening_float: Decimal, cashier: str) -> int:
    """Open a shift on this lane."""
    config, till = open_till(config_path, db_path)
    try:
        shift = till.open_shift(cashier, opening_float)
    finally:
        till.close()
    click.echo(f"shift {shift.id} open, float {opening_float}")
    return 0


def _cash_command(kind: str) -> Callable[..., int]:
    @store_options
    @click.option("--amount", type=amount_type, required=True)
    @click.option("--reason", type=REASON, required=True)
    @click.option("--cashier", type=TEXT, required=True)
    def command(config_path: Path | None, db_path: Path | None, amount: Decimal, reason: str, cashier: str) -> int:
        config, till = open_till(config_path, db_path)
        try:
            till.move_cash(kind, amount, reason, cashier)
        finally:
            till.close()
        click.echo(f"cash {kind}: {amount} ({reason})")
        return 0

    command.__doc__ = f"Record cash taken {'into' if kind == 'in' else 'out of'} the drawer."
    return command


shift_group.command("cash-in")(_cash_command("in"))
shift_group.command("cash-out")(_cash_command("out"))
