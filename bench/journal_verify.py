"""``journal verify`` speed on a journal of 100,000 real sale entries.

The journal is filled through the same code that records sales (batched in large transactions
so that building it takes seconds, not minutes), then verified three times as ``journal verify``
does it: the store opened read-only, its schema checked against the one its migrations make (the
reference rebuilt each time, as in a fresh process), the chain, the anchor, the head witness and
the tables beside the journal. The baseline, measured in the same run, is reading every row
without checking anything: the ratio shows what the checks cost. Target: at least 50,000 entries/s.

It also times finding a sale by its number (a receipt's barcode, for a return or a reprint), which
is a binary search over the journal since the store keeps no index of numbers, against finding it
by its UUID through the journal's index.

    .venv/bin/python bench/journal_verify.py [--entries 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.cli.demo import demo_config_text, demo_variants  # noqa: E402
from appliance.config import Config, parse  # noqa: E402
from appliance.core.clock import SteppingClock  # noqa: E402
from appliance.core.money import from_cents  # noqa: E402
from appliance.core.sale import PricedBy  # noqa: E402
from appliance.store.audit import verify_path  # noqa: E402
from appliance.store.catalogue import upsert_variants  # noqa: E402
from appliance.store.database import write_transaction  # noqa: E402
from appliance.store.journal import tip  # noqa: E402
from appliance.store.sales import record_sale  # noqa: E402
from appliance.store.schema_audit import expected_objects  # noqa: E402
from appliance.till import Till  # noqa: E402


def fill(till: Till, clock: SteppingClock, entries: int) -> None:
    rng = random.Random(3)
    variants = demo_variants()
    shift = till.open_shift("Bench", Decimal("100"))
    while (last := tip(till.connection)) is None or last.seq < entries:
        with write_transaction(till.db) as connection:
            for _ in range(min(2000, entries - (tip(connection).seq))):  # type: ignore[union-attr]
                sale = till.new_sale("Bench")
                for _ in range(rng.randint(1, 6)):
                    variant = rng.choice(variants)
                    if variant.priced_by is PricedBy.WEIGHT:
                        sale.add_weighed(till.item(variant.id), rng.randint(100, 2000))
                    else:
                        sale.add(till.item(variant.id), rng.randint(1, 3))
                sale.tender(till.payment("card"), from_cents(sale.totals().total))
                clock.advance(20)
                record_sale(connection, till.key, sale.complete(clock.now()), shift.id, tip(connection))


def read_only(till: Till) -> float:
    start = time.perf_counter()
    count = sum(
        1
        for _ in till.connection.execute(
            "SELECT lane_id, seq, kind, ref, created_at, payload, prev_hash, hash FROM journal ORDER BY seq"
        )
    )
    assert count
    return time.perf_counter() - start


def verified(config: Config, path: Path) -> tuple[float, int]:
    expected_objects.cache_clear()  # as in a fresh `journal verify` process
    start = time.perf_counter()
    verdict = verify_path(path, config.key_file_for(path), config.lane_id)
    assert verdict.ok, verdict.findings
    return time.perf_counter() - start, verdict.entries


def lookups(till: Till, count: int) -> tuple[float, float]:
    """Median seconds to find a random sale by number (binary search) and by UUID (index)."""
    rng = random.Random(5)
    last = till.connection.execute("SELECT max(json_extract(payload, '$.number')) FROM journal").fetchone()[0]
    by_number, by_uuid = [], []
    for number in (rng.randint(1, last) for _ in range(count)):
        start = time.perf_counter()
        found = till.find_sale(number=number)
        by_number.append(time.perf_counter() - start)
        assert found is not None and found.number == number
        start = time.perf_counter()
        again = till.find_sale(uuid=found.sale.uuid)
        by_uuid.append(time.perf_counter() - start)
        assert again is not None and again.number == number
    return statistics.median(by_number), statistics.median(by_uuid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        config = parse(demo_config_text())
        clock = SteppingClock(datetime(2026, 1, 5, 7, tzinfo=UTC))
        till = Till.create(config, Path(directory) / "till.db", clock=clock)
        with write_transaction(till.db) as connection:
            upsert_variants(connection, demo_variants(), clock.now())
        started = time.perf_counter()
        fill(till, clock, args.entries)
        built = time.perf_counter() - started
        size = Path(directory, "till.db").stat().st_size
        reads = [read_only(till) for _ in range(3)]
        checks = [verified(config, Path(directory) / "till.db") for _ in range(3)]
        by_number, by_uuid = lookups(till, 500)
        till.close()
    entries = checks[0][1]
    read, check = statistics.median(reads), statistics.median(t for t, _ in checks)
    print(f"journal: {entries} entries, {size / 1e6:.0f} MB, built in {built:.0f} s")
    print(f"read every row (baseline):  {read:6.2f} s   {entries / read:9,.0f} entries/s")
    print(
        f"journal verify:             {check:6.2f} s   {entries / check:9,.0f} entries/s"
        f"   ({check / read:.1f}× the bare read; target ≥ 50,000 entries/s)"
    )
    print(
        f"find a sale by number:      {by_number * 1e6:6.0f} µs (median of 500; by UUID through the index:"
        f" {by_uuid * 1e6:.0f} µs, {by_number / by_uuid:.1f}×)"
    )


if __name__ == "__main__":
    main()
