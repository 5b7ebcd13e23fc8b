"""``ofn-checkout``: the command line support staff and managers use over SSH.

Every command that touches the store takes ``--db`` (default: ``store.path`` of the config) and
``--config`` (default: $OFN_CHECKOUT_CONFIG, then /etc/ofn-checkout/config.toml). Errors a person
can act on print one line and exit 3; an unexpected failure prints where the traceback was logged
and exits 70. Exit 1 means "checked, and something is wrong" (a bad config, a broken journal).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from appliance import config as config_module
from appliance.cli import simulation
from appliance.cli.demo import demo_config_text
from appliance.cli.logs import setup_logging
from appliance.config import Config, ConfigError
from appliance.core.clock import Clock
from appliance.core.money import MoneyError, from_cents, parse_amount
from appliance.core.sale import SaleError
from appliance.reports import export
from appliance.reports.formatting import Formatter
from appliance.reports.receipt import layout
from appliance.reports.text import closure_text, shift_report_text
from appliance.store import closures
from appliance.store.audit import verify_store
from appliance.store.catalogue import CatalogueError
from appliance.store.database import StoreError, open_store, store_lane
from appliance.store.keys import ApiKeyError, JournalKeyError, key_is_private, load_key
from appliance.store.shifts import ShiftError, get_shift, last_closed_shift, stored_z_report
from appliance.till import Till

log = logging.getLogger(__name__)

EXIT_PROBLEMS = 1
EXIT_CANNOT = 3
EXIT_INTERNAL = 70
PERSON_ERRORS = (
    ConfigError,
    StoreError,
    JournalKeyError,
    ApiKeyError,
    SaleError,
    ShiftError,
    CatalogueError,
    MoneyError,
)


def main(argv: list[str] | None = None) -> int:
    log_file = setup_logging("cli")
    try:
        result = cli.main(args=argv, prog_name="ofn-checkout", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.FileError as exc:
        exc.show()
        return EXIT_CANNOT
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_PROBLEMS
    except PERSON_ERRORS as exc:
        _print_error(exc)
        return EXIT_CANNOT
    except sqlite3.DatabaseError as exc:
        log.exception("database error")
        click.echo(f"Error: {database_problem(exc)}", err=True)
        return EXIT_CANNOT
    except Exception:
        log.exception("ofn-checkout %s failed", " ".join(argv or sys.argv[1:]))
        where = f"the details are logged in {log_file}" if log_file else "no log file could be written"
        click.echo(f"Internal error: {where}", err=True)
        return EXIT_INTERNAL


def database_problem(exc: sqlite3.DatabaseError) -> str:
    """What a person should understand of an SQLite error (the details go to the log)."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "the database is busy (another program is writing to it): try again in a moment"
    if "full" in text:
        return "the disk is full: nothing was recorded; free some space and try again"
    if "readonly" in text or "read-only" in text:
        return "the database file is read-only: check its owner and permissions"
    if "unable to open" in text:
        return f"the database cannot be opened ({text}): check the path and its permissions"
    if isinstance(exc, sqlite3.IntegrityError):
        return (
            f"the database refused a change ({text}): it may have been tampered with; run `ofn-checkout journal verify`"
        )
    return f"the database file is damaged ({text}): restore it from the backup"


