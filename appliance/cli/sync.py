"""``ofn-checkout sync``: the daemon, and what a manager or support person does with it.

Loaded only when named (an entry point), so the till's other commands never import httpx.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

import click

from appliance.cli.notify import Notifier
from appliance.cli.options import EXIT_PROBLEMS, echo_json, open_till, store_options
from appliance.config import Config
from appliance.core.clock import SystemClock, parse_utc
from appliance.core.money import from_cents
from appliance.core.text import agreeing, counted
from appliance.ofn.audit import Audit, audit
from appliance.ofn.client import OfnClient
from appliance.ofn.daemon import Daemon, cycle_in_force
from appliance.reports.attention import task_for
from appliance.store.credit_postings import in_doubt_count
from appliance.store.database import named, write_transaction
from appliance.store.keys import load_api_key
from appliance.store.sync_attention import parked_items, parked_record
from appliance.store.sync_lock import POLL_S, sync_pass
from appliance.store.sync_state import read_status, recent_events, record_audit, retry_parked

WAIT_OPTION = click.option(
    "--wait",
    type=click.FloatRange(0, 3600),
    default=60.0,
    show_default=True,
    help="Seconds to wait for a sync pass already running (the daemon's) to end",
)


@click.group("sync", invoke_without_command=True)
@store_options
@click.option("--once", is_flag=True, help="One pass (catalogue if due, outbox, pickup orders), then exit")
@WAIT_OPTION
@click.pass_context
def sync(ctx: click.Context, config_path: Path | None, db_path: Path | None, once: bool, wait: float) -> int:
    """Post sales to OFN and keep the catalogue, stock and pickup orders fresh."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = (config_path, db_path)
        return 0
    config, till = open_till(config_path, db_path, sells=False)  # a broken channel file must not stop posting
    notifier = Notifier.from_environment() if not once else Notifier(None)
    with OfnClient(config.ofn_base_url, load_api_key(config.api_key_file)) as client:
        daemon = Daemon(config, till.db, client, SystemClock(), heartbeat=notifier.heartbeat)
        if once:
            result, _ = daemon.run_once(lock_wait_s=wait)
            status = read_status(till.connection, SystemClock().now())
            waited = daemon.waited_for_lock
            waited_text = f" (waited {waited:.1f} s for another sync pass)" if waited >= POLL_S else ""
            click.echo(
                f"{status.state}: folded {result.folded}, sent {result.sent}, done {result.done},"
                f" parked {result.parked}, rebased {result.rebased}; pending {status.pending},"
                f" attention {status.attention}{waited_text}"
            )
            click.echo(status.summary(local_time(config)))
            return 0 if status.state == "online" else EXIT_PROBLEMS
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        def on_hangup(signum: int, frame: FrameType | None) -> None:
            daemon.reload.set()  # read the key file again before the next pass, and start it now

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGHUP, on_hangup)
        notifier.ready(f"syncing lane {config.lane_id} with {config.ofn_base_url}")
        daemon.run_forever(stop)
        notifier.stopping()
    return 0


def local_time(config: Config) -> Callable[[str], str]:
    """UTC text from the store as the hub's local time of day (and date, when not today)."""
    zone = ZoneInfo(config.timezone)

    def shown(text: str) -> str:
        moment = parse_utc(text).astimezone(zone)
        today = datetime.now(zone).date()
        return f"{moment:%H:%M}" if moment.date() == today else f"{moment:%Y-%m-%d %H:%M}"

    return shown


@sync.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def status(obj: tuple[Path | None, Path | None], as_json: bool) -> int:
    """Online or not, what waits, and what needs a person."""
    config, till = open_till(*obj, sells=False)
    current = read_status(till.connection, SystemClock().now())
    events = recent_events(till.connection)
    customers = named(till.connection).execute("SELECT customers_at, customers_problem FROM sync_status").fetchone()
    if as_json:
        record = current.as_record()
        record["parked"] = [parked_record(item) for item in parked_items(till.connection)]
        record["events"] = events
        record["customers"] = dict(customers)
        echo_json(record)
        return 0
    age = f", oldest {current.oldest_pending_s} s" if current.oldest_pending_s is not None else ""
    shown = local_time(config)
    click.echo(current.summary(shown))
    success = shown(current.last_success_at) if current.last_success_at else "never"
    click.echo(
        f"state {current.state}; last success: {success}; pending {current.pending}{age};"
        f" needs attention {current.attention}"
    )
    for item in parked_items(till.connection):
        task = task_for(item)
        where = task.where if item.credit else _where({"order_number": item.order, "variant_id": item.variant_id})
        click.echo(f"  attention: {where}: {item.reason}")
        then = " Then `ofn-checkout sync retry`." if task.retry_helps else ""
        click.echo(f"    what to do: {task.todo}{then}")
        if task.answer_needed and task.credit is not None:
            posting = task.credit.posting
            click.echo(
                f"    found: `ofn-checkout sync credit-done {posting}`;"
                f" not there: `ofn-checkout sync credit-resend {posting}`"
            )
    if customers["customers_problem"]:
        click.echo(f"  the hub's customers (for invoices) could not be read: {customers['customers_problem']}")
    elif customers["customers_at"]:
        click.echo(f"  the hub's customers (for invoices) read at {shown(customers['customers_at'])}")
    for row in events:
        click.echo(f"  {row['at']} {row['kind']}: {_where(row)}: {row['detail']}")
    return 0


