"""`ofn-checkout journal`: verify the fiscal journal's seal and export it for the accountant."""

from __future__ import annotations

import errno
import sys
from datetime import datetime
from pathlib import Path

import click

from appliance.cli.options import (
    DATE,
    EXIT_PROBLEMS,
    check_dates,
    load_config,
    open_till,
    store_options,
)
from appliance.reports import export
from appliance.store.audit import verify_path
from appliance.store.files import replacing
from appliance.till import Till


@click.group("journal")
def journal_group() -> None:
    """Verify and export the fiscal journal."""


@journal_group.command("verify")
@store_options
def journal_verify(config_path: Path | None, db_path: Path | None) -> int:
    """Check the journal's seal, the schema and the head witness; exit 1 naming what is wrong.

    The store is opened read-only: an archived copy on read-only media can be verified.
    """
    config = load_config(config_path)
    path = db_path or config.store_path
    verdict = verify_path(path, config.key_file_for(path), config.lane_id)
    for warning in verdict.warnings:
        click.echo(f"warning: {warning}")
    if verdict.ok:
        click.echo(f"journal OK: {verdict.counted} verified")
        return 0
    click.echo(f"journal NOT OK after checking {verdict.counted}:")
    for finding in verdict.findings:
        click.echo(f"  {finding}")
    return EXIT_PROBLEMS


@journal_group.command("export")
@store_options
@click.option("--from", "first", type=DATE, required=True, help="First local date")
@click.option("--to", "last", type=DATE, required=True, help="Last local date (included)")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default="-", help="Output file [default: stdout]"
)
def journal_export(
    config_path: Path | None, db_path: Path | None, first: datetime, last: datetime, fmt: str, out: Path
) -> int:
    """Accounting export: one row per sale line and per payment.

    A file is written whole or not at all (a temporary file renamed over it): a full disk leaves
    the previous export as it was, never a truncated one.
    """
    check_dates(first, last)
    config, till = open_till(config_path, db_path, write=False)
    try:
        if str(out) == "-":
            count = export.write_csv(till.connection, sys.stdout, first.date(), last.date(), till.zone)
        else:
            count = _export_to_file(till, out, first, last)
    finally:
        till.close()
    click.echo(f"{count} rows exported", err=True)
    return 0


def _export_to_file(till: Till, out: Path, first: datetime, last: datetime) -> int:
    try:
        with replacing(out) as handle:
            return export.write_csv(till.connection, handle, first.date(), last.date(), till.zone)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            hint = "the disk is full: nothing was written (a previous export there is unchanged); free some space"
        else:
            hint = exc.strerror or type(exc).__name__
        raise click.FileError(str(out), hint) from None
