"""Searching the box's customer list as the cashier types, against a primary-key read of one customer.

Builds a store with 10,000 OFN customers (French first and last names, e-mails, codes, addresses)
and a few hundred typed at the counter, written the way the sync daemon writes them (pages of 100,
one transaction each; the longest transaction is printed: what a sale could wait behind). Then
times the searches a cashier makes: the first letters of a name, a full name, an e-mail part, a
code, a word in no customer, an empty search (the recent ones), interleaved with the baseline
``SELECT … FROM customer WHERE id = ?`` so both see the same machine.

    .venv/bin/python bench/customer_search.py [--customers 10000] [--rounds 300]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import quantiles  # noqa: E402  (bench/, the script's own folder)

from appliance.core.customer import Customer, customer  # noqa: E402
from appliance.store import customers as customer_list  # noqa: E402
from appliance.store.database import open_store, write_transaction  # noqa: E402

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
FIRST = ["Camille", "Louis", "Emma", "Hugo", "Léa", "Jules", "Chloé", "Lucas", "Inès", "Arthur", "Manon", "Paul",
         "Zoé", "Théo", "Élodie", "Gaël", "Maëlle", "Noé", "Anaïs", "Loïc"]  # fmt: skip
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent",
        "Fournier"]  # fmt: skip
TOWNS = ["79000 Niort", "79180 Chauray", "17000 La Rochelle", "86000 Poitiers", "79410 Échiré"]


def people(count: int, rng: random.Random) -> list[Customer]:
    found = []
    for n in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        found.append(
            customer(
                f"{first} {last}",
                [f"{rng.randint(1, 120)} rue {rng.choice(LAST)}", rng.choice(TOWNS), "France"],
                email=f"{first.lower()}.{last.lower()}{n}@example.org".replace("é", "e").replace("ë", "e"),
                code=f"C{n:05d}",
                ofn_id=n,
            )
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as directory:
        db = open_store(Path(directory) / "bench.db")
        everyone = people(args.customers, rng)
        longest = 0.0
        for start in range(0, len(everyone), 100):
            began = time.perf_counter()
            with write_transaction(db) as connection:
                customer_list.upsert_ofn_customers(connection, everyone[start : start + 100], NOW)
            longest = max(longest, time.perf_counter() - began)
        with write_transaction(db) as connection:
            for n in range(300):
                customer_list.remember(connection, customer(f"Counter customer {n}", [rng.choice(TOWNS)]), NOW)
        print(f"{args.customers} OFN customers written in pages of 100: longest transaction {longest * 1000:.2f} ms")
        queries = {
            "3 letters of a name": lambda: rng.choice(LAST)[:3],
            "first and last name": lambda: f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "part of an e-mail": lambda: f"{rng.randint(1, args.customers)}@exa",
            "a code": lambda: f"C{rng.randint(1, args.customers):05d}",
            "no match": lambda: "zzzz",
            "empty (recent)": lambda: "",
        }
        timings: dict[str, list[float]] = {name: [] for name in queries}
        baseline: list[float] = []
        for _ in range(args.rounds):
            for name, text in queries.items():
                typed = text()
                began = time.perf_counter()
                customer_list.search(db.conn, typed, 20)
                timings[name].append(time.perf_counter() - began)
                row_id = rng.randint(1, args.customers)
                began = time.perf_counter()
                customer_list.by_id(db.conn, row_id)
                baseline.append(time.perf_counter() - began)
        base_p50, base_p99 = quantiles(baseline)
        print(f"{'search (20 shown)':<22} {'p50 ms':>8} {'p99 ms':>8} {'p50 / id read':>14}")
        for name, samples in timings.items():
            p50, p99 = quantiles(samples)
            print(f"{name:<22} {p50 * 1000:>8.3f} {p99 * 1000:>8.3f} {p50 / base_p50:>13.0f}x")
        print(f"{'baseline: id read':<22} {base_p50 * 1000:>8.3f} {base_p99 * 1000:>8.3f}")
        db.close()


if __name__ == "__main__":
    main()
