"""`ofn-checkout receipt`: show a receipt, or reprint it as a numbered duplicate."""

from __future__ import annotations

from pathlib import Path

import click

from appliance.cli.options import (
    NUMBER,
    TEXT,
    formatter,
    open_till,
    store_options,
)
from appliance.core.sale import SaleError
from appliance.reports.receipt import layout


@click.group("receipt")
def receipt_group() -> None:
    """Show or reprint a receipt."""


@receipt_group.command("show")
@store_options
@click.argument("number", type=NUMBER)
@click.option("--columns", type=click.Choice(["32", "42", "48"]), default="42", show_default=True)
def receipt_show(config_path: Path | None, db_path: Path | None, number: int, columns: str) -> int:
    """Show a receipt on screen (not a reprint: nothing is recorded)."""
    config, till = open_till(config_path, db_path, write=False)
    try:
        stored = till.find_sale(number=number)
        if stored is None:
            raise SaleError(f"There is no sale number {number}")
        fmt = formatter(config)
        receipt = till.receipt(stored, config.receipt, fmt)
    finally:
        till.close()
    click.echo(
        "\n".join(["*** VIEW ONLY — NOT A RECEIPT ***".center(int(columns)), *layout(receipt, fmt, int(columns))])
    )
    return 0


@receipt_group.command("reprint")
@store_options
@click.argument("number", type=NUMBER)
@click.option("--cashier", type=TEXT, required=True, help="Who reprints (recorded in the journal)")
@click.option("--columns", type=click.Choice(["32", "42", "48"]), default="42", show_default=True)
def receipt_reprint(config_path: Path | None, db_path: Path | None, number: int, cashier: str, columns: str) -> int:
    """Make a numbered duplicate of a receipt; the reprint is recorded in the journal."""
    config, till = open_till(config_path, db_path)
    try:
        fmt = formatter(config)
        receipt = till.reprint(number, cashier, config.receipt, fmt)
    finally:
        till.close()
    click.echo("\n".join(layout(receipt, fmt, int(columns))))
    return 0
