"""``ofn-checkout cycle``: find the hub's open order cycle, and switch the box to it without SSH edits.

OFN offers no API key a list of order cycles, so ``cycle list`` finds them where they show: the
cycles of the hub's newest orders, each confirmed open or closed through its shopfront (one small
read each). ``cycle use`` records the manager's choice in the store (store/cycle_choice.py); the
daemon follows it from its next pass and reads the new cycle's catalogue and pickup orders.
Loaded only when named (an entry point), so the till's other commands never import httpx.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from appliance.cli.options import EXIT_PROBLEMS, NUMBER, TEXT, echo_json, open_till, store_options
from appliance.core.clock import SystemClock
from appliance.core.text import counted
from appliance.ofn.client import NotFound, OfnClient, OrderCycleClosed
from appliance.ofn.daemon import cycle_in_force
from appliance.store.cycle_choice import Cycle, choose_cycle
from appliance.store.database import write_transaction
from appliance.store.keys import load_api_key
from appliance.store.sync_lock import sync_pass

SHOWN = 8  # cycles checked against their shopfront, newest first


@dataclass(frozen=True)
class Seen:
    order_cycle_id: int
    orders: int
    newest: str
    open: bool
    current: bool

    def as_record(self) -> dict[str, object]:
        return dict(self.__dict__)


@click.group("cycle")
def cycle() -> None:
    """Find the hub's open order cycle and switch the box to it."""


@cycle.command("list")
@store_options
@click.option("--json", "as_json", is_flag=True)
def list_cycles(config_path: Path | None, db_path: Path | None, as_json: bool) -> int:
    """The cycles of the hub's newest orders, open or closed, and the one the box follows."""
    config, till = open_till(config_path, db_path)
    try:
        now = cycle_in_force(till.connection, config)
    finally:
        till.close()
    with OfnClient(config.ofn_base_url, load_api_key(config.api_key_file)) as client:
        found = find_cycles(client, config.hub_id, now.order_cycle_id)
    if as_json:
        echo_json({"current": now.__dict__, "cycles": [seen.as_record() for seen in found]})
        return 0
    chosen = f", chosen by {now.chosen_by} at {now.chosen_at}" if now.chosen_by else " (from the config)"
    click.echo(f"the box follows cycle {now.order_cycle_id}, counter order {now.counter_order or '(none)'}{chosen}")
    for seen in found:
        state = "open" if seen.open else "closed"
        mark = "  <- the box's" if seen.current else ""
        click.echo(
            f"  cycle {seen.order_cycle_id}: {state}, {counted(seen.orders, 'order')}, newest {seen.newest[:10]}{mark}"
        )
    if not found:
        click.echo("  no orders at this hub yet: give the cycle id from OFN's admin (Order cycles)")
    return 0


def find_cycles(client: OfnClient, hub_id: int, current: int) -> list[Seen]:
    orders: dict[int, int] = {current: 0}
    newest: dict[int, str] = {current: ""}
    for cycle_id, completed_at in client.recent_cycles(hub_id):
        orders[cycle_id] = orders.get(cycle_id, 0) + 1
        newest[cycle_id] = max(newest.get(cycle_id, ""), completed_at)
    newest_first = sorted(orders, key=lambda cid: (newest[cid], cid), reverse=True)[:SHOWN]
    return [Seen(cid, orders[cid], newest[cid], _is_open(client, cid, hub_id), cid == current) for cid in newest_first]


def _is_open(client: OfnClient, order_cycle_id: int, hub_id: int) -> bool:
    try:
        client.check_cycle(order_cycle_id, hub_id)
    except OrderCycleClosed:
        return False
    return True


@cycle.command("use")
@store_options
@click.argument("order_cycle_id", type=NUMBER)
@click.option("--counter-order", help="This lane's counter order in that cycle [default: keep the current one]")
@click.option("--other-counter-orders", default=None, help="The other tills' counter orders, comma-separated")
@click.option("--by", "by", type=TEXT, required=True, help="Who switches (recorded)")
def use_cycle(
    config_path: Path | None,
    db_path: Path | None,
    order_cycle_id: int,
    counter_order: str | None,
    other_counter_orders: str | None,
    by: str,
) -> int:
    """Switch the box to an open cycle (and a new counter order); the daemon follows from its next pass."""
    config, till = open_till(config_path, db_path)
    try:
        before = cycle_in_force(till.connection, config)
        number = (counter_order or before.counter_order).strip()
        others = (
            tuple(part.strip() for part in other_counter_orders.split(",") if part.strip())
            if other_counter_orders is not None
            else before.other_counter_orders
        )
        with OfnClient(config.ofn_base_url, load_api_key(config.api_key_file)) as client:
            try:
                client.check_cycle(order_cycle_id, config.hub_id)
            except OrderCycleClosed as closed:
                click.echo(f"Error: {closed}; nothing was changed", err=True)
                return EXIT_PROBLEMS
            if not number:
                click.echo("Error: give --counter-order: the box has none yet; nothing was changed", err=True)
                return EXIT_PROBLEMS
            try:
                order = client.order(number)
            except NotFound:
                click.echo(f"Error: OFN has no order {number}: check --counter-order; nothing was changed", err=True)
                return EXIT_PROBLEMS
        if order.state != "complete":
            click.echo(f"Error: order {number} is {order.state} in OFN, not complete; nothing was changed", err=True)
            return EXIT_PROBLEMS
        with sync_pass(till.db, wait_s=60):  # never half-way through a daemon's pass
            choose_cycle(till.db, Cycle(order_cycle_id, number, others), SystemClock().now(), by)
            with write_transaction(till.db) as conn:  # the new cycle's catalogue and pickups, on the next pass
                conn.execute("UPDATE sync_status SET refresh_requested = 1, pickup_at = NULL")
    finally:
        till.close()
    click.echo(f"the box now follows cycle {order_cycle_id}; counter order {number}")
    if order.order_cycle_id not in (None, order_cycle_id):
        click.echo(
            f"note: {number} belongs to cycle {order.order_cycle_id} (a long-running onsite cycle?):"
            " onsite sales go there, the catalogue and pickup orders follow cycle"
            f" {order_cycle_id} (docs/ofn-setup.md)"
        )
    return 0
