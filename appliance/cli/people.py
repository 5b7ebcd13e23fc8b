"""`ofn-checkout people`: who may use the till, their role, and their PIN (docs/people.md).

A PIN is never an argument (a shell's history and the process list would show it): it is typed on
the terminal, twice, without echo. Piped in (provisioning with Ansible's ``stdin``), it is read
from the first line of standard input, once. It never reaches a log, an output or the journal: the
store keeps its scrypt hash, and the journal who was added, disabled or given a new PIN, by whom.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click

from appliance.cli.options import TEXT, echo_json, open_till, store_options
from appliance.core.pins import PIN_MAX, PIN_MIN, PinError, check_pin
from appliance.store.people import ROLES, PeopleError


@click.group("people")
def people_group() -> None:
    """Cashiers and managers: their PINs and roles."""


def _by() -> str:
    """Who makes a change from the command line, as the journal names them."""
    try:
        user = os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return f"{user[:24]} (command line)"


def read_pin(name: str) -> str:
    """The new PIN: asked twice on a terminal, without echo; else the first line of stdin."""
    if not sys.stdin.isatty():
        return check_pin(sys.stdin.readline().strip())
    first = check_pin(click.prompt(f"New PIN for {name} ({PIN_MIN} to {PIN_MAX} digits)", hide_input=True))
    again = click.prompt("The same PIN again", hide_input=True)
    if again != first:
        raise PinError("The two PINs differ: nothing was changed; try again")
    return first


@people_group.command("add")
@store_options
@click.argument("name", type=TEXT)
@click.option("--role", type=click.Choice(ROLES), required=True, help="a cashier sells; a manager also allows")
def people_add(config_path: Path | None, db_path: Path | None, name: str, role: str) -> int:
    """Add NAME with a PIN (asked on the terminal); someone disabled comes back with a new one."""
    _, till = open_till(config_path, db_path)
    try:
        till.new_person_name(name, instead="`people pin` changes the PIN")
        person = till.add_person(name, role, read_pin(name), _by())
    finally:
        till.close()
    click.echo(f"{person.name} added as {person.role}: they log in with their PIN")
    return 0


@people_group.command("list")
@store_options
@click.option("--json", "as_json", is_flag=True)
def people_list(config_path: Path | None, db_path: Path | None, as_json: bool) -> int:
    """Everyone the till knows, managers first; disabled people too."""
    _, till = open_till(config_path, db_path, write=False)
    try:
        everyone = till.people()
    finally:
        till.close()
    if as_json:
        echo_json([{"name": p.name, "role": p.role, "active": p.active} for p in everyone])
        return 0
    for person in everyone:
        click.echo(f"{person.name:<40}  {person.role:<8}  {'active' if person.active else 'disabled'}")
    if not everyone:
        click.echo("Nobody yet: the till asks no PIN. Add a manager first: ofn-checkout people add NAME --role manager")
    return 0


@people_group.command("disable")
@store_options
@click.argument("name", type=TEXT)
def people_disable(config_path: Path | None, db_path: Path | None, name: str) -> int:
    """NAME can no longer log in (their sales stay theirs); `people add` brings them back."""
    _, till = open_till(config_path, db_path)
    try:
        person = till.disable_person(name, _by())
    finally:
        till.close()
    click.echo(f"{person.name} disabled: their PIN no longer opens the till")
    return 0


@people_group.command("pin")
@store_options
@click.argument("name", type=TEXT)
def people_pin(config_path: Path | None, db_path: Path | None, name: str) -> int:
    """Give NAME a new PIN (asked on the terminal)."""
    _, till = open_till(config_path, db_path)
    try:
        known = next((p for p in till.people() if p.name.casefold() == name.casefold()), None)
        if known is None or not known.active:
            raise PeopleError(f"There is nobody active called {name!r} on this till (`ofn-checkout people list`)")
        person = till.change_pin(known.name, read_pin(known.name), _by())
    finally:
        till.close()
    click.echo(f"{person.name} has a new PIN")
    return 0
