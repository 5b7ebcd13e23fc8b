"""The sync daemon's loop: drain often, refresh the catalogue and pickup orders now and then.

It runs beside the till as its own process. Whatever OFN does, the loop keeps going and says
what is wrong in the status row the till shows: offline (backing off), key rejected, order cycle
closed, needs attention. It never exits on OFN's account, so systemd never sees a crash loop.

Every pass holds the store's sync lock (store/sync_lock.py), so a manager's ``sync --once`` or
``sync retry`` never runs beside it. Every pass also asks OFN whether the cycle is still open (one
small read, which also proves the key), so a closed cycle or a revoked key shows within one pass;
a key replaced in its file is read again at once, without a restart.

The loop proves it is alive through ``heartbeat``, a callback the ``sync`` command gives it (the
systemd watchdog's ping, appliance/cli/notify.py): called at every turn of the wait between passes
and between the steps of a pass, from the loop itself, so the pings stop when the loop is stuck.
Each step is bounded (every request has a deadline, the sync lock a wait), which is what lets the
unit's WatchdogSec tell a slow pass from a hung one.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from appliance.config import Config
from appliance.core.clock import Clock, parse_utc, utc_text
from appliance.core.text import agreeing, counted
from appliance.ofn.audit import audit
from appliance.ofn.client import (
    KeyRejected,
    NotAllowed,
    NotFound,
    OfnClient,
    OfnError,
    OfnUnavailable,
    OrderCycleClosed,
)
from appliance.ofn.credit import CreditPoster
from appliance.ofn.customers import refresh_customers
from appliance.ofn.refresh import refresh_catalogue, refresh_pickups
from appliance.ofn.sync import PassResult, SyncEngine
from appliance.store.cycle_choice import Cycle, current_cycle
from appliance.store.database import Database, take_over_checkpoints, write_transaction
from appliance.store.keys import ApiKeyError, load_api_key
from appliance.store.sync_lock import sync_pass
from appliance.store.sync_state import read_status, record_audit, set_status

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0
KEY_REJECTED_WAIT = 300.0  # a rejected key is tried again this often, and at once when its file changes
LOCK_WAIT_S = 30.0  # how long a pass waits for another process's pass to end
WAKE_CHECK_S = 1.0  # how often a waiting daemon looks at the key file
AUDIT_MINUTES = 24 * 60  # the orders are audited against OFN once a day


class Daemon:
    def __init__(
        self,
        config: Config,
        db: Database,
        client: OfnClient,
        clock: Clock,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        heartbeat: Callable[[], None] = lambda: None,
    ):
        self.config = config
        self.db = db
        self.client = client
        self.clock = clock
        self.monotonic = monotonic
        self.rng = rng or random.Random()
        self.heartbeat = heartbeat
        self.engine = SyncEngine(db, client, clock, config.counter_order, in_doubt_s=config.sync.get("in_doubt_s", 240))
        self.credit = CreditPoster(db, client.post_credit, clock, in_doubt_s=config.sync.get("in_doubt_s", 240))
        self.failures = 0
        self.waited_for_lock = 0.0
        self.last_unexpected: str | None = None  # the unforeseen failure of the last pass, as logged
        self.reload = threading.Event()  # set by SIGHUP: read the key file again before the next pass
        self._key_stamp = _stamp(config.api_key_file)
        take_over_checkpoints(db)  # the daemon's commits checkpoint the WAL, so no sale has to

    # -- one pass -------------------------------------------------------------------------------

    def run_once(self, *, catalogue: bool | None = None, lock_wait_s: float = LOCK_WAIT_S) -> tuple[PassResult, float]:
        """One pass under the sync lock; returns what it did and how long to wait before the next one.

        Raises SyncBusy if another process's pass does not end within ``lock_wait_s``.
        """
        with sync_pass(self.db, wait_s=lock_wait_s, monotonic=self.monotonic) as waited:
            self.waited_for_lock = waited
            try:
                done = self._pass(catalogue)
            except Exception as error:  # an unforeseen failure still says so on the screen, and the loop goes on
                self._log_unexpected(error)
                set_status(
                    self.db,
                    self.clock,
                    "attention",
                    "the last sync pass failed unexpectedly (the details are in the sync log); it tries again",
                )
                return PassResult(), self._backoff()
            self.last_unexpected = None
            return done

    def _log_unexpected(self, error: Exception) -> None:
        """The traceback the first time a failure comes, one line while the same one comes back.

        A store that went bad, or a bug that a pass meets every time, fails each pass until a person
        acts: a traceback at each of them (every minute or so, for days) would bury the log and wear
        the SD card, and say nothing the first one did not."""
        said = f"{type(error).__name__}: {error}"
        if said == self.last_unexpected:
            log.error("sync pass failed unexpectedly again: %s (its traceback is logged at its first time)", said)
        else:
            log.exception("sync pass failed unexpectedly")
        self.last_unexpected = said

    def cycle(self) -> Cycle:
        return cycle_in_force(self.db.conn, self.config)

    def _pass(self, catalogue: bool | None) -> tuple[PassResult, float]:
        self.heartbeat()
        self.reload_key_if_changed()
        config, result = self.config, PassResult()
        cycle = self.cycle()
        self.engine.counter_order = cycle.counter_order
        notes: list[str] = []
        closed: OrderCycleClosed | None = None
        try:
            try:
                self.client.check_cycle(cycle.order_cycle_id, config.hub_id)
            except OrderCycleClosed as error:
                closed = error
            self.heartbeat()
            if closed is None and (
                catalogue or (catalogue is None and self._due("catalogue_at", config.sync.get("catalogue_minutes", 15)))
            ):
                count = refresh_catalogue(self.db, self.client, self.clock, cycle.order_cycle_id, config.hub_id)
                log.info("catalogue refreshed: %d variants", count)
                self.heartbeat()
            if not cycle.counter_order:
                notes.append(
                    "no counter order is set (ofn.counter_order): sales wait in the box; see docs/ofn-setup.md"
                )
            else:
                result = self.engine.drain()
                self.heartbeat()
            credits = self.credit.drain()  # payments by customer credit: not tied to the counter order
            result.parked += credits.parked
            self.heartbeat()
            if cycle.counter_order:
                if closed is None and self._due("pickup_at", config.sync.get("pickup_minutes", 2)):
                    refresh_pickups(
                        self.db,
                        self.client,
                        self.clock,
                        cycle.order_cycle_id,
                        config.hub_id,
                        skip={cycle.counter_order, *cycle.other_counter_orders},
                    )
            if self._due("customers_at", config.sync.get("customers_minutes", 60)):
                self._refresh_customers()
        except KeyRejected as rejected:
            return self._key_rejected(str(rejected))
        except NotAllowed as refused:
            set_status(self.db, self.clock, "attention", str(refused))
            return result, KEY_REJECTED_WAIT
        except NotFound as missing:
            set_status(
                self.db,
                self.clock,
                "attention",
                f"{missing.message}: check ofn.counter_order and the order cycle (`ofn-checkout cycle list`)",
            )
            return result, self._backoff()
        except OfnError as error:
            if not error.transient:
                log.warning("sync pass: %s", error)
                set_status(self.db, self.clock, "attention", str(error))
                return result, self._backoff()
            set_status(self.db, self.clock, "offline", str(error))
            return result, self._backoff(error)
        if result.errors:
            set_status(self.db, self.clock, "offline", result.errors[0])
            return result, self._backoff()
        self.failures = 0
        if cycle.counter_order and self._due("audit_at", AUDIT_MINUTES):
            found = audit(self.db.conn, self.client, cycle.counter_order)
            record_audit(self.db, self.clock, found.unexplained)
            log.info("daily audit against OFN: %s", counted(found.unexplained, "unexplained difference"))
        unexplained = self.db.conn.execute("SELECT audit_unexplained FROM sync_status").fetchone()[0]
        if unexplained:
            notes.append(
                f"the audit found {counted(unexplained, 'difference')} with OFN that nothing explains:"
                " run `ofn-checkout sync audit`"
            )
        attention = read_status(self.db.conn, self.clock.now()).attention  # the count `sync status` shows
        if attention:
            notes.insert(
                0,
                f"{counted(attention, 'sale')} {agreeing(attention, 'needs', 'need')} attention:"
                " see `ofn-checkout sync status`",
            )
        if closed is not None:
            state, notes = "cycle_closed", [f"{closed}; sales still reach the counter order", *notes]
        else:
            state = "attention" if notes else "online"
        set_status(self.db, self.clock, state, "; ".join(notes), success=True)
        return result, float(config.sync.get("interval_s", 5))

    def _refresh_customers(self) -> None:
        """The hub's customers, for invoices at the counter; after the sales, never before them.

        OFN out of reach is the pass's failure as for the catalogue (offline, tried again soon).
        Any other refusal (a hub user who may not list customers, a customer OFN sends wrong) is
        recorded for `sync status` and tried again after ``sync.customers_minutes``: invoices go on
        with the list as it was and with customers typed at the counter.
        """
        try:
            kept, left_out = refresh_customers(self.db, self.client.customer_pages(self.config.hub_id), self.clock)
        except OfnError as error:
            if error.transient or isinstance(error, KeyRejected):
                raise
            log.warning("the hub's customers could not be read from OFN: %s", error)
            with write_transaction(self.db) as connection:
                connection.execute(
                    "UPDATE sync_status SET customers_at = ?, customers_problem = ?",
                    (utc_text(self.clock.now()), str(error)),
                )
            return
        log.info("customers refreshed: %d kept, %d left out (see the warnings above)", kept, left_out)

    def _key_rejected(self, why: str) -> tuple[PassResult, float]:
        set_status(
            self.db,
            self.clock,
            "key_rejected",
            f"{why}: put the hub manager's current key in {self.config.api_key_file} (docs/ofn-setup.md);"
            " the box reads it again at once",
        )
        log.warning("%s", why)
        return PassResult(), KEY_REJECTED_WAIT

    def _due(self, column: str, minutes: int) -> bool:
        row = self.db.conn.execute(f"SELECT {column}, refresh_requested FROM sync_status").fetchone()  # noqa: S608
        if row[0] is None or (column == "catalogue_at" and row[1]):
            return True
        return (self.clock.now() - parse_utc(row[0])).total_seconds() >= minutes * 60

    def _backoff(self, error: OfnError | None = None) -> float:
        """Full jitter, so that boxes that lost the same network do not all come back in step.

        Never sooner than OFN asked (Retry-After on 429/503), when it said.
        """
        self.failures += 1
        wait = self.rng.uniform(0, min(MAX_BACKOFF, 2.0**self.failures))
        asked = error.retry_after if isinstance(error, OfnUnavailable) else None
        return max(wait, float(asked)) if asked else wait

    # -- the key file -----------------------------------------------------------------------------

    def key_file_changed(self) -> bool:
        return self.reload.is_set() or _stamp(self.config.api_key_file) != self._key_stamp

    def reload_key_if_changed(self) -> bool:
        """Read the key file again if it changed (or SIGHUP asked); True if a new key is in use."""
        if not self.key_file_changed():
            return False
        self.reload.clear()
        self._key_stamp = _stamp(self.config.api_key_file)
        try:
            self.client.use_key(load_api_key(self.config.api_key_file))
        except ApiKeyError as problem:
            log.warning("the API key file cannot be used: %s", problem)
            return False
        log.info("API key read again from %s", self.config.api_key_file)
        return True

    # -- the loop ---------------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                _, wait = self.run_once()
            except Exception as exc:  # SyncBusy (a manager's pass) or the store itself failing
                log.info("no pass this time: %s", exc)
                wait = float(self.config.sync.get("interval_s", 5))
            self._wait(stop, wait)

    def _wait(self, stop: threading.Event, seconds: float) -> None:
        """Sleep until the next pass, but wake at once for a new key: a manager is waiting on it."""
        deadline = self.monotonic() + seconds
        while not stop.is_set():
            self.heartbeat()
            left = deadline - self.monotonic()
            if left <= 0 or self.key_file_changed():
                return
            stop.wait(min(WAKE_CHECK_S, left))


def cycle_in_force(conn: sqlite3.Connection | None, config: Config) -> Cycle:
    """The cycle and counter order the daemon follows: a manager's `cycle use`, else the config's."""
    configured = Cycle(config.order_cycle_id, config.counter_order, tuple(config.other_counter_orders))
    return current_cycle(conn, configured)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells that a file was replaced or rewritten (editors replace, `echo >` rewrites)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)
