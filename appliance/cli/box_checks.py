"""The box's own checks, one verdict at a time: what ``ofn-checkout doctor`` prints and the
counter's diagnostics screen shows, from the same functions, so both say the same thing.

A verdict is ``(level, what, message)``: level ``ok``, ``warn`` or ``fail``; the message says what
was found and, when something is wrong, what to do. :func:`box_checks` yields them as each is
known: the quick local ones first (config, disk, store, clock, journal, sync, backups, version), then the
ones that wait on OFN, so a screen can show each as it arrives. Nothing here prints or writes:
the store is opened read-only, and OFN is only read.

Device checks are not here: the doctor finds them through the ``ofn_checkout.checks`` entry point
(the appliance may not import drivers), and the screen asks the devices the till holds.
"""

from __future__ import annotations

import platform
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

import httpx

from appliance.config import Config, ConfigError
from appliance.config.channels import channel_rules
from appliance.core.clock import parse_utc
from appliance.core.text import counted
from appliance.ofn.audit import audit
from appliance.ofn.client import OfnClient, OfnError, OrderCycleClosed
from appliance.ofn.daemon import cycle_in_force
from appliance.store import backup as backups
from appliance.store.audit import verify_store
from appliance.store.database import StoreError, explain
from appliance.store.keys import ApiKeyError, JournalKeyError, load_api_key, permission_warning
from appliance.store.opening import LaneStore, open_lane_store
from appliance.store.sync_state import Status, duration, read_status

Verdict = tuple[str, str, str]
MIN_FREE_BYTES = 500 * 1024 * 1024
#: A daemon that has not reached OFN for this long while online is probably not running.
SYNC_SILENT_AFTER = timedelta(minutes=10)
SYNC_SERVICE = "is the sync service running? (`systemctl status ofn-checkout-sync`)"
BACKUP_MAX_AGE = timedelta(days=3)


def box_checks(
    config: Config,
    db_path: Path,
    *,
    transport: httpx.BaseTransport | None = None,
    config_verdict: Verdict | None = None,
    now: datetime | None = None,
) -> Iterator[Verdict]:
    """Every check of the box but its devices, in the doctor's order, each verdict as it is known.

    ``now`` is the time the clock check trusts (the till's clock on the screen); ``transport``
    reaches OFN (the tests' sandbox, or the network when None).
    """
    now = now or datetime.now(UTC)
    yield config_verdict or ("ok", "config", str(config.path) if config.path else "demo settings")
    if config.channels_file is not None and config_verdict is None:
        yield channels(config)
    yield disk(db_path)
    yield from store_checks(config, db_path, now)
    yield backup_snapshots(config, now)
    yield version()
    yield from ofn_checks(config, db_path, transport)


def channels(config: Config) -> Verdict:
    """The hub's channel file, as the till will read it: a broken one stops the counter from starting."""
    try:
        rules = channel_rules(config)
    except ConfigError as exc:
        problems = "; ".join(str(problem) for problem in exc.problems)
        return ("fail", "channels", f"{config.channels_file}: {problems} (`ofn-checkout config check` lists them)")
    return ("ok", "channels", f"{config.channels_file}: channel {rules.label!r}, sha256 {rules.digest[:12]}")


def disk(path: Path) -> Verdict:
    where = path
    while not where.exists() and where != where.parent:  # a new box: the store's directory may not exist yet
        where = where.parent
    usage = shutil.disk_usage(where)
    free_mb = usage.free // (1024 * 1024)
    if usage.free < MIN_FREE_BYTES:
        return ("fail", "disk", f"{free_mb} MB free where the store lives: free some space (logs, old backups)")
    return ("ok", "disk", f"{free_mb} MB free")


