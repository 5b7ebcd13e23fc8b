"""`ofn-checkout store`: set up a lane's database, migrate it, back it up and put a backup back.

``store init`` is the one command that creates a store. ``store backup`` is what the nightly
``ofn-checkout-backup`` service runs; ``store snapshot``, ``store migrate`` and ``store restore``
are the steps of an upgrade (provisioning/, docs/provisioning.md), usable by hand as well.
"""

from __future__ import annotations

from pathlib import Path

import click

from appliance.cli.options import (
    EXIT_PROBLEMS,
    load_config,
    store_options,
)
from appliance.core.clock import SystemClock
from appliance.core.text import counted
from appliance.store import backup as backups
from appliance.store.opening import open_lane_store
from appliance.store.schema_audit import applied_migrations
from appliance.till import Till


@click.group("store")
def store_group() -> None:
    """Create, migrate, back up and restore the till's database."""


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


@store_group.command("migrate")
@store_options
def store_migrate(config_path: Path | None, db_path: Path | None) -> int:
    """Bring the store's schema up to this version (every writing command does it too; an upgrade does it first)."""
    config = load_config(config_path)
    path = db_path or config.store_path
    before = _applied(path, config.key_file_for(path), config.lane_id, write=False)
    after = _applied(path, config.key_file_for(path), config.lane_id, write=True)
    new = after[len(before) :]
    click.echo(f"{path}: {len(after)} migrations applied" + (f" (new: {', '.join(new)})" if new else ", none new"))
    return 0


def _applied(path: Path, key_path: Path, lane_id: int, *, write: bool) -> tuple[str, ...]:
    store = open_lane_store(path, key_path, lane_id, write=write)
    try:
        return applied_migrations(store.db.conn)
    finally:
        store.db.close()


@store_group.command("backup")
@store_options
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where snapshots are kept [default: backup.dir of the config]",
)
@click.option("--keep", type=click.IntRange(1, 365), help="Verified snapshots to keep [default: backup.keep]")
def store_backup(config_path: Path | None, db_path: Path | None, directory: Path | None, keep: int | None) -> int:
    """Snapshot the store (VACUUM INTO, with its key and witness), verify it, then drop the oldest beyond --keep.

    Safe while the till sells. Exit 1, dropping nothing, if the new snapshot does not verify.
    """
    config = load_config(config_path)
    path = db_path or config.store_path
    rotation = backups.backup(
        path,
        config.key_file_for(path),
        config.lane_id,
        directory or config.backup_dir,
        SystemClock().now(),
        keep or config.backup["keep"],
    )
    if not _report(rotation.snapshot):
        click.echo("nothing dropped: the older snapshots are kept until a new one verifies")
        return EXIT_PROBLEMS
    for old in rotation.dropped:
        click.echo(f"dropped {old}")
    click.echo(f"{counted(len(rotation.kept), 'verified snapshot')} kept in {rotation.snapshot.path.parent}")
    return 0


@store_group.command("snapshot")
@store_options
@click.argument("target", type=click.Path(path_type=Path))
def store_snapshot(config_path: Path | None, db_path: Path | None, target: Path) -> int:
    """One verified snapshot in the new directory TARGET (an upgrade takes one before it migrates)."""
    config = load_config(config_path)
    path = db_path or config.store_path
    snapshot = backups.take(path, config.key_file_for(path), config.lane_id, target)
    return 0 if _report(snapshot) else EXIT_PROBLEMS


@store_group.command("restore")
@store_options
@click.argument("snapshot", type=click.Path(exists=True, file_okay=False, path_type=Path))
def store_restore(config_path: Path | None, db_path: Path | None, snapshot: Path) -> int:
    """Put the store of SNAPSHOT back (services stopped); refused if the store holds sales the snapshot does not."""
    config = load_config(config_path)
    path = db_path or config.store_path
    restored = backups.restore(snapshot, path, config.key_file_for(path), config.lane_id, SystemClock().now())
    click.echo(f"restored {path} from {snapshot} ({restored.entries} journal entries, verified)")
    if restored.moved_aside is not None:
        click.echo(f"the files it replaced are in {restored.moved_aside}")
    return 0


def _report(snapshot: backups.Snapshot) -> bool:
    verdict = snapshot.verdict
    for warning in verdict.warnings:
        click.echo(f"warning: {warning}")
    if verdict.ok:
        click.echo(f"snapshot {snapshot.path}: journal OK, {verdict.counted} verified")
        return True
    click.echo(f"snapshot {snapshot.path} does NOT verify:")
    for finding in verdict.findings:
        click.echo(f"  {finding}")
    return False
