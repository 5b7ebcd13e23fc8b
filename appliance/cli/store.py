"""`ofn-checkout store`: set up a lane's database and its journal key, the one command that does."""

from __future__ import annotations

from pathlib import Path

import click

from appliance.cli.options import (
    load_config,
    store_options,
)
from appliance.till import Till


@click.group("store")
def store_group() -> None:
    """Create the till's database."""


@store_group.command("init")
@store_options
@click.option(
    "--training",
    is_flag=True,
    help="A training store: `simulate` may fill it, and every report and receipt says TRAINING",
)
def store_init(config_path: Path | None, db_path: Path | None, training: bool) -> int:
    """Create the database of this lane and its journal key (other commands never create one)."""
    config = load_config(config_path)
    path = db_path or config.store_path
    Till.create(config, path, training=training).close()
    key = config.key_file_for(path)
    kind = "training store" if training else "store"
    click.echo(f"created {path} ({kind}) for lane {config.lane_id}; journal key {key}: back it up with the database")
    return 0
