"""``ofn-checkout pickup``: the customers' online orders, and handing one over from a shell.

The counter screen is where cashiers hand orders over; these commands do the same through the same
till code, for a manager or support person (and for scripts): list what waits, show one order,
hand it over with the changes and the payment. They read the pickup list the sync daemon keeps,
never the network, so they work with OFN out of reach.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from appliance.cli.options import TEXT, amount_type, echo_json, open_till, store_options
from appliance.core.handover import PickupOrder
from appliance.core.money import from_cents
from appliance.store.handovers import handed_over, pickup_order
from appliance.till import Till


@click.group("pickup")
def pickup() -> None:
    """Customers' online orders of the current cycle: list, show, hand over."""


@pickup.command("list")
@store_options
@click.option("--json", "as_json", is_flag=True)
def pickup_list(config_path: Path | None, db_path: Path | None, as_json: bool) -> int:
    """The cycle's orders by customer name, with what is still to pay."""
    _, till = open_till(config_path, db_path)
    try:
        rows = [_summary(till, order) for order in till.pickup_orders()]
    finally:
        till.close()
    if as_json:
        echo_json(rows)
        return 0
    if not rows:
        click.echo("No pickup orders: is `ofn-checkout sync` running, and ofn.order_cycle_id the current cycle?")
        return 0
    for row in rows:
        click.echo(
            f"{row['number']}  {row['customer'][:28]:<28} {row['items']:>3} items  {row['total']:>9}"
            f"  to pay {row['to_pay']:>9}  {row['status']}"
        )
    return 0


@pickup.command("show")
@store_options
@click.argument("number", type=TEXT)
@click.option("--json", "as_json", is_flag=True)
def pickup_show(config_path: Path | None, db_path: Path | None, number: str, as_json: bool) -> int:
    """One order's lines, as the last refresh read them."""
    _, till = open_till(config_path, db_path)
    try:
        order = pickup_order(till.connection, number)
        summary = _summary(till, order)
    finally:
        till.close()
    summary["lines"] = [
        {
            "variant_id": line.variant_id,
            "name": line.name,
            "quantity": line.quantity,
            "price": str(from_cents(line.price)),
        }
        for line in order.lines
    ]
    if as_json:
        echo_json(summary)
        return 0
    click.echo(f"{order.number}  {order.full_name} <{order.email}>  {summary['status']}")
    for line in order.lines:
        click.echo(
            f"  {line.quantity:>3} x {line.name[:40]:<40} {from_cents(line.price):>9}  (variant {line.variant_id})"
        )
    click.echo(f"  total {summary['total']}, paid {summary['paid']}, to pay {summary['to_pay']}")
    return 0


@pickup.command("hand-over")
@store_options
@click.argument("number", type=TEXT)
@click.option("--cashier", type=TEXT, required=True, help="Who hands the order over (recorded in the journal)")
@click.option("--add", "adds", multiple=True, metavar="VARIANT[:QTY]", help="Put more of a variant on the order")
@click.option("--remove", "removes", multiple=True, metavar="VARIANT[:QTY]", help="Take a variant off the order")
@click.option("--pay", "pays", multiple=True, metavar="METHOD:AMOUNT", help="A payment, e.g. cash:20 or card:7.40")
def pickup_hand_over(
    config_path: Path | None,
    db_path: Path | None,
    number: str,
    cashier: str,
    adds: tuple[str, ...],
    removes: tuple[str, ...],
    pays: tuple[str, ...],
) -> int:
    """Hand an order over: apply the changes, take the payment, record it; sync tells OFN."""
    _, till = open_till(config_path, db_path)
    try:
        handover = till.new_handover(number, cashier)
        for text in adds:
            variant_id, quantity = _variant_quantity(text)
            handover.add(till.item(variant_id), quantity)
        for text in removes:
            variant_id, quantity = _variant_quantity(text)
            handover.remove(variant_id, quantity)
        for text in pays:
            method, amount = _payment(text)
            handover.tender(till.payment(method), amount)
        done = till.complete_handover(handover)
    finally:
        till.close()
    click.echo(f"{done.order.number} handed over to {done.order.full_name}: paid {from_cents(done.due)}")
    for change in done.changes:
        click.echo(f"  {change.quantity:+d} x {change.name}")
    if done.change:
        click.echo(f"  change to give: {from_cents(done.change)}")
    if done.credit_owed:
        click.echo(f"  OFN owes the customer {from_cents(done.credit_owed)}: refund it through OFN")
    return 0


def _summary(till: Till, order: PickupOrder) -> dict[str, Any]:
    here = handed_over(till.connection, order.number)
    if here:
        status = f"handed over here {here[0][:16].replace('T', ' ')} UTC by {here[1]}"
    elif order.shipment_state == "shipped":
        status = "already picked up"
    else:
        status = "to hand over"
    return {
        "number": order.number,
        "customer": order.full_name or order.email,
        "items": sum(line.quantity for line in order.lines),
        "total": str(from_cents(order.total)),
        "paid": str(from_cents(order.paid)),
        "to_pay": str(from_cents(max(order.balance, 0))),
        "status": status,
    }


def _variant_quantity(text: str) -> tuple[int, int]:
    variant, _, quantity = text.partition(":")
    try:
        return int(variant), int(quantity or 1)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not VARIANT or VARIANT:QTY (whole numbers)") from None


def _payment(text: str) -> tuple[str, Decimal]:
    method, sep, amount = text.partition(":")
    if not sep:
        raise click.BadParameter(f"{text!r} is not METHOD:AMOUNT, e.g. cash:20")
    return method.strip(), amount_type(amount)
