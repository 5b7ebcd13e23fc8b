"""`ofn-checkout journal`: verify the fiscal journal's seal and export it for the accountant."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from appliance.cli.options import (
    DATE,
    EXIT_PROBLEMS,
    check_dates,
    database_problem,
    load_config,
    open_till,
    store_options,
)
from appliance.reports import export
from appliance.store.audit import verify_store
from appliance.store.database import StoreError, open_store, store_lane
from appliance.store.keys import load_key


@click.group("journal")
def journal_group() -> None:
    """Verify and export the fiscal journal."""


@journal_group.command("verify")
@store_options
def journal_verify(config_path: Path | None, db_path: Path | None) -> int:
    """Check the journal's seal; exit 1 naming the first bad entry."""
    config = load_config(config_path)
    path = db_path or config.store_path
    try:
        db = open_store(path, create=False)
    except StoreError as exc:
        if not path.exists():
            raise
        click.echo(f"journal NOT OK: {exc}")
        return EXIT_PROBLEMS
    try:
        lane_id = store_lane(db.conn) or config.lane_id
        verdict = verify_store(db.conn, load_key(config.key_file_for(path)), lane_id)
    except sqlite3.DatabaseError as exc:
        click.echo(f"journal NOT OK: {database_problem(exc)}")
        return EXIT_PROBLEMS
    finally:
        db.close()
    if verdict.ok:
        click.echo(f"journal OK: {verdict.entries} entries verified")
        return 0
    click.echo(f"journal NOT OK after checking {verdict.entries} entries:")
    for finding in verdict.findings:
        click.echo(f"  {finding}")
    return EXIT_PROBLEMS


@journal_group.command("export")
@store_options
@click.option("--from", "first", type=DATE, required=True, help="First local date")
@click.option("--to", "last", type=DATE, required=True, help="Last local date (included)")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-", help="Output file [default: stdout]")
def journal_export(
    config_path: Path | None, db_path: Path | None, first: datetime, last: datetime, fmt: str, out: Any
) -> int:
    """Accounting export: one row per sale line and per payment."""
    check_dates(first, last)
    config, till = open_till(config_path, db_path)
    try:
        count = export.write_csv(till.connection, out, first.date(), last.date(), till.zone)
    finally:
        till.close()
    click.echo(f"{count} rows exported", err=True)
    return 0