def backup_snapshots(config: Config, now: datetime) -> Verdict:
    """The nightly snapshots: a box whose last good one is days old has lost its safety net."""
    directory = config.backup_dir
    kept, failed = backups.snapshots(directory), backups.failed(directory)
    if failed:
        return (
            "warn",
            "backup",
            f"{counted(len(failed), 'snapshot')} in {directory} did not verify: run `journal verify`",
        )
    if not kept:
        return ("warn", "backup", f"no snapshot in {directory} yet (the nightly ofn-checkout-backup.timer makes one)")
    newest = datetime.strptime(kept[-1].name, "checkout-%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)
    if now - newest > BACKUP_MAX_AGE:
        return ("warn", "backup", f"the newest snapshot is from {newest:%Y-%m-%d}: is ofn-checkout-backup.timer on?")
    return ("ok", "backup", f"{counted(len(kept), 'verified snapshot')}, the newest from {newest:%Y-%m-%d %H:%M} UTC")


def version() -> Verdict:
    try:
        installed = metadata.version("ofn-checkout")
    except metadata.PackageNotFoundError:
        return ("warn", "version", "ofn-checkout is not installed as a package: reinstall it")
    return ("ok", "version", f"ofn-checkout {installed} (Python {platform.python_version()})")


def store_checks(config: Config, path: Path, now: datetime) -> Iterator[Verdict]:
    """The store (opened read-only, through every check a command opens it with), the VAT table
    against its catalogue, the clock against its last entry, the journal's seal, the last sync."""
    if not path.exists() and not config.key_file_for(path).exists():
        yield ("fail", "store", f"no database at {path}: run `ofn-checkout store init`")
        return
    try:
        store = open_lane_store(path, config.key_file_for(path), config.lane_id, write=False)
    except (StoreError, JournalKeyError) as problem:
        yield ("fail", "store", str(problem))
        return
    try:
        try:
            last = store.db.conn.execute("SELECT max(created_at) FROM journal").fetchone()[0]
            categories = {row[0] for row in store.db.conn.execute("SELECT DISTINCT tax_category_id FROM variant")}
        except sqlite3.DatabaseError as exc:
            yield ("fail", "store", f"{path} {explain(exc)}")
            return
        yield ("ok", "store", f"{path}")
        yield from (("warn", "store", warning) for warning in store.warnings)
        yield vat_table(config, categories)
        yield clock(now, last)
        yield journal(store, config.lane_id)
        yield sync(read_status(store.db.conn, now), now)
    finally:
        store.db.close()


def clock(now: datetime, last: str | None) -> Verdict:
    if now.year < 2025:
        return ("fail", "clock", f"the clock says {now:%Y-%m-%d}: set the time (is NTP reachable?)")
    if last and parse_utc(last) - now > timedelta(minutes=5):
        return ("fail", "clock", f"the clock ({now:%Y-%m-%d %H:%M} UTC) is behind the last sale ({last}): set the time")
    return ("ok", "clock", f"{now:%Y-%m-%d %H:%M} UTC")


def vat_table(config: Config, categories: set[int | None]) -> Verdict:
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


def journal(store: LaneStore, lane_id: int) -> Verdict:
    """The fiscal journal's seal, as ``journal verify`` checks it."""
    verdict = verify_store(store.db.conn, store.key_file, lane_id)
    if not verdict.ok:
        return (
            "fail",
            "journal",
            f"NOT OK after {verdict.counted}: {verdict.findings[0]}; keep the file as evidence and run"
            " `ofn-checkout journal verify` (docs/fiscal-journal.md)",
        )
    return ("ok", "journal", f"{verdict.counted} verified, the seal holds")


def sync(status: Status, now: datetime) -> Verdict:
    """When the sync daemon last reached OFN, and what it says now."""
    if status.last_success_at is None:
        waiting = f"; {status.waiting_in_the_box}" if status.pending else ""
        return ("warn", "sync", f"no sync pass has reached OFN yet: {SYNC_SERVICE}{waiting}")
    ago = duration(max(0, int((now - parse_utc(status.last_success_at)).total_seconds())))
    if status.state != "online":
        return ("warn", "sync", f"{status.summary()} (the last pass that reached OFN: {ago} ago)")
    if now - parse_utc(status.last_success_at) > SYNC_SILENT_AFTER:
        return ("warn", "sync", f"the last pass that reached OFN was {ago} ago: {SYNC_SERVICE}")
    return ("ok", "sync", f"online, last pass {ago} ago; {counted(status.pending, 'sale')} waiting")


def ofn_checks(config: Config, db_path: Path, transport: httpx.BaseTransport | None) -> Iterator[Verdict]:
    """The API key file, then OFN itself: reachable, the key, the cycle, the audit, the counter order."""
    key_file = config.api_key_file
    try:
        key = load_api_key(key_file)
    except ApiKeyError as problem:
        yield ("fail", "api key", str(problem))
        return
    if (warning := permission_warning(key_file, "API key file")) is not None:
        yield ("warn", "api key", warning)
    store = _readable_store(config, db_path)
    try:
        yield from _ofn(config, key, store, transport)
    finally:
        if store is not None:
            store.db.close()


def _readable_store(config: Config, db_path: Path) -> LaneStore | None:
    """The store opened read-only for the OFN checks, or None: the store's own verdict says why."""
    try:
        return open_lane_store(db_path, config.key_file_for(db_path), config.lane_id, write=False)
    except (StoreError, JournalKeyError):
        return None


def _ofn(config: Config, key: str, store: LaneStore | None, transport: httpx.BaseTransport | None) -> Iterator[Verdict]:
    cycle = cycle_in_force(store.db.conn if store is not None else None, config)
    timeout = httpx.Timeout(5.0)
    with OfnClient(config.ofn_base_url, key, transport=transport, timeout=timeout, read_attempts=1) as client:
        try:  # one read proves OFN, the key (OFN answers 401 to a key it does not know) and the cycle
            client.check_cycle(cycle.order_cycle_id, config.hub_id)
            yield ("ok", "ofn", f"{config.ofn_base_url} reachable, API key accepted")
            yield ("ok", "order cycle", f"{cycle.order_cycle_id} is open")
        except OrderCycleClosed as closed:
            yield ("ok", "ofn", f"{config.ofn_base_url} reachable, API key accepted")
            yield ("fail", "order cycle", str(closed))
        except OfnError as error:
            yield ("fail", "ofn", str(error))
            return
        yield _audit(client, store, cycle.counter_order)
        if not cycle.counter_order:
            yield ("warn", "counter order", "ofn.counter_order is not set: sales wait in the box")
            return
        yield _counter_order(client, cycle.counter_order, cycle.order_cycle_id)


def _audit(client: OfnClient, store: LaneStore | None, counter_order: str) -> Verdict:
    """The orders the box changed, checked against the journal (`sync audit` gives the details)."""
    if store is None:
        return ("warn", "audit", "the store cannot be read: nothing audited (see the store's verdict)")
    try:
        found = audit(store.db.conn, client, counter_order)
    except OfnError as error:
        return ("warn", "audit", f"could not read the orders: {error}")
    if found.unexplained:
        return (
            "fail",
            "audit",
            f"{counted(found.unexplained, 'difference')} with OFN nothing explains: run `sync audit`",
        )
    return ("ok", "audit", f"{counted(len(found.orders), 'order')} in OFN as the journal says, or on their way")


def _counter_order(client: OfnClient, number: str, order_cycle_id: int) -> Verdict:
    try:
        order = client.order(number)
    except OfnError as error:
        return ("fail", "counter order", f"{number}: {error}")
    if order.order_cycle_id not in (None, order_cycle_id):
        return (
            "warn",
            "counter order",
            f"{order.number} belongs to order cycle {order.order_cycle_id}, not {order_cycle_id}:"
            " right for a long-running onsite cycle, else prepare this cycle's counter order"
            " (docs/ofn-setup.md)",
        )
    return ("ok", "counter order", f"{order.number} ({order.state})")