def _print_error(exc: Exception) -> None:
    if isinstance(exc, ConfigError):
        click.echo(f"Error: the config {exc.path or ''} cannot be used:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
    else:
        click.echo(f"Error: {exc}", err=True)


# -- shared options -------------------------------------------------------------------------------

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


def open_till(config_path: Path | None, db_path: Path | None, clock: Clock | None = None) -> tuple[Config, Till]:
    config = load_config(config_path)
    path = db_path or config.store_path
    if not path.exists():
        raise StoreError(f"No database at {path}: check --db or store.path in the config")
    return config, Till.open(config, path, clock=clock)


def formatter(config: Config) -> Formatter:
    return Formatter(config.currency, config.language, ZoneInfo(config.timezone))


class Text(click.ParamType):
    """A name or reason typed on the command line; it is kept in the journal, so it must be text."""

    name = "text"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("is not valid UTF-8 text (check the terminal's encoding)", param, ctx)
        if not text:
            self.fail("must not be empty", param, ctx)
        return text


TEXT = Text()
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


# -- commands -------------------------------------------------------------------------------------


PLUGIN_GROUP = "ofn_checkout.commands"


class PluginGroup(click.Group):
    """The root command; commands of the other layers join it through entry points.

    The CLI lives in ``appliance``, which may not import ``drivers``, ``sandbox`` or ``tui``. Those
    packages declare their commands under the ``ofn_checkout.commands`` entry point group in
    pyproject.toml, and they are imported only when named, so ``ofn-checkout report z`` never loads
    a device library or the HTTP stack.
    """

    def _plugins(self) -> dict[str, Any]:
        return {entry.name: entry for entry in entry_points(group=PLUGIN_GROUP)}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and (entry := self._plugins().get(cmd_name)) is not None:
            try:
                command = entry.load()
            except Exception:  # a broken install must not take the other commands down with it
                log.exception("command %s (%s) could not be loaded", cmd_name, entry.value)
                command = _unavailable(cmd_name)
        return command


def _unavailable(name: str) -> click.Command:
    def run() -> int:
        click.echo(f"Error: the {name} command is not installed correctly (details in the log); reinstall", err=True)
        return EXIT_INTERNAL

    return click.Command(name, callback=run, help="Not available: this command could not be loaded.")


#: Where the root command leaves :func:`device_sections` for the device commands (click's ``ctx.meta``).
DEVICE_SECTIONS = "ofn_checkout.device_sections"


def device_sections(config_path: Path | None) -> dict[str, dict[str, Any]]:
    """The config's ``[devices.*]`` sections as plain dicts, for the device commands of ``drivers``.

    Those commands may not import this package, so the root command hands them this loader through
    ``ctx.meta`` (a dict click shares with every sub-command, meant for such keys) rather than an
    entry point: it needs no packaging change, and a command run without the root (a test of the
    bare click command) simply has no config. The config is found as for every other command
    (``--config``, $OFN_CHECKOUT_CONFIG, /etc/ofn-checkout/config.toml); with none there, ``{}``:
    the commands use their own defaults. A bad config raises ConfigError, shown as for any command.
    """
    path = config_module.resolve_path(config_path)
    if config_path is None and not path.exists():
        return {}
    return config_module.load(path).devices


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ofn-checkout")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """OFN Checkout: a checkout box for food hubs that sell on the Open Food Network."""
    ctx.meta[DEVICE_SECTIONS] = device_sections


@cli.group("config")
def config_group() -> None:
    """Check the configuration file."""


@config_group.command("check")
@config_option
def config_check(config_path: Path | None) -> int:
    """Print every problem of the config (key, value, reason); exit 1 if there is one."""
    path = config_module.resolve_path(config_path)
    try:
        config = config_module.load(path)
    except ConfigError as exc:
        click.echo(f"{path}: {len(exc.problems)} problem(s)")
        for problem in exc.problems:
            click.echo(f"  {problem}")
        return EXIT_PROBLEMS
    for warning in _config_warnings(config):
        click.echo(f"warning: {warning}")
    click.echo(
        f'{path}: OK (lane {config.lane_id} "{config.lane_name}", {len(config.vat)} VAT rates, '
        f"{len(config.payments)} payment methods)"
    )
    return 0


def _config_warnings(config: Config) -> list[str]:
    """Things that do not stop the till from selling, but will stop something else."""
    warnings = []
    if not config.api_key_file.exists():
        warnings.append(f"ofn.api_key_file {config.api_key_file}: file not found (sync to OFN will not work)")
    key_file = config.key_file_for(config.store_path)
    if key_file.exists() and not key_is_private(key_file):
        warnings.append(f"journal key {key_file} is readable by others: chmod 600 it")
    if not any(method.is_cash for method in config.payments):
        warnings.append("no payment method has cash = true: the drawer will never be counted")
    return warnings


@cli.group("store")
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


@cli.group("journal")
def journal_group() -> None:
    """Verify and export the fiscal journal."""


@journal_group.command("verify")
@store_options
def journal_verify(config_path: Path | None, db_path: Path | None) -> int:
    """Check the journal's seal; exit 1 naming the first bad entry."""
    config = load_config(config_path)
    path = db_path or config.store_path
    try:
        db = open_store(path, create=False)
    except StoreError as exc:
        if not path.exists():
            raise
        click.echo(f"journal NOT OK: {exc}")
        return EXIT_PROBLEMS
    try:
        lane_id = store_lane(db.conn) or config.lane_id
        verdict = verify_store(db.conn, load_key(config.key_file_for(path)), lane_id)
    except sqlite3.DatabaseError as exc:
        click.echo(f"journal NOT OK: {database_problem(exc)}")
        return EXIT_PROBLEMS
    finally:
        db.close()
    if verdict.ok:
        click.echo(f"journal OK: {verdict.entries} entries verified")
        return 0
    click.echo(f"journal NOT OK after checking {verdict.entries} entries:")
    for finding in verdict.findings:
        click.echo(f"  {finding}")
    return EXIT_PROBLEMS


@journal_group.command("export")
@store_options
@click.option("--from", "first", type=DATE, required=True, help="First local date")
@click.option("--to", "last", type=DATE, required=True, help="Last local date (included)")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-", help="Output file [default: stdout]")
def journal_export(
    config_path: Path | None, db_path: Path | None, first: datetime, last: datetime, fmt: str, out: Any
) -> int:
    """Accounting export: one row per sale line and per payment."""
    check_dates(first, last)
    config, till = open_till(config_path, db_path)
    try:
        count = export.write_csv(till.connection, out, first.date(), last.date(), till.zone)
    finally:
        till.close()
    click.echo(f"{count} rows exported", err=True)
    return 0


@cli.group("report")
def report_group() -> None:
    """X and Z reports, and the daily, monthly and yearly closures."""


@report_group.command("x")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
def report_x(config_path: Path | None, db_path: Path | None, as_json: bool) -> int:
    """Running totals of the open shift."""
    config, till = open_till(config_path, db_path)
    try:
        record = till.x_report().as_record()
    finally:
        till.close()
    echo_json(record) if as_json else click.echo(shift_report_text(record, formatter(config), config.lane_name))
    return 0


@report_group.command("z")
@store_options
@click.option("--counted", type=amount_type, help="Cash counted in the drawer: closes the open shift")
@click.option("--cashier", type=TEXT, default="manager", show_default=True, help="Who closes the shift")
@click.option("--shift", "shift_id", type=NUMBER, help="Reprint the Z report of this shift")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
def report_z(
    config_path: Path | None,
    db_path: Path | None,
    counted: Decimal | None,
    cashier: str,
    shift_id: int | None,
    as_json: bool,
) -> int:
    """Close the open shift (with --counted), or reprint the last or a given Z report."""
    if shift_id is not None and counted is not None:
        raise click.UsageError("--shift reprints a closed shift's Z report; --counted closes the open shift: not both")
    config, till = open_till(config_path, db_path)
    try:
        record = _z_record(till, counted, cashier, shift_id)
    finally:
        till.close()
    echo_json(record) if as_json else click.echo(shift_report_text(record, formatter(config), config.lane_name))
    return 0


def _z_record(till: Till, counted: Decimal | None, cashier: str, shift_id: int | None) -> dict[str, Any]:
    if shift_id is not None:
        shift = get_shift(till.connection, shift_id)
        record = stored_z_report(till.connection, shift_id) if shift else None
        if record is None:
            raise ShiftError(f"Shift {shift_id} has no Z report (it does not exist or is still open)")
        return record
    if till.current_shift() is not None:
        if counted is None:
            raise ShiftError("A shift is open: count the drawer and give --counted AMOUNT to close it")
        return till.close_shift(counted, cashier).as_record()
    last = last_closed_shift(till.connection, till.lane.id)
    if last is None:
        raise ShiftError("No shift has been closed yet")
    record = stored_z_report(till.connection, last.id)
    assert record is not None
    return record


@report_group.command("closures")
@store_options
@click.option("--kind", type=click.Choice(["day", "month", "year"]), help="Only this kind")
@click.option("--json", "as_json", is_flag=True)
def report_closures(config_path: Path | None, db_path: Path | None, kind: str | None, as_json: bool) -> int:
    """List the period closures with their grand totals."""
    config, till = open_till(config_path, db_path)
    try:
        records = closures.closures(till.connection, kind)
    finally:
        till.close()
    if as_json:
        echo_json(records)
    else:
        fmt = formatter(config)
        click.echo("\n\n".join(closure_text(r, fmt, config.lane_name) for r in records) or "No closures yet.")
    return 0


@report_group.command("close-periods")
@store_options
def report_close_periods(config_path: Path | None, db_path: Path | None) -> int:
    """Close every finished day, month and year now (a nightly timer runs this)."""
    config, till = open_till(config_path, db_path)
    try:
        made = till.close_periods()
    finally:
        till.close()
    for record in made:
        click.echo(f"closed {record['kind']} {record['period']}: {from_cents(record['perpetual_total'])} perpetual")
    if not made:
        click.echo("nothing to close")
    return 0


@cli.group("receipt")
def receipt_group() -> None:
    """Show or reprint a receipt."""


@receipt_group.command("show")
@store_options
@click.argument("number", type=NUMBER)
@click.option("--columns", type=click.Choice(["32", "42", "48"]), default="42", show_default=True)
def receipt_show(config_path: Path | None, db_path: Path | None, number: int, columns: str) -> int:
    """Show a receipt on screen (not a reprint: nothing is recorded)."""
    config, till = open_till(config_path, db_path)
    try:
        stored = till.find_sale(number=number)
        if stored is None:
            raise SaleError(f"There is no sale number {number}")
        fmt = formatter(config)
        receipt = till.receipt(stored, config.receipt, fmt)
    finally:
        till.close()
    click.echo(
        "\n".join(["*** VIEW ONLY — NOT A RECEIPT ***".center(int(columns)), *layout(receipt, fmt, int(columns))])
    )
    return 0


@receipt_group.command("reprint")
@store_options
@click.argument("number", type=NUMBER)
@click.option("--cashier", type=TEXT, required=True, help="Who reprints (recorded in the journal)")
@click.option("--columns", type=click.Choice(["32", "42", "48"]), default="42", show_default=True)
def receipt_reprint(config_path: Path | None, db_path: Path | None, number: int, cashier: str, columns: str) -> int:
    """Make a numbered duplicate of a receipt; the reprint is recorded in the journal."""
    config, till = open_till(config_path, db_path)
    try:
        fmt = formatter(config)
        receipt = till.reprint(number, cashier, config.receipt, fmt)
    finally:
        till.close()
    click.echo("\n".join(layout(receipt, fmt, int(columns))))
    return 0


@cli.group("shift")
def shift_group() -> None:
    """Open a shift and move cash in or out of the drawer."""


@shift_group.command("open")
@store_options
@click.option("--float", "opening_float", type=amount_type, required=True, help="Cash in the drawer at the start")
@click.option("--cashier", type=TEXT, required=True)
def shift_open(config_path: Path | None, db_path: Path | None, opening_float: Decimal, cashier: str) -> int:
    """Open a shift on this lane."""
    config, till = open_till(config_path, db_path)
    try:
        shift = till.open_shift(cashier, opening_float)
    finally:
        till.close()
    click.echo(f"shift {shift.id} open, float {opening_float}")
    return 0


def _cash_command(kind: str) -> Callable[..., int]:
    @store_options
    @click.option("--amount", type=amount_type, required=True)
    @click.option("--reason", type=TEXT, required=True)
    @click.option("--cashier", type=TEXT, required=True)
    def command(config_path: Path | None, db_path: Path | None, amount: Decimal, reason: str, cashier: str) -> int:
        config, till = open_till(config_path, db_path)
        try:
            till.move_cash(kind, amount, reason, cashier)
        finally:
            till.close()
        click.echo(f"cash {kind}: {amount} ({reason})")
        return 0

    command.__doc__ = f"Record cash taken {'into' if kind == 'in' else 'out of'} the drawer."
    return command


shift_group.command("cash-in")(_cash_command("in"))
shift_group.command("cash-out")(_cash_command("out"))


@cli.command("simulate")
@store_options
@click.option("--sales", type=click.IntRange(min=1, max=10**7), required=True, help="How many sales to complete")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%d"]),
    help="Local time of the first sale; a store with later entries carries on from them [default: today 08:00]",
)
@click.option(
    "--pace",
    type=click.FloatRange(min=0.1),
    default=45.0,
    show_default=True,
    help="Mean seconds between sales (simulated time)",
)
@click.option(
    "--shift-size", type=click.IntRange(min=1), default=250, show_default=True, help="Sales per shift before a Z"
)
@click.option("--leave-open", is_flag=True, help="Leave the last shift open")
def simulate(
    config_path: Path | None,
    db_path: Path | None,
    sales: int,
    seed: int,
    start: datetime | None,
    pace: float,
    shift_size: int,
    leave_open: bool,
) -> int:
    """Fill a store with realistic random sales through the real till, one line per sale."""
    config = load_config(config_path)
    zone = ZoneInfo(config.timezone)
    if start is not None and not 2000 <= start.year <= 2999:
        raise click.BadParameter("--start must be between 2000 and 2999")
    begin = (
        start.replace(tzinfo=zone) if start else datetime.now(zone).replace(hour=8, minute=0, second=0, microsecond=0)
    )
    till = Till.open(config, db_path or config.store_path, clock=simulation.resume_clock(None, begin))
    try:
        till.clock = clock = simulation.resume_clock(till, begin)
        plan = simulation.Plan(sales, seed, pace, shift_size, not leave_open)
        simulation.run(till, clock, plan, _print_sale)
    finally:
        till.close()
    return 0


def _print_sale(stored: Any) -> None:
    print(f"{stored.sale.kind.value} {stored.number} {from_cents(stored.sale.total)}", flush=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
