"""Cost of completing a sale against the fsync floor, measured in the same run.

The floor is one bare INSERT + COMMIT under the store's own pragmas (WAL, synchronous=FULL): the
price of making anything durable on this disk. Two costs of a sale are measured against it:

- the store transaction: BEGIN IMMEDIATE, check the shift, seal the sale into the journal, queue
  its outbox row, COMMIT (what the disk and the database must do);
- ``Till.complete``: all of the above plus freezing the sale in progress (totals, VAT breakdown,
  payments) and the head witness checked before the COMMIT, i.e. what the cashier waits for after
  the last key press. As at the counter, the witness is renewed once the call has returned (the
  counter's idle moment, ``Till.renew_witness_later``): that renewal is timed apart, outside the sale.

A fourth line, "the sale's rows alone", writes the same rows as a sale (a journal entry of the same
size, the anchor, the outbox row) into a store of its own with every value prepared beforehand:
no reads, no Python work. It is the least any code writing those rows could cost on this disk,
so it tells how much of the gap to the floor is the code's and how much is the rows' own.

A fifth, "Till.complete, no head witness", is a till on a store of its own whose key has no witness
beside it: the difference from ``Till.complete`` is what the witness costs a sale, in place.

``--against OTHER`` also times ``Till.complete`` of another checkout of the project (e.g. the
commit before a change, unpacked with its own ``.venv``) in the same run, and of this one the same
way: each in a process of its own (this script, run on that checkout's code), on a store of its
own on the same disk, one sale of each in turn with the other paths. So both see the same disk
weather and the same machine load, which runs made one after the other do not; and both wait for
their turn as a till waits for a key press, so neither is favoured by running right after itself.

The paths are interleaved one by one, each going first in turn and every other time in the
reverse order (so that no path always runs right after the same one), so that all see the same
disk weather; the baskets of a round of 100 are filled before it, outside the timings.

Checkpoints: on the box the sync daemon's connection checkpoints the WAL after its own commits,
so no sale does. Here a stand-in for the daemon (its connection, its status write) takes its turn
every 100 sales, outside the timings; ``--checkpoints`` shows the other cases. Each timed sale is
checked for having run a checkpoint itself (the database file grew during it), and those are
counted, so a p99 that moved says why.

    .venv/bin/python bench/commit.py [--sales 5000] [--lines 4] [--checkpoints daemon|fallback|sale]
                                     [--against OTHER-CHECKOUT]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

#: The checkout whose code is timed: this one, or (in a Follower's process) the one it was started on.
ROOT = Path(os.environ.get("OFN_BENCH_ROOT") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))

from figures import quantiles  # noqa: E402  (bench/, the script's own folder)

import appliance  # noqa: E402
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
SALE_PATHS = ("transaction", "complete", "plain")


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
    moved = connection.execute("UPDATE journal_anchor SET seq = ?, hash = ?, mac = ? WHERE lane_id = 1", anchor)
    if not moved.rowcount:  # as the journal's append does
        connection.execute("INSERT INTO journal_anchor (lane_id, seq, hash, mac) VALUES (1, ?, ?, ?)", anchor)
    connection.execute(
        "INSERT INTO outbox (journal_seq, kind, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", outbox
    )
    connection.execute("COMMIT")
    return time.perf_counter() - start


class Shop:
    """A till on a store of its own, with the sync daemon's stand-in beside it."""

    def __init__(self, path: Path, clock: SteppingClock, checkpoints: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        create = getattr(Till, "create", Till.open)  # before issue 12, Till.open set a store up
        self.till = create(parse(demo_config_text()), path, clock=clock)
        if checkpoints == "sale":
            self.till.connection.execute(f"PRAGMA wal_autocheckpoint = {DAEMON_CHECKPOINT_PAGES}")
        self.daemon = open_store(path)
        take_over_checkpoints(self.daemon)
        with write_transaction(self.till.db) as connection:
            upsert_variants(connection, demo_variants(), clock.now())
        self.till.open_shift("Bench", Decimal("100"))
        self.checkpoints, self.clock = checkpoints, clock
        # As the counter does, the witness renewed after the call (a checkout from before that
        # renews it inside the call).
        self.renewals: list[Callable[[], None]] = []
        self.renewal_times: list[float] = []
        if hasattr(self.till, "renew_witness_later"):
            self.till.renew_witness_later(self.renewals.append)

    def daemons_turn(self) -> None:
        if self.checkpoints == "daemon":
            set_status(self.daemon, self.clock, "online", success=True)

    def timed(self, measure: Callable[[Till, Sale], float], till: Till, sale: Sale) -> tuple[float, bool]:
        """One sale's time, and whether it ran a checkpoint itself (the database file grew)."""
        self.clock.advance(1)
        before = self.path.stat().st_size
        seconds = measure(till, sale)
        grew = self.path.stat().st_size != before
        if self.renewals:  # the counter's idle moment, once the sale is on the screen
            start = time.perf_counter()
            while self.renewals:
                self.renewals.pop()()
            self.renewal_times.append(time.perf_counter() - start)
        return seconds, grew

    def close(self) -> None:
        self.daemon.close()
        self.till.close()


def without_witness(till: Till) -> Till:
    """The same store as a till whose key has no head witness beside it (as before issue 12)."""
    return Till(till.db, till.key, till.lane, zone=till.zone, vat=till.vat, payments=till.payments, clock=till.clock)


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


class Follower:
    """A till of ``--against`` in a process of its own: this script, run on a checkout's code."""

    def __init__(self, checkout: Path, args: argparse.Namespace):
        self.checkout = checkout
        python = checkout / ".venv" / "bin" / "python"
        command = [str(python if python.exists() else sys.executable), __file__, "--follow"]
        command += ["--lines", str(args.lines), "--checkpoints", args.checkpoints]
        environment = dict(os.environ, OFN_BENCH_ROOT=str(checkout.resolve()))
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment
        )
        self.code = self._ask("")  # where its appliance package was imported from

    def _ask(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        if command:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"the till process of {self.checkout} stopped (exit {self.process.wait()})")
        return answer.strip()

    def fill(self, size: int) -> None:
        self._ask(f"fill {size}")

    def sell(self, index: int) -> tuple[float, bool]:
        seconds, ran = self._ask(f"sell {index}").split()
        return float(seconds), ran == "1"

    def daemons_turn(self) -> None:
        self._ask("daemon")

    def close(self) -> None:
        self._ask("quit")
        self.process.wait()


