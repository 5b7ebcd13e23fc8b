"""`ofn-checkout report`: X and Z reports and the period closures, as text or JSON."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from appliance.cli.options import (
    NUMBER,
    TEXT,
    amount_type,
    echo_json,
    formatter,
    open_till,
    store_options,
)
from appliance.cli.report_hub import report_channels, report_hub
from appliance.config import Config
from appliance.core.money import from_cents
from appliance.reports.text import closure_text, shift_report_text
from appliance.store import closures
from appliance.store.shifts import ShiftError, get_shift, last_closed_shift, stored_z_report, z_entry
from appliance.till import Till


@click.group("report")
def report_group() -> None:
    """X and Z reports, the daily, monthly and yearly closures, channels compared, the hub's exports."""


@report_group.command("x")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
def report_x(config_path: Path | None, db_path: Path | None, as_json: bool) -> int:
    """Running totals of the open shift."""
    config, till = open_till(config_path, db_path, write=False)
    try:
        record = till.x_report().as_record()
    finally:
        till.close()
    _show(record, config, till, as_json)
    return 0


def _show(
    record: dict[str, Any], config: Config, till: Till, as_json: bool, sealed: tuple[int, str] | None = None
) -> None:
    """A shift report as JSON or text; a training store's says so in both; a Z carries its seal."""
    if as_json:
        extra: dict[str, Any] = {"training": True} if till.training else {}
        if sealed is not None:
            extra.update(journal_entry=sealed[0], chain_hash=sealed[1])
        echo_json({**record, **extra})
    else:
        text = shift_report_text(record, formatter(config), config.lane_name, training=till.training, sealed=sealed)
        click.echo(text)


@report_group.command("z")
@store_options
@click.option("--counted", type=amount_type, help="Cash counted in the drawer: closes the open shift")
@click.option("--cashier", type=TEXT, default="manager", show_default=True, help="Who closes the shift")
@click.option("--shift", "shift_id", type=NUMBER, help="Reprint the Z report of this shift")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
def report_z(
    config_path: Path | None,
    db_path: Path | None,
    counted: Decimal | None,
    cashier: str,
    shift_id: int | None,
    as_json: bool,
) -> int:
    """Close the open shift (with --counted), or reprint the last or a given Z report."""
    if shift_id is not None and counted is not None:
        raise click.UsageError("--shift reprints a closed shift's Z report; --counted closes the open shift: not both")
    config, till = open_till(config_path, db_path, write=counted is not None)
    try:
        record = _z_record(till, counted, cashier, shift_id)
        sealed = z_entry(till.connection, record["shift_id"])
    finally:
        till.close()
    _show(record, config, till, as_json, sealed)
    return 0


def _z_record(till: Till, counted: Decimal | None, cashier: str, shift_id: int | None) -> dict[str, Any]:
    if shift_id is not None:
        shift = get_shift(till.connection, shift_id)
        record = stored_z_report(till.connection, shift_id) if shift else None
        if record is None:
            raise ShiftError(f"Shift {shift_id} has no Z report (it does not exist or is still open)")
        return record
    if till.current_shift() is not None:
        if counted is None:
            raise ShiftError("A shift is open: count the drawer and give --counted AMOUNT to close it")
        return till.close_shift(counted, cashier).as_record()
    last = last_closed_shift(till.connection, till.lane.id)
    if last is None:
        raise ShiftError("No shift has been closed yet")
    record = stored_z_report(till.connection, last.id)
    assert record is not None
    return record


@report_group.command("closures")
@store_options
@click.option("--kind", type=click.Choice(["day", "month", "year"]), help="Only this kind")
@click.option("--json", "as_json", is_flag=True)
def report_closures(config_path: Path | None, db_path: Path | None, kind: str | None, as_json: bool) -> int:
    """List the period closures with their grand totals."""
    config, till = open_till(config_path, db_path, write=False)
    try:
        records = closures.closures(till.connection, kind)
    finally:
        till.close()
    if as_json:
        echo_json([{**r, "training": True} for r in records] if till.training else records)
    else:
        fmt = formatter(config)
        texts = [closure_text(r, fmt, config.lane_name, training=till.training) for r in records]
        click.echo("\n\n".join(texts) or "No closures yet.")
    return 0


@report_group.command("close-periods")
@store_options
def report_close_periods(config_path: Path | None, db_path: Path | None) -> int:
    """Close every finished day, month and year now (a nightly timer runs this)."""
    config, till = open_till(config_path, db_path)
    try:
        made = till.close_periods()
    finally:
        till.close()
    for record in made:
        click.echo(f"closed {record['kind']} {record['period']}: {from_cents(record['perpetual_total'])} perpetual")
    if not made:
        click.echo("nothing to close")
    return 0


report_group.add_command(report_channels)
report_group.add_command(report_hub)
