"""``ofn-checkout sync``: the daemon, and what a manager or support person does with it.

Loaded only when named (an entry point), so the till's other commands never import httpx.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import click

from appliance.cli.options import EXIT_PROBLEMS, echo_json, open_till, store_options
from appliance.core.clock import SystemClock
from appliance.ofn.client import OfnClient
from appliance.ofn.daemon import Daemon
from appliance.store.database import write_transaction
from appliance.store.keys import load_api_key
from appliance.store.sync_state import OPEN_ROWS, named, read_status, retry_parked


@click.group("sync", invoke_without_command=True)
@store_options
@click.option("--once", is_flag=True, help="One pass (catalogue if due, outbox, pickup orders), then exit")
@click.pass_context
def sync(ctx: click.Context, config_path: Path | None, db_path: Path | None, once: bool) -> int:
    """Post sales to OFN and keep the catalogue, stock and pickup orders fresh."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = (config_path, db_path)
        return 0
    config, till = open_till(config_path, db_path)
    with OfnClient(config.ofn_base_url, load_api_key(config.api_key_file)) as client:
        daemon = Daemon(config, till.db, client, SystemClock())
        if once:
            result, _ = daemon.run_once()
            status = read_status(till.connection, SystemClock().now())
            click.echo(
                f"{status.state}: folded {result.folded}, sent {result.sent}, done {result.done},"
                f" parked {result.parked}, rebased {result.rebased}; pending {status.pending},"
                f" attention {status.attention}" + (f" — {status.message}" if status.message else "")
            )
            return 0 if status.state == "online" else EXIT_PROBLEMS
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        daemon.run_forever(stop)
    return 0


@sync.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def status(obj: tuple[Path | None, Path | None], as_json: bool) -> int:
    """Online or not, what waits, and what needs a person."""
    _, till = open_till(*obj)
    current = read_status(till.connection, SystemClock().now())
    parked = (
        named(till.connection)
        .execute(
            "SELECT order_number, variant_id, attention FROM sync_line WHERE attention IS NOT NULL ORDER BY variant_id"
        )
        .fetchall()
    )
    handovers = (
        named(till.connection)
        .execute(
            "SELECT json_extract(payload, '$.order') AS order_number, NULL AS variant_id, last_error AS attention"
            f" FROM outbox WHERE {OPEN_ROWS} AND status = 'attention' AND kind = 'pickup' ORDER BY id"
        )
        .fetchall()
    )
    parked = [*parked, *handovers]
    events = (
        named(till.connection)
        .execute("SELECT at, order_number, variant_id, kind, detail FROM sync_event ORDER BY id DESC LIMIT 10")
        .fetchall()
    )
    if as_json:
        record = current.as_record()
        record["parked"] = [dict(row) for row in parked]
        record["events"] = [dict(row) for row in events]
        echo_json(record)
        return 0
    age = f", oldest {current.oldest_pending_s} s" if current.oldest_pending_s is not None else ""
    click.echo(f"{current.state}{': ' + current.message if current.message else ''}")
    click.echo(
        f"last success: {current.last_success_at or 'never'}; pending {current.pending}{age};"
        f" needs attention {current.attention}"
    )
    for row in parked:
        click.echo(f"  attention: {_where(row)}: {row['attention']}")
    for row in events:
        click.echo(f"  {row['at']} {row['kind']}: {_where(row)}: {row['detail']}")
    return 0


def _where(row: Mapping[str, Any]) -> str:
    """An order, and the variant when the matter is one line of it (a hand-over is the whole order)."""
    variant = row["variant_id"]
    return row["order_number"] if variant is None else f"{row['order_number']} variant {variant}"


@sync.command("retry")
@click.pass_obj
def retry(obj: tuple[Path | None, Path | None]) -> int:
    """After fixing OFN (stock, variant, order): send what was parked again on the next pass."""
    _, till = open_till(*obj)
    cleared = retry_parked(till.db)
    click.echo(f"{cleared} parked change(s) back in the queue")
    return 0


@sync.command("refresh")
@click.pass_obj
def refresh(obj: tuple[Path | None, Path | None]) -> int:
    """Ask the running daemon to refresh the catalogue on its next pass."""
    _, till = open_till(*obj)
    with write_transaction(till.db) as conn:
        conn.execute("UPDATE sync_status SET refresh_requested = 1")
    click.echo("catalogue refresh requested")
    return 0
