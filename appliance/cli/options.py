"""What the commands share: the --config and --db options, argument types, exit codes, opening the till.

Every command that touches the store takes ``--db`` (default: ``store.path`` of the config) and
``--config`` (default: $OFN_CHECKOUT_CONFIG, then /etc/ofn-checkout/config.toml). A command returns
its exit code: 0, or EXIT_PROBLEMS for "checked, and something is wrong" (a bad config, a broken journal).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.cli.exit_codes import EXIT_CANNOT as EXIT_CANNOT  # the commands take them from here
from appliance.cli.exit_codes import EXIT_INTERNAL as EXIT_INTERNAL
from appliance.cli.exit_codes import EXIT_PROBLEMS as EXIT_PROBLEMS
from appliance.cli.outcome import database_problem as database_problem  # the commands take it from here
from appliance.config import Config
from appliance.core.clock import Clock
from appliance.core.money import MoneyError, parse_amount
from appliance.core.text import NAME_MAX, REASON_MAX, TextError, clean_text
from appliance.reports.formatting import Formatter
from appliance.till import Till

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file [default: $OFN_CHECKOUT_CONFIG or /etc/ofn-checkout/config.toml]",
)
db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite store [default: store.path of the config]",
)


def store_options(function: Callable[..., Any]) -> Callable[..., Any]:
    return config_option(db_option(function))


def load_config(config_path: Path | None) -> Config:
    """The config named, or found; with neither, the demo hub's (so a bare ``--db`` works)."""
    path = config_module.resolve_path(config_path)
    if config_path is None and not path.exists():
        click.echo(f"note: no config at {path}; using the demo hub's settings", err=True)
        return config_module.parse(demo_config_text())
    return config_module.load(path)


def open_till(
    config_path: Path | None,
    db_path: Path | None,
    clock: Clock | None = None,
    *,
    write: bool = True,
    sells: bool | None = None,
) -> tuple[Config, Till]:
    """The config and the till of its store (or ``--db``); ``write=False`` for a command that only
    reads, ``sells=False`` for one that writes but never sells (Till.open says what that spares)."""
    config = load_config(config_path)
    till = Till.open(config, db_path or config.store_path, clock=clock, write=write, sells=sells)
    for warning in till.warnings:
        click.echo(f"warning: {warning}", err=True)
    return config, till


def formatter(config: Config) -> Formatter:
    return Formatter(config.currency, config.language, ZoneInfo(config.timezone))


class Text(click.ParamType):
    """A name or reason typed on the command line; it is kept in the journal, so it must be plain
    text of a reasonable length (appliance/core/text.py says why)."""

    name = "text"

    def __init__(self, limit: int):
        self.limit = limit

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        typed = str(value)
        try:
            typed.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("is not valid UTF-8 text (check the terminal's encoding)", param, ctx)
        try:
            return clean_text(typed, "it", self.limit).strip()
        except TextError as exc:
            self.fail(str(exc).removeprefix("it "), param, ctx)


#: A name (a cashier, an order number): at most NAME_MAX characters.
TEXT = Text(NAME_MAX)
#: A reason (a cash movement): at most REASON_MAX characters.
REASON = Text(REASON_MAX)
NUMBER = click.IntRange(min=1, max=2**62)
DATE = click.DateTime(["%Y-%m-%d"])


def check_dates(first: datetime, last: datetime) -> None:
    if not (2000 <= first.year <= 2999 and 2000 <= last.year <= 2999):
        raise click.BadParameter("dates must be between 2000-01-01 and 2999-12-31")
    if last < first:
        raise click.BadParameter("--to is before --from")


def amount_type(text: str) -> Decimal:
    try:
        return parse_amount(text)
    except MoneyError as exc:
        raise click.BadParameter(str(exc)) from None


def echo_json(value: object) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))
