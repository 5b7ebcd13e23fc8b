"""``ofn-checkout doctor``: one verdict per line for what a box needs, and exit 1 if any fails.

What support staff run first over SSH. The box's own checks (config, store, disk, clock, the
API key, OFN, the counter order) are here; device checks come from the drivers through the
``ofn_checkout.checks`` entry point, so this module imports no device library.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
import httpx

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.cli.options import EXIT_PROBLEMS, config_option, db_option
from appliance.config import Config, ConfigError
from appliance.core.clock import parse_utc
from appliance.ofn.audit import audit
from appliance.ofn.client import OfnClient, OfnError, OrderCycleClosed
from appliance.ofn.daemon import cycle_in_force
from appliance.store import backup as backups
from appliance.store.database import StoreError, explain
from appliance.store.keys import ApiKeyError, JournalKeyError, load_api_key, permission_warning
from appliance.store.opening import LaneStore, open_lane_store

Verdict = tuple[str, str, str]
MIN_FREE_BYTES = 500 * 1024 * 1024
CHECK_GROUP = "ofn_checkout.checks"


def _disk(path: Path) -> Verdict:
    where = path
    while not where.exists() and where != where.parent:  # a new box: the store's directory may not exist yet
        where = where.parent
    usage = shutil.disk_usage(where)
    free_mb = usage.free // (1024 * 1024)
    if usage.free < MIN_FREE_BYTES:
        return ("fail", "disk", f"{free_mb} MB free where the store lives: free some space (logs, old backups)")
    return ("ok", "disk", f"{free_mb} MB free")


def _store_and_clock(config: Config, path: Path, now: datetime) -> list[Verdict]:
    if not path.exists() and not config.key_file_for(path).exists():
        return [("fail", "store", f"no database at {path}: run `ofn-checkout store init`")]
    try:  # read-only, through every check a command opens the store with
        store = open_lane_store(path, config.key_file_for(path), config.lane_id, write=False)
    except (StoreError, JournalKeyError) as problem:
        return [("fail", "store", str(problem))]
    try:
        last = store.db.conn.execute("SELECT max(created_at) FROM journal").fetchone()[0]
        categories = {row[0] for row in store.db.conn.execute("SELECT DISTINCT tax_category_id FROM variant")}
    except sqlite3.DatabaseError as exc:
        return [("fail", "store", f"{path} {explain(exc)}")]
    finally:
        store.db.close()
    verdicts: list[Verdict] = [("ok", "store", f"{path}"), *(("warn", "store", w) for w in store.warnings)]
    verdicts.append(_vat_table(config, categories))
    if now.year < 2025:
        verdicts.append(("fail", "clock", f"the clock says {now:%Y-%m-%d}: set the time (is NTP reachable?)"))
    elif last and parse_utc(last) - now > timedelta(minutes=5):
        verdicts.append(
            ("fail", "clock", f"the clock ({now:%Y-%m-%d %H:%M} UTC) is behind the last sale ({last}): set the time")
        )
    else:
        verdicts.append(("ok", "clock", f"{now:%Y-%m-%d %H:%M} UTC"))
    return verdicts


BACKUP_MAX_AGE = timedelta(days=3)


def _backups(config: Config, now: datetime) -> Verdict:
    """The nightly snapshots: a box whose last good one is days old has lost its safety net."""
    directory = config.backup_dir
    kept, failed = backups.snapshots(directory), backups.failed(directory)
    if failed:
        return ("warn", "backup", f"{len(failed)} snapshot(s) in {directory} did not verify: run `journal verify`")
    if not kept:
        return ("warn", "backup", f"no snapshot in {directory} yet (the nightly ofn-checkout-backup.timer makes one)")
    newest = datetime.strptime(kept[-1].name, "checkout-%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)
    if now - newest > BACKUP_MAX_AGE:
        return ("warn", "backup", f"the newest snapshot is from {newest:%Y-%m-%d}: is ofn-checkout-backup.timer on?")
    return ("ok", "backup", f"{len(kept)} verified snapshot(s), the newest from {newest:%Y-%m-%d %H:%M} UTC")


def _readable_store(config: Config, db_path: Path) -> LaneStore | None:
    """The store opened read-only for the OFN checks, or None: the store's own verdict says why."""
    try:
        return open_lane_store(db_path, config.key_file_for(db_path), config.lane_id, write=False)
    except (StoreError, JournalKeyError):
        return None


def _audit(client: OfnClient, store: LaneStore | None, counter_order: str) -> Verdict:
    """The orders the box changed, checked against the journal (`sync audit` gives the details)."""
    if store is None:
        return ("warn", "audit", "the store cannot be read: nothing audited (see the store's verdict)")
    try:
        found = audit(store.db.conn, client, counter_order)
    except OfnError as error:
        return ("warn", "audit", f"could not read the orders: {error}")
    if found.unexplained:
        return ("fail", "audit", f"{found.unexplained} difference(s) with OFN nothing explains: run `sync audit`")
    return ("ok", "audit", f"{len(found.orders)} order(s) in OFN as the journal says, or on their way")


