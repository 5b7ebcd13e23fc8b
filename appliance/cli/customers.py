"""`ofn-checkout customers`: the customers an invoice can be made out to, as the counter sees them.

The hub's OFN customers, copied by the sync daemon (`sync.customers_minutes`), and the customers
typed at the counter, kept on the box only (docs/invoices.md).
"""

from __future__ import annotations

from pathlib import Path

import click

from appliance.cli.options import echo_json, open_till, store_options
from appliance.core.customer import Customer
from appliance.core.text import counted
from appliance.store import customers as customer_list


@click.group("customers")
def customers_group() -> None:
    """The customers invoices are made out to."""


@customers_group.command("list")
@store_options
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def customers_list(config_path: Path | None, db_path: Path | None, limit: int, as_json: bool) -> int:
    """Customers used most recently here first, then the others by name."""
    return _show(config_path, db_path, "", limit, as_json)


@customers_group.command("search")
@store_options
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def customers_search(config_path: Path | None, db_path: Path | None, text: str, limit: int, as_json: bool) -> int:
    """Customers whose name, e-mail or OFN code hold every word of TEXT (case and accents aside)."""
    return _show(config_path, db_path, text, limit, as_json)


def _show(config_path: Path | None, db_path: Path | None, text: str, limit: int, as_json: bool) -> int:
    _, till = open_till(config_path, db_path, write=False)
    try:
        found = till.customers(text, limit)
        cached, typed = customer_list.count(till.connection)
    finally:
        till.close()
    if as_json:
        echo_json([_record(c) for c in found])
        return 0
    for c in found:
        origin = f"OFN {c.ofn_id}" if c.ofn_id is not None else "typed here"
        click.echo(f"{c.id:>6}  {c.name}  <{c.email or '-'}>  {' / '.join(c.address) or '(no address)'}  [{origin}]")
    click.echo(f"{len(found)} shown; {counted(cached, 'OFN customer')} on the box, {typed} typed here", err=True)
    return 0


def _record(c: Customer) -> dict[str, object]:
    return {"id": c.id, "ofn_id": c.ofn_id, "code": c.code, **c.as_record()}
