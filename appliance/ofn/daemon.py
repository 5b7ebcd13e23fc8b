"""The sync daemon's loop: drain often, refresh the catalogue and pickup orders now and then.

It runs beside the till as its own process. Whatever OFN does, the loop keeps going and says
what is wrong in the status row the till shows: offline (backing off), key rejected, order cycle
closed, needs attention. It never exits on OFN's account, so systemd never sees a crash loop.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from sqlite_utils import Database

from appliance.config import Config
from appliance.core.clock import Clock, parse_utc
from appliance.ofn.client import KeyRejected, NotAllowed, OfnClient, OfnError, OrderCycleClosed
from appliance.ofn.refresh import refresh_catalogue, refresh_pickups
from appliance.ofn.sync import PassResult, SyncEngine
from appliance.store.database import take_over_checkpoints
from appliance.store.sync_state import OPEN_ROWS, set_status

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0
KEY_REJECTED_WAIT = 300.0


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
    ):
        self.config = config
        self.db = db
        self.client = client
        self.clock = clock
        self.monotonic = monotonic
        self.rng = rng or random.Random()
        self.engine = SyncEngine(db, client, clock, config.counter_order)
        self.failures = 0
        take_over_checkpoints(db)  # the daemon's commits checkpoint the WAL, so no sale has to

    def _due(self, column: str, minutes: int) -> bool:
        row = self.db.conn.execute(f"SELECT {column}, refresh_requested FROM sync_status").fetchone()
        if row[0] is None or (column == "catalogue_at" and row[1]):
            return True
        return (self.clock.now() - parse_utc(row[0])).total_seconds() >= minutes * 60

    def run_once(self, *, catalogue: bool | None = None) -> tuple[PassResult, float]:
        """One pass; returns what it did and how long to wait before the next one."""
        config, result = self.config, PassResult()
        notes: list[str] = []
        try:
            if catalogue or (catalogue is None and self._due("catalogue_at", config.sync.get("catalogue_minutes", 15))):
                try:
                    count = refresh_catalogue(self.db, self.client, self.clock, config.order_cycle_id, config.hub_id)
                    log.info("catalogue refreshed: %d variants", count)
                except OrderCycleClosed as closed:
                    notes.append(str(closed))
            if not config.counter_order:
                notes.append("no counter order set (ofn.counter_order): sales wait in the box, see docs/ofn-setup.md")
            else:
                result = self.engine.drain()
                if self._due("pickup_at", config.sync.get("pickup_minutes", 2)):
                    refresh_pickups(
                        self.db,
                        self.client,
                        self.clock,
                        config.order_cycle_id,
                        config.hub_id,
                        skip={config.counter_order, *config.other_counter_orders},
                    )
        except KeyRejected as rejected:
            set_status(self.db, self.clock, "key_rejected", str(rejected))
            log.warning("%s", rejected)
            return result, KEY_REJECTED_WAIT
        except NotAllowed as refused:
            set_status(self.db, self.clock, "attention", str(refused))
            return result, KEY_REJECTED_WAIT
        except OfnError as error:
            if not error.transient:
                log.exception("sync pass failed")
                set_status(self.db, self.clock, "attention", str(error))
                return result, self._backoff()
            set_status(self.db, self.clock, "offline", str(error))
            return result, self._backoff()
        if result.errors:
            set_status(self.db, self.clock, "offline", result.errors[0])
            return result, self._backoff()
        self.failures = 0
        attention = self.db.conn.execute(
            f"SELECT count(*) FROM outbox WHERE {OPEN_ROWS} AND status = 'attention'"
        ).fetchone()[0]
        if attention:
            notes.insert(0, f"{attention} sale(s) need attention: see `ofn-checkout sync status`")
        state = "attention" if notes else "online"
        set_status(self.db, self.clock, state, "; ".join(notes), success=True)
        return result, float(config.sync.get("interval_s", 5))

    def _backoff(self) -> float:
        """Full jitter: boxes that lost the same network do not all come back in step."""
        self.failures += 1
        return self.rng.uniform(0, min(MAX_BACKOFF, 2.0**self.failures))

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                _, wait = self.run_once()
            except Exception:
                log.exception("sync pass failed unexpectedly")
                wait = self._backoff()
            stop.wait(wait)
