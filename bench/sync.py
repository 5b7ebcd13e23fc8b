"""Sync engine figures against the local sandbox, with baselines measured in the same run.

1. Draining a backlog of N sales with L ms added latency per request. Baseline: the sandbox's
   bare request rate at the same latency (sequential GETs of an order). Reported: HTTP requests
   per sale (reconciling the lane's pending sales together), drain time, and the drain time
   against "requests x bare request time" (1.0 means the engine adds nothing but its requests).
2. A catalogue refresh of V variants (the daemon in its own process, as on the box), and the
   p99 of sale commits in the till's process while it runs, against idle p99.

3. The daemon's passes draining 2 x N waiting sales, with no fault and with faults (10 % dropped
   answers, 10 % 5xx, 10 % writes applied 0.5 s late), requests per sale and time; then the time
   of `sync audit` on the resulting counter order.

    .venv/bin/python bench/sync.py [--sales 1000] [--latency-ms 50] [--variants 20000] [--part faults]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance import config as config_module  # noqa: E402
from appliance.cli.main import main  # noqa: E402
from appliance.core.clock import SystemClock  # noqa: E402
from appliance.core.money import from_cents  # noqa: E402
from appliance.ofn.audit import audit  # noqa: E402
from appliance.ofn.client import OfnClient  # noqa: E402
from appliance.ofn.daemon import Daemon  # noqa: E402
from appliance.ofn.refresh import refresh_catalogue  # noqa: E402
from appliance.ofn.sync import SyncEngine  # noqa: E402
from appliance.store.keys import load_api_key  # noqa: E402
from appliance.store.sync_state import read_status  # noqa: E402
from appliance.till import Till  # noqa: E402
from tests.ofn_sandbox import box_config, running_sandbox  # noqa: E402


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def commit_once(till: Till, rng: random.Random, variant_ids: list[int]) -> float:
    sale = till.new_sale("Bench")
    for variant_id in rng.sample(variant_ids, 3):
        sale.add(till.item(variant_id), 1)
    sale.tender(till.payment("card"), from_cents(sale.totals().total))
    start = time.perf_counter()
    till.complete(sale)
    return time.perf_counter() - start


def commits_while(
    till: Till, variant_ids: list[int], running: subprocess.Popen[bytes] | None, count: int
) -> list[float]:
    """Sales at a brisk till's pace (one every 20 ms), for ``count`` sales or while ``running`` runs."""
    rng = random.Random(1)
    samples: list[float] = []
    while (running is None and len(samples) < count) or (running is not None and running.poll() is None):
        samples.append(commit_once(till, rng, variant_ids))
        time.sleep(0.02)
    return samples


def refresh_only(config_path: Path) -> None:
    """The daemon's catalogue refresh alone, in its own process and at its priority (nice 10) as on the box."""
    os.nice(10)
    config = config_module.load(config_path)
    till = Till.open(config, config.store_path)
    key = load_api_key(config.api_key_file)
    with OfnClient(config.ofn_base_url, key) as client:
        refresh_catalogue(till.db, client, SystemClock(), config.order_cycle_id, config.hub_id)
    till.close()


def catalogue_figures(directory: Path, variants: int) -> None:
    # OFN is another machine in the field; here it shares the two cores, so it yields them like one.
    with running_sandbox(directory / "ofn", "--variants", str(variants), nice=10) as sandbox:
        config_path = box_config(directory, sandbox)
        assert main(["store", "init", "--training", "--config", str(config_path)]) == 0
        assert main(["simulate", "--config", str(config_path), "--sales", "1", "--leave-open"]) == 0
        config = config_module.load(config_path)
        till = Till.open(config, config.store_path)
        ids = [row[0] for row in till.connection.execute("SELECT id FROM variant WHERE priced_by = 'each'")]
        idle = commits_while(till, ids, None, 1000)
        env = {**os.environ, "OFN_CHECKOUT_LOG_DIR": str(directory / "logs")}
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, __file__, "--refresh-only", str(config_path)], env=env, stdout=subprocess.DEVNULL
        )
        during = commits_while(till, ids, process, 0)
        process.wait()
        elapsed = time.perf_counter() - start
        count = till.connection.execute("SELECT count(*) FROM variant").fetchone()[0]
        till.close()
    print(f"catalogue refresh: {count} variants in {elapsed:.1f} s ({count / elapsed:.0f} variants/s, daemon process)")
    print(
        f"sale commit idle:           median {statistics.median(idle) * 1000:.2f} ms, p99 {p99(idle) * 1000:.2f} ms"
        f" ({len(idle)} sales)"
    )
    print(
        f"sale commit during refresh: median {statistics.median(during) * 1000:.2f} ms, p99 {p99(during) * 1000:.2f} ms"
        f" ({len(during)} sales)  ratio p99 {p99(during) / p99(idle):.2f}x (target <= 2x)"
    )


