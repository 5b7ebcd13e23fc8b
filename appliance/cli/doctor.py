"""``ofn-checkout doctor``: one verdict per line for what a box needs, and exit 1 if any fails.

What support staff run first over SSH. The box's own checks (config, store, disk, clock, the
API key, OFN, the counter order) are here; device checks come from the drivers through the
``ofn_checkout.checks`` entry point, so this module imports no device library.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
import httpx

from appliance.cli.options import EXIT_PROBLEMS, config_option, db_option, load_config
from appliance.config import Config
from appliance.core.clock import parse_utc
from appliance.ofn.client import OfnClient, OfnError
from appliance.store.database import open_store
from appliance.store.keys import ApiKeyError, load_api_key, permission_warning

Verdict = tuple[str, str, str]
MIN_FREE_BYTES = 500 * 1024 * 1024
CHECK_GROUP = "ofn_checkout.checks"


def _disk(path: Path) -> Verdict:
    usage = shutil.disk_usage(path if path.exists() else path.parent)
    free_mb = usage.free // (1024 * 1024)
    if usage.free < MIN_FREE_BYTES:
        return ("fail", "disk", f"{free_mb} MB free where the store lives: free some space (logs, old backups)")
    return ("ok", "disk", f"{free_mb} MB free")


def _store_and_clock(path: Path, now: datetime) -> list[Verdict]:
    if not path.exists():
        return [("fail", "store", f"no database at {path}: run `ofn-checkout store init`")]
    db = open_store(path, create=False)
    try:
        last = db.conn.execute("SELECT max(created_at) FROM journal").fetchone()[0]
    finally:
        db.close()
    verdicts: list[Verdict] = [("ok", "store", f"{path}")]
    if now.year < 2025:
        verdicts.append(("fail", "clock", f"the clock says {now:%Y-%m-%d}: set the time (is NTP reachable?)"))
    elif last and parse_utc(last) - now > timedelta(minutes=5):
        verdicts.append(
            ("fail", "clock", f"the clock ({now:%Y-%m-%d %H:%M} UTC) is behind the last sale ({last}): set the time")
        )
    else:
        verdicts.append(("ok", "clock", f"{now:%Y-%m-%d %H:%M} UTC"))
    return verdicts


def _ofn(config: Config, transport: httpx.BaseTransport | None) -> list[Verdict]:
    key_file = config.api_key_file
    try:
        key = load_api_key(key_file)
    except ApiKeyError as problem:
        return [("fail", "api key", str(problem))]
    verdicts: list[Verdict] = []
    if (warning := permission_warning(key_file, "API key file")) is not None:
        verdicts.append(("warn", "api key", warning))
    timeout = httpx.Timeout(5.0)
    with OfnClient(config.ofn_base_url, key, transport=transport, timeout=timeout, read_attempts=1) as client:
        try:
            client.check_key()
            verdicts.append(("ok", "ofn", f"{config.ofn_base_url} reachable, API key accepted"))
        except OfnError as error:
            return [*verdicts, ("fail", "ofn", str(error))]
        if not config.counter_order:
            verdicts.append(("warn", "counter order", "ofn.counter_order is not set: sales wait in the box"))
            return verdicts
        try:
            order = client.order(config.counter_order)
        except OfnError as error:
            return [*verdicts, ("fail", "counter order", f"{config.counter_order}: {error}")]
        if order.order_cycle_id not in (None, config.order_cycle_id):
            verdicts.append(
                (
                    "fail",
                    "counter order",
                    f"{order.number} belongs to order cycle {order.order_cycle_id},"
                    f" not {config.order_cycle_id}: prepare this cycle's counter order",
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


def run_checks(config: Config, db_path: Path, *, transport: httpx.BaseTransport | None = None) -> list[Verdict]:
    now = datetime.now(UTC)
    return [
        ("ok", "config", str(config.path) if config.path else "demo settings"),
        _disk(db_path),
        *_store_and_clock(db_path, now),
        *_ofn(config, transport),
        *_device_checks(config),
    ]


@click.command("doctor")
@config_option
@db_option
def doctor(config_path: Path | None, db_path: Path | None) -> int:
    """Check the box: config, store, disk, clock, OFN and the key, each device; exit 1 if anything fails."""
    config = load_config(config_path)
    verdicts = run_checks(config, db_path or config.store_path)
    width = max(len(name) for _, name, _ in verdicts)
    for verdict, name, message in verdicts:
        click.echo(f"{verdict.upper():4}  {name:<{width}}  {message}")
    return EXIT_PROBLEMS if any(v == "fail" for v, _, _ in verdicts) else 0