def _vat_table(config: Config, categories: set[int | None]) -> Verdict:
    """Every tax category of the catalogue needs a [[vat]] entry, or its variants cannot be sold."""
    missing = sorted(str(c) for c in {"none" if c is None else c for c in categories} - set(config.vat))
    if missing:
        return (
            "fail",
            "vat",
            f"tax categories {', '.join(missing)} of the catalogue have no [[vat]] entry in the config:"
            " their variants cannot be sold",
        )
    return ("ok", "vat", f"the {len(categories)} tax categories of the catalogue are in the VAT table")


def _ofn(config: Config, db_path: Path, transport: httpx.BaseTransport | None) -> list[Verdict]:
    key_file = config.api_key_file
    try:
        key = load_api_key(key_file)
    except ApiKeyError as problem:
        return [("fail", "api key", str(problem))]
    verdicts: list[Verdict] = []
    if (warning := permission_warning(key_file, "API key file")) is not None:
        verdicts.append(("warn", "api key", warning))
    store = _readable_store(config, db_path)
    try:
        return [*verdicts, *_ofn_checks(config, key, store, transport)]
    finally:
        if store is not None:
            store.db.close()


def _ofn_checks(
    config: Config, key: str, store: LaneStore | None, transport: httpx.BaseTransport | None
) -> list[Verdict]:
    """OFN, the key, the cycle the daemon follows, the audit and the counter order in force."""
    cycle = cycle_in_force(store.db.conn if store is not None else None, config)
    verdicts: list[Verdict] = []
    timeout = httpx.Timeout(5.0)
    with OfnClient(config.ofn_base_url, key, transport=transport, timeout=timeout, read_attempts=1) as client:
        try:  # one read proves OFN, the key (OFN answers 401 to a key it does not know) and the cycle
            client.check_cycle(cycle.order_cycle_id, config.hub_id)
            verdicts += [
                ("ok", "ofn", f"{config.ofn_base_url} reachable, API key accepted"),
                ("ok", "order cycle", f"{cycle.order_cycle_id} is open"),
            ]
        except OrderCycleClosed as closed:
            verdicts += [
                ("ok", "ofn", f"{config.ofn_base_url} reachable, API key accepted"),
                ("fail", "order cycle", str(closed)),
            ]
        except OfnError as error:
            return [("fail", "ofn", str(error))]
        verdicts.append(_audit(client, store, cycle.counter_order))
        if not cycle.counter_order:
            verdicts.append(("warn", "counter order", "ofn.counter_order is not set: sales wait in the box"))
            return verdicts
        try:
            order = client.order(cycle.counter_order)
        except OfnError as error:
            return [*verdicts, ("fail", "counter order", f"{cycle.counter_order}: {error}")]
        if order.order_cycle_id not in (None, cycle.order_cycle_id):
            verdicts.append(
                (
                    "warn",
                    "counter order",
                    f"{order.number} belongs to order cycle {order.order_cycle_id}, not {cycle.order_cycle_id}:"
                    " right for a long-running onsite cycle, else prepare this cycle's counter order"
                    " (docs/ofn-setup.md)",
                )
            )
        else:
            verdicts.append(("ok", "counter order", f"{order.number} ({order.state})"))
    return verdicts


def _device_checks(config: Config) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for entry in entry_points(group=CHECK_GROUP):
        try:
            check: Callable[[dict[str, dict[str, Any]]], list[Verdict]] = entry.load()
            verdicts.extend(check(config.devices))
        except Exception as exc:  # a broken driver install is a verdict, not a crash of the doctor
            verdicts.append(("fail", entry.name, f"the check could not run ({type(exc).__name__}): reinstall"))
    return verdicts


def run_checks(
    config: Config,
    db_path: Path,
    *,
    transport: httpx.BaseTransport | None = None,
    config_verdict: Verdict | None = None,
) -> list[Verdict]:
    now = datetime.now(UTC)
    return [
        config_verdict or ("ok", "config", str(config.path) if config.path else "demo settings"),
        _disk(db_path),
        *_store_and_clock(config, db_path, now),
        _backups(config, now),
        *_ofn(config, db_path, transport),
        *_device_checks(config),
    ]


def config_or_demo(config_path: Path | None) -> tuple[Config, Verdict | None]:
    """The config, or the demo hub's settings with a failing verdict saying why: the other checks
    still run, one verdict per line."""
    path = config_module.resolve_path(config_path)
    try:
        return config_module.load(path), None
    except ConfigError as exc:
        problems = "; ".join(str(problem) for problem in exc.problems)
        return config_module.parse(demo_config_text()), (
            "fail",
            "config",
            f"{path}: {problems} (checks below use the demo settings)",
        )


def verdict_lines(verdicts: list[Verdict]) -> list[str]:
    """One line a verdict, in columns: ``FAIL  store  what is wrong and what to do``."""
    width = max(len(name) for _, name, _ in verdicts)
    return [f"{verdict.upper():4}  {name:<{width}}  {message}" for verdict, name, message in verdicts]


@click.command("doctor")
@config_option
@db_option
def doctor(config_path: Path | None, db_path: Path | None) -> int:
    """Check the box: config, store, disk, clock, OFN and the key, each device; exit 1 if anything fails."""
    config, config_verdict = config_or_demo(config_path)
    verdicts = run_checks(config, db_path or config.store_path, config_verdict=config_verdict)
    for line in verdict_lines(verdicts):
        click.echo(line)
    return EXIT_PROBLEMS if any(v == "fail" for v, _, _ in verdicts) else 0