def follow(args: argparse.Namespace) -> None:
    """Answer the leader's commands, one line each, on this checkout's code (OFN_BENCH_ROOT)."""
    with tempfile.TemporaryDirectory() as directory:
        clock = SteppingClock(datetime(2026, 3, 2, 8, tzinfo=UTC))
        shop = Shop(Path(directory) / "till.db", clock, args.checkpoints)
        variants, rng = demo_variants(), random.Random(2)
        for _ in range(50):  # warm-up
            shop.timed(complete, shop.till, basket(shop.till, rng, args.lines, variants))
        print(Path(appliance.__file__).parent, flush=True)
        baskets: list[Sale] = []
        for line in sys.stdin:
            command, *rest = line.split()
            if command == "fill":
                baskets = [basket(shop.till, rng, args.lines, variants) for _ in range(int(rest[0]))]
                answer = "ok"
            elif command == "sell":
                seconds, ran = shop.timed(complete, shop.till, baskets[int(rest[0])])
                answer = f"{seconds!r} {int(ran)}"
            elif command == "daemon":
                shop.daemons_turn()
                answer = "ok"
            else:
                break
            print(answer, flush=True)
        shop.close()
    print("bye", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sales", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=4)
    parser.add_argument("--checkpoints", choices=CHECKPOINTS, default="daemon")
    parser.add_argument("--against", type=Path, help="another checkout whose Till.complete is timed alongside")
    parser.add_argument("--follow", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.follow:
        follow(args)
        return
    followers = {"here": Follower(ROOT, args), "other": Follower(args.against, args)} if args.against else {}
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        floor_db = floor_connection(work / "floor.db")
        rows_db = rows_connection(work / "rows.db")
        clock = SteppingClock(datetime(2026, 3, 2, 8, tzinfo=UTC))
        # Each sale path on a store of its own: the store transaction alone writes entries without
        # the head witness, which would leave the witness of Till.complete's store behind, so that
        # its check would read the journal once more, which no till does.
        shops = {name: Shop(work / name / "till.db", clock, args.checkpoints) for name in SALE_PATHS}
        till = shops["complete"].till
        variants = demo_variants()
        rng = random.Random(1)

        def daemons_turn() -> None:
            for shop in shops.values():
                shop.daemons_turn()
            if args.checkpoints == "daemon":
                rows_db.execute("PRAGMA wal_checkpoint(PASSIVE)")  # its WAL starts over as the till's does
            for follower in followers.values():
                follower.daemons_turn()

        sale_paths: dict[str, tuple[Shop, Till, Callable[[Till, Sale], float]]] = {
            "transaction": (shops["transaction"], shops["transaction"].till, store_transaction),
            "complete": (shops["complete"], till, complete),
            "plain": (shops["plain"], without_witness(shops["plain"].till), complete),
        }
        times: dict[str, list[float]] = {"floor": [], "rows": [], **{name: [] for name in sale_paths}}
        checkpointed = dict.fromkeys(sale_paths, 0)
        for name in followers:
            times[name], checkpointed[name] = [], 0
        for _ in range(50):  # warm-up of every path
            floor_once(floor_db)
            for owner, path_till, measure in sale_paths.values():
                owner.timed(measure, path_till, basket(path_till, rng, args.lines, variants))
        payload = till.connection.execute("SELECT payload FROM journal ORDER BY seq DESC LIMIT 1").fetchone()[0]
        rows_seq = 0
        for _ in range(50):
            rows_seq += 1
            rows_once(rows_db, rows_seq, payload)
        daemons_turn()
        order = list(times)
        for round_start in range(0, args.sales, DAEMON_EVERY):
            size = min(DAEMON_EVERY, args.sales - round_start)
            baskets = {
                name: [basket(path_till, rng, args.lines, variants) for _ in range(size)]
                for name, (_, path_till, _) in sale_paths.items()
            }
            for follower in followers.values():
                follower.fill(size)
            for index in range(size):
                turn = index % len(order)
                # Each goes first in turn, and every other time the order is reversed: otherwise a
                # path always runs right after the same one (measured: this checkout against
                # itself, 1.014-1.027 for the follower that always came first).
                rotated = order[turn:] + order[:turn]
                for name in rotated if index // len(order) % 2 == 0 else rotated[::-1]:
                    if name == "floor":
                        times["floor"].append(floor_once(floor_db))
                        continue
                    if name == "rows":
                        rows_seq += 1
                        times["rows"].append(rows_once(rows_db, rows_seq, payload))
                        continue
                    if name in followers:
                        seconds, ran = followers[name].sell(index)
                    else:
                        owner, path_till, measure = sale_paths[name]
                        seconds, ran = owner.timed(measure, path_till, baskets[name][index])
                    times[name].append(seconds)
                    checkpointed[name] += ran
            daemons_turn()
        times["renewal"] = shops["complete"].renewal_times[50:]  # after the warm-up
        for shop in shops.values():
            shop.close()
        floor_db.close()
        rows_db.close()
    for follower in followers.values():
        follower.close()
    report(args, times, checkpointed, followers)


def report(
    args: argparse.Namespace,
    times: dict[str, list[float]],
    checkpointed: dict[str, int],
    followers: dict[str, Follower],
) -> None:
    floor_median, floor_p99 = quantiles(times["floor"])
    print(f"checkpoints: {CHECKPOINTS[args.checkpoints]}")
    print(f"{'':40} {'median':>9} {'p99':>9}   ratio to floor (median, p99)")
    lines = [
        ("fsync floor: INSERT + COMMIT", "floor"),
        ("the sale's rows alone", "rows"),
        (f"store transaction ({args.lines}-line sale)", "transaction"),
        (f"Till.complete ({args.lines}-line sale)", "complete"),
        ("Till.complete, no head witness", "plain"),
    ]
    if followers:
        lines.append(("Till.complete, own process (this one)", "here"))
        lines.append(("Till.complete, own process (the other)", "other"))
    for label, key in lines:
        median, p99 = quantiles(times[key])
        ratios = f"{median / floor_median:5.2f}×  {p99 / floor_p99:5.2f}×"
        ran = f"   {checkpointed[key]} ran a checkpoint" if key in checkpointed else ""
        print(f"{label:40} {median * 1e6:7.0f}µs {p99 * 1e6:7.0f}µs   {ratios}{ran}")
    complete_median = quantiles(times["complete"])[0]
    witness = complete_median - quantiles(times["plain"])[0]
    print(f"the head witness: {witness * 1e6:+.0f}µs a sale at the median ({witness / floor_median:+.2f}× the floor)")
    if times["renewal"]:
        median, p99 = quantiles(times["renewal"])
        print(
            f"  and its renewal after the call (the counter's idle moment): {median * 1e6:.0f}µs, p99 {p99 * 1e6:.0f}µs"
        )
    if followers:
        print(f"this checkout: {followers['here'].code}; the other: {followers['other'].code}")
        ratio = quantiles(times["here"])[0] / quantiles(times["other"])[0]
        print(f"Till.complete in a process of its own, this checkout / the other (medians): {ratio:.3f}")
    print(f"n = {len(times['floor'])} each; target: median ≤ 1.50× the floor")


if __name__ == "__main__":
    main()
