"""`ofn-checkout store`: create a lane's database and its journal key."""

from __future__ import annotations

from pathlib import Path

import click

from appliance.cli.options import (
    load_config,
    store_options,
)
from appliance.store.database import StoreError
from appliance.till import Till


@click.group("store")
def store_group() -> None:
    """Create the till's database."""


@store_group.command("init")
@store_options
def store_init(config_path: Path | None, db_path: Path | None) -> int:
    """Create the database of this lane and its journal key (other commands never create one)."""
    config = load_config(config_path)
    path = db_path or config.store_path
    if path.exists():
        raise StoreError(f"{path} already exists: nothing was changed")
    Till.open(config, path).close()
    key = config.key_file_for(path)
    click.echo(f"created {path} for lane {config.lane_id}; journal key {key}: back it up with the database")
    return 0
