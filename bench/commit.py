"""Cost of completing a sale against the fsync floor, measured in the same run.

The floor is one bare INSERT + COMMIT under the store's own pragmas (WAL, synchronous=FULL): the
price of making anything durable on this disk. Two costs of a sale are measured against it:

- the store transaction: BEGIN IMMEDIATE, check the shift, seal the sale into the journal, queue
  its outbox row, COMMIT (what the disk and the database must do);
- ``Till.complete``: all of the above plus freezing the sale in progress (totals, VAT breakdown,
  payments), i.e. what the cashier waits for after the last key press.

A fourth line, "the sale's rows alone", writes the same rows as a sale (a journal entry of the same
size, the anchor, the outbox row) into a store of its own with every value prepared beforehand:
no reads, no Python work. It is the least any code writing those rows could cost on this disk,
so it tells how much of the gap to the floor is the code's and how much is the rows' own.

The four are interleaved one by one, each going first in turn, so that all see the same disk
weather; the baskets of a round of 100 are filled before it, outside the timings.

Checkpoints: on the box the sync daemon's connection checkpoints the WAL after its own commits,
so no sale does. Here a stand-in for the daemon (its connection, its status write) takes its turn
every 100 sales, outside the timings; ``--checkpoints`` shows the other cases. Each timed sale is
checked for having run a checkpoint itself (the database file grew during it), and those are
counted, so a p99 that moved says why.

    .venv/bin/python bench/commit.py [--sales 5000] [--lines 4] [--checkpoints daemon|fallback|sale]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import quantiles  # noqa: E402  (bench/, the script's own folder)

from appliance.cli.demo import demo_config_text, demo_variants  # noqa: E402
from appliance.config import parse  # noqa: E402
from appliance.core.clock import SteppingClock  # noqa: E402
from appliance.core.ids import uuid7  # noqa: E402
from appliance.core.money import from_cents  # noqa: E402
from appliance.core.sale import PricedBy, Sale  # noqa: E402
from appliance.store.catalogue import upsert_variants  # noqa: E402
from appliance.store.database import (  # noqa: E402
    BUSY_TIMEOUT_MS,
    DAEMON_CHECKPOINT_PAGES,
    open_store,
    take_over_checkpoints,
    write_transaction,
)
from appliance.store.journal import tip  # noqa: E402
from appliance.store.sales import record_sale  # noqa: E402
from appliance.store.shifts import current_shift  # noqa: E402
from appliance.store.sync_state import set_status  # noqa: E402
from appliance.till import Till  # noqa: E402

CHECKPOINTS = {
    "daemon": "the sync daemon checkpoints after its own commits (as on the box)",
    "fallback": "no daemon: the till checkpoints at the store's fallback size",
    "sale": f"no daemon, the till at SQLite's default ({DAEMON_CHECKPOINT_PAGES} pages): the store before",
}
DAEMON_EVERY = 100


def floor_connection(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    return connection


def floor_once(connection: sqlite3.Connection) -> float:
    start = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO t (v) VALUES (?)", ("x" * 64,))
    connection.execute("COMMIT")
    return time.perf_counter() - start


def rows_connection(path: Path) -> sqlite3.Connection:
    """A store with the till's schema and pragmas, for writing a sale's rows with nothing else."""
    connection = open_store(path).conn
    connection.isolation_level = None
    return connection


def rows_once(connection: sqlite3.Connection, seq: int, payload: str) -> float:
    ref, at, hashes = uuid7(), "2026-03-02T08:00:00.000000+00:00", os.urandom(96).hex()
    entry = (seq, "sale", ref, at, payload, hashes[:64], hashes[64:128])
    anchor = (seq, hashes[64:128], hashes[128:])
    outbox = (seq, "sale", payload[:200], at, at)
    start = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO journal (seq, lane_id, kind, ref, created_at, payload, prev_hash, hash)"
        " VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
        entry,
    )
    connection.execute(
        "INSERT INTO journal_anchor (lane_id, seq, hash, mac) VALUES (1, ?, ?, ?)"
        " ON CONFLICT (lane_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
        anchor,
    )
    connection.execute(
        "INSERT INTO outbox (journal_seq, kind, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", outbox
    )
    connection.execute("COMMIT")
    return time.perf_counter() - start


def basket(till: Till, rng: random.Random, lines: int, variants: list) -> Sale:
    sale = till.new_sale("Bench")
    for _ in range(lines):
        variant = rng.choice(variants)
        if variant.priced_by is PricedBy.WEIGHT:
            sale.add_weighed(till.item(variant.id), rng.randint(100, 2000))
        else:
            sale.add(till.item(variant.id), rng.randint(1, 3))
    sale.tender(till.payment("cash"), from_cents(sale.totals().total + 500))
    return sale


def store_transaction(till: Till, sale: Sale) -> float:
    """What ``Till.complete`` does once the sale is frozen, timed alone."""
    frozen = sale.complete(till.clock.now())
    start = time.perf_counter()
    with write_transaction(till.db) as connection:
        shift = current_shift(connection, till.lane.id)
        assert shift is not None
        record_sale(connection, till.key, frozen, shift.id, tip(connection))
    return time.perf_counter() - start


def complete(till: Till, sale: Sale) -> float:
    start = time.perf_counter()
    till.complete(sale)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sales", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=4)
    parser.add_argument("--checkpoints", choices=CHECKPOINTS, default="daemon")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        floor_db = floor_connection(work / "floor.db")
        rows_db = rows_connection(work / "rows.db")
        config = parse(demo_config_text())
        clock = SteppingClock(datetime(2026, 3, 2, 8, tzinfo=UTC))
        till = Till.create(config, work / "till.db", clock=clock)
        if args.checkpoints == "sale":
            till.connection.execute(f"PRAGMA wal_autocheckpoint = {DAEMON_CHECKPOINT_PAGES}")
        daemon = open_store(work / "till.db")
        take_over_checkpoints(daemon)
        with write_transaction(till.db) as connection:
            upsert_variants(connection, demo_variants(), clock.now())
        variants = demo_variants()
        till.open_shift("Bench", Decimal("100"))
        rng = random.Random(1)

        def daemons_turn() -> None:
            if args.checkpoints == "daemon":
                set_status(daemon, clock, "online", success=True)
                rows_db.execute("PRAGMA wal_checkpoint(PASSIVE)")  # its WAL starts over as the till's does

        sale_paths: dict[str, Callable[[Till, Sale], float]] = {"transaction": store_transaction, "complete": complete}
        times: dict[str, list[float]] = {"floor": [], "rows": [], "transaction": [], "complete": []}
        checkpointed = dict.fromkeys(sale_paths, 0)
        for _ in range(50):  # warm-up of every path
            floor_once(floor_db)
            for measure in sale_paths.values():
                clock.advance(1)
                measure(till, basket(till, rng, args.lines, variants))
        payload = till.connection.execute("SELECT payload FROM journal ORDER BY seq DESC LIMIT 1").fetchone()[0]
        rows_seq = 0
        for _ in range(50):
            rows_seq += 1
            rows_once(rows_db, rows_seq, payload)
        daemons_turn()
        order = ["floor", "rows", *sale_paths]
        for round_start in range(0, args.sales, DAEMON_EVERY):
            size = min(DAEMON_EVERY, args.sales - round_start)
            baskets = {name: [basket(till, rng, args.lines, variants) for _ in range(size)] for name in sale_paths}
            for index in range(size):
                turn = index % len(order)
                for name in order[turn:] + order[:turn]:  # each goes first in turn
                    if name == "floor":
                        times["floor"].append(floor_once(floor_db))
                        continue
                    if name == "rows":
                        rows_seq += 1
                        times["rows"].append(rows_once(rows_db, rows_seq, payload))
                        continue
                    clock.advance(1)
                    before = (work / "till.db").stat().st_size
                    times[name].append(sale_paths[name](till, baskets[name][index]))
                    checkpointed[name] += (work / "till.db").stat().st_size != before
            daemons_turn()
        daemon.close()
        till.close()
        floor_db.close()
        rows_db.close()
    floor_median, floor_p99 = quantiles(times["floor"])
    print(f"checkpoints: {CHECKPOINTS[args.checkpoints]}")
    print(f"{'':34} {'median':>9} {'p99':>9}   ratio to floor (median, p99)")
    for label, key in (
        ("fsync floor: INSERT + COMMIT", "floor"),
        ("the sale's rows alone", "rows"),
        (f"store transaction ({args.lines}-line sale)", "transaction"),
        (f"Till.complete ({args.lines}-line sale)", "complete"),
    ):
        median, p99 = quantiles(times[key])
        ratios = f"{median / floor_median:5.2f}×  {p99 / floor_p99:5.2f}×"
        ran = f"   {checkpointed[key]} ran a checkpoint" if key in checkpointed else ""
        print(f"{label:34} {median * 1e6:7.0f}µs {p99 * 1e6:7.0f}µs   {ratios}{ran}")
    print(f"n = {len(times['floor'])} each; target: median ≤ 1.50× the floor")


if __name__ == "__main__":
    main()
