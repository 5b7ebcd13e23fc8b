"""A new store's till as most tests start from it: the demo catalogue read in, a shift open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from appliance.cli.demo import demo_variants
from appliance.config import Config
from appliance.core.clock import Clock
from appliance.store.catalogue import upsert_variants
from appliance.store.database import write_transaction
from appliance.till import Till


@contextmanager
def demo_till(config: Config, clock: Clock, *, cashier: str = "Alice", cash_float: str = "100.00") -> Iterator[Till]:
    """A till on a new store at the config's path, closed when the block ends (a context manager,
    so a hypothesis test, which cannot take the function-scoped ``till`` fixture, makes one too)."""
    till = Till.create(config, clock=clock)
    try:
        with write_transaction(till.db) as connection:
            upsert_variants(connection, demo_variants(), clock.now())
        till.open_shift(cashier, Decimal(cash_float))
        yield till
    finally:
        till.close()
