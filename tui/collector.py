"""Python's full collections between customers, not in the middle of a sale.

Textual makes garbage in cycles: every screen a sale opens (payment, receipt choice) is a tree of
widgets that point at each other, and the rendered lines keep caches that point back at them. Only
the cyclic collector frees those, and they live long enough to reach its oldest generation, so
they pile up there until a full collection, which Python starts by itself when that generation has
grown by a quarter. Measured in ``bench/counter_scan.py`` with the collector traced
(docs/benchmarks.md): a full collection every ~10 s of brisk scanning, freeing 15,000-24,000
objects, each 28-135 ms, which is the scan that happened to come then: the scan's p99.

So when a sale (a return, a hand-over) is done and the sale screen is back, the counter collects
once, ``SETTLE`` seconds after that screen is drawn: the garbage of one sale, a few milliseconds,
while the customer takes the change and the next one steps up. If the next customer's first item
is already in by then, the collection waits for the end of that sale. Python's own full
collections stay on as they are: a long sale still gets one when it needs it.

Like ``freeze_start_up``, this acts on the whole process, so only ``run`` and the demo ask for it.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

log = logging.getLogger(__name__)

#: Seconds from the sale screen's return to the collection: its frame is out first.
SETTLE = 0.05


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic collector paused for the block, and started again after it if it was on: what
    a start-up builds lives as long as the process, so walking it meanwhile is wasted
    (``freeze_start_up`` in tui/app.py then leaves it out of every later collection)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class Timers(Protocol):
    def set_timer(self, delay: float, callback: Callable[[], object]) -> object: ...


class BetweenCustomers:
    """Collects once after each sale, unless the next one has begun (``busy``)."""

    def __init__(self, timers: Timers, busy: Callable[[], bool], *, enabled: bool):
        self.timers = timers
        self.busy = busy
        self.enabled = enabled
        self.collections = 0
        self.last_took: float | None = None  # seconds the last one took (the diagnostics may show it)

    def sale_done(self) -> None:
        if self.enabled:
            self.timers.set_timer(SETTLE, self._collect)

    def _collect(self) -> None:
        if self.busy():  # the next customer's first item is in: that sale's end collects
            return
        started = time.perf_counter()
        freed = gc.collect()
        self.last_took = time.perf_counter() - started
        self.collections += 1
        log.debug("collected %d objects between customers in %.1f ms", freed, self.last_took * 1e3)