def _where(row: Mapping[str, Any]) -> str:
    """An order, and the variant when the matter is one line of it (a hand-over is the whole order)."""
    variant = row["variant_id"]
    return row["order_number"] if variant is None else f"{row['order_number']} variant {variant}"


@sync.command("retry")
@WAIT_OPTION
@click.pass_obj
def retry(obj: tuple[Path | None, Path | None], wait: float) -> int:
    """After fixing OFN (stock, variant, order): send what was parked again on the next pass."""
    _, till = open_till(*obj, sells=False)
    with sync_pass(till.db, wait_s=wait):  # never under a running pass's feet
        cleared = retry_parked(till.db)
    click.echo(f"{counted(cleared, 'parked change')} back in the queue")
    waiting = in_doubt_count(till.connection)
    if waiting:
        click.echo(
            f"{counted(waiting, 'posting')} to customers' credit may be in OFN already and"
            f" {agreeing(waiting, 'stays', 'stay')} parked: see"
            " `ofn-checkout sync status`, then `sync credit-done N` or `sync credit-resend N` for each"
        )
    return 0


@sync.command("credit-done")
@click.argument("posting", type=click.IntRange(1))
@WAIT_OPTION
@click.pass_obj
def credit_done(obj: tuple[Path | None, Path | None], posting: int, wait: float) -> int:
    """A parked posting to a customer's credit was found in OFN: mark it done, never send it again."""
    _answer_credit(obj, posting, wait, found=True)
    click.echo(f"credit posting {posting} marked done: it is in OFN, nothing more is sent for it")
    return 0


@sync.command("credit-resend")
@click.argument("posting", type=click.IntRange(1))
@WAIT_OPTION
@click.pass_obj
def credit_resend(obj: tuple[Path | None, Path | None], posting: int, wait: float) -> int:
    """A parked posting to a customer's credit is not in OFN: send it again on the next pass."""
    _answer_credit(obj, posting, wait, found=False)
    click.echo(f"credit posting {posting} back in the queue: the next pass reads the balance and sends it")
    return 0


def _answer_credit(obj: tuple[Path | None, Path | None], posting: int, wait: float, *, found: bool) -> None:
    _, till = open_till(*obj, sells=False)
    till.answer_credit(posting, found=found, wait_s=wait)


@sync.command("refresh")
@click.pass_obj
def refresh(obj: tuple[Path | None, Path | None]) -> int:
    """Ask the running daemon to refresh the catalogue on its next pass."""
    _, till = open_till(*obj, sells=False)
    with write_transaction(till.db) as conn:
        conn.execute("UPDATE sync_status SET refresh_requested = 1")
    click.echo("catalogue refresh requested")
    return 0


@sync.command("audit")
@click.option("--json", "as_json", is_flag=True)
@WAIT_OPTION
@click.pass_obj
def audit_command(obj: tuple[Path | None, Path | None], as_json: bool, wait: float) -> int:
    """Compare every order the box changed in OFN with the journal; exit 1 on an unexplained difference."""
    config, till = open_till(*obj, sells=False)
    with OfnClient(config.ofn_base_url, load_api_key(config.api_key_file)) as client:
        with sync_pass(till.db, wait_s=wait):  # a pass half-way would show its own changes as differences
            found = audit(till.connection, client, cycle_in_force(till.connection, config).counter_order)
            record_audit(till.db, SystemClock(), found.unexplained)
    if as_json:
        echo_json(found.as_record())
    else:
        for line in audit_text(found):
            click.echo(line)
    return EXIT_PROBLEMS if found.unexplained else 0


def audit_text(found: Audit) -> list[str]:
    """Each order in a line, each difference under it with its cause, the money to the cent."""
    out = []
    for order in found.orders:
        differences = [line for line in order.lines if line.cause != "ok" or line.detail]
        same = len(order.lines) - len(differences)
        out.append(
            f"order {order.number} ({order.kind}): {same} of {counted(len(order.lines), 'line')} as the journal says"
        )
        for line in differences:
            out.append(
                f"  variant {line.variant_id}: OFN holds {line.held}, the journal says {line.expected}"
                f" — {line.cause}{': ' + line.detail if line.detail else ''}"
            )
        if order.money is not None:
            m = order.money
            out.append(
                f"  money: OFN's total {from_cents(m.ofn_total)} = the box took {from_cents(m.box_took)}"
                f" + discounts and price changes {from_cents(m.discounts_and_price_changes)}"
                f" + weighed rounding {from_cents(m.weighed_rounding)} + people's edits {from_cents(m.people_edits)}"
                f" + not yet in OFN {from_cents(m.not_yet_in_ofn)} + before the box {from_cents(m.before_the_box)}"
                f" + fees and adjustments {from_cents(m.fees_and_adjustments)}"
                + (f" + UNEXPLAINED {from_cents(m.unexplained)}" if m.unexplained else "")
            )
    stock = found.stock
    differ = [move for move in stock if move.box != move.ofn]
    if stock:
        out.append(
            f"stock: for {len(stock) - len(differ)} of {counted(len(stock), 'variant')}, OFN's orders moved its stock"
            " by what the box's journal sold"
        )
    out.extend(
        f"  variant {move.variant_id}: the box sold {move.box}, OFN's orders moved {move.ofn} (see its lines above)"
        for move in differ
    )
    if not found.orders and not found.problems:
        out.append("nothing to audit yet: the box has not changed any order in OFN")
    out.extend(f"problem: {problem}" for problem in found.problems)
    out.append(f"audit: {counted(found.unexplained, 'unexplained difference')}")
    return out