def drain_figures(directory: Path, sales: int, latency_ms: int) -> None:
    with running_sandbox(directory / "ofn") as sandbox:
        config_path = box_config(directory, sandbox)
        assert main(["store", "init", "--training", "--config", str(config_path)]) == 0
        config = config_module.load(config_path)
        till = Till.open(config, config.store_path)
        with OfnClient(config.ofn_base_url, sandbox.api_key) as client:
            engine = SyncEngine(till.db, client, SystemClock(), config.counter_order)
            assert main(["sync", "--once", "--config", str(config_path)]) in (0, 1)
            sandbox.admin("POST", "stock", {"levels": {str(v): 100_000 for v in sandbox.stock()}})
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["simulate", "--config", str(config_path), "--sales", str(sales), "--leave-open"]) == 0
            sandbox.faults(latency_ms=latency_ms)
            bare = []
            for _ in range(30):
                start = time.perf_counter()
                client.order(config.counter_order)
                bare.append(time.perf_counter() - start)
            bare_s = statistics.median(bare)
            client.requests = 0
            start = time.perf_counter()
            result = engine.drain()
            elapsed = time.perf_counter() - start
            requests = client.requests
        till.close()
    print(f"bare request at {latency_ms} ms latency: median {bare_s * 1000:.1f} ms ({1 / bare_s:.1f} requests/s)")
    print(
        f"drain of {sales} sales: {elapsed:.1f} s, {requests} requests = {requests / sales:.2f} per sale (target <= 2);"
        f" {result.done} outbox rows done"
    )
    print(f"drain time / (requests x bare request): {elapsed / (requests * bare_s):.2f}")


def faulty_drain_figures(directory: Path, sales: int, latency_ms: int) -> None:
    """The daemon's passes draining a backlog, bare and through faults; then the audit's time."""
    faults = {"drop_rate": 0.1, "error_rates": {"*": 0.1}, "late_rate": 0.1, "late_ms": 500}
    for label, injected in (("no faults", {}), ("faults", faults)):
        with running_sandbox(directory / label.replace(" ", "-") / "ofn") as sandbox:
            box = directory / label.replace(" ", "-")
            config_path = box_config(box, sandbox, interval_s=1, in_doubt_s=5)
            assert main(["store", "init", "--training", "--config", str(config_path)]) == 0
            config = config_module.load(config_path)
            till = Till.open(config, config.store_path)
            with OfnClient(config.ofn_base_url, sandbox.api_key, sleep=lambda s: None) as client:
                daemon = Daemon(config, till.db, client, SystemClock(), rng=random.Random(1))
                daemon.run_once(catalogue=True)
                sandbox.admin("POST", "stock", {"levels": {str(v): 100_000 for v in sandbox.stock()}})
                with contextlib.redirect_stdout(io.StringIO()):
                    assert main(["simulate", "--config", str(config_path), "--sales", str(sales), "--leave-open"]) == 0
                sandbox.faults(latency_ms=latency_ms, **injected)
                client.requests, passes = 0, 0
                start = time.perf_counter()
                while read_status(till.connection, SystemClock().now()).pending:
                    _, wait = daemon.run_once(catalogue=False)
                    passes += 1
                    time.sleep(min(wait, 1.0))  # the daemon's own pace between passes, capped
                elapsed = time.perf_counter() - start
                requests = client.requests
                sandbox.faults(latency_ms=latency_ms, drop_rate=0.0, error_rates={}, late_rate=0.0)
                lines = len(sandbox.counter_lines())
                timings = []
                for _ in range(5):
                    begin = time.perf_counter()
                    found = audit(till.connection, client, config.counter_order)
                    timings.append(time.perf_counter() - begin)
            till.close()
        print(
            f"drain of {sales} waiting sales, {label}: {elapsed:.1f} s in {passes} passes,"
            f" {requests} requests = {requests / sales:.3f} per sale"
        )
        print(
            f"  sync audit of the {lines}-variant counter order: median {statistics.median(timings) * 1000:.0f} ms"
            f" ({found.unexplained} unexplained)"
        )


def main_bench() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sales", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--variants", type=int, default=20000)
    parser.add_argument("--part", choices=["all", "drain", "faults", "catalogue"], default="all")
    parser.add_argument("--refresh-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.refresh_only:
        refresh_only(args.refresh_only)
        return
    os.environ.setdefault("OFN_CHECKOUT_LOG_DIR", tempfile.mkdtemp(prefix="bench-logs-"))
    if args.part in ("all", "drain"):
        with tempfile.TemporaryDirectory() as first:
            drain_figures(Path(first), args.sales, args.latency_ms)
    if args.part in ("all", "faults"):
        with tempfile.TemporaryDirectory() as third:
            faulty_drain_figures(Path(third), 2 * args.sales, args.latency_ms)
    if args.part in ("all", "catalogue"):
        with tempfile.TemporaryDirectory() as second:
            catalogue_figures(Path(second), args.variants)


if __name__ == "__main__":
    main_bench()
