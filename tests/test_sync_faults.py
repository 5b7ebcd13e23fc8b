"""The daemon as a real process beside the till: faults, an outage, and SIGKILLs mid-drain."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from appliance import config as config_module
from appliance.cli.main import main
from appliance.core.clock import SystemClock
from appliance.core.money import from_cents
from appliance.store.database import open_store
from appliance.store.sync_state import read_status
from appliance.till import Till

from .ofn_sandbox import BIN, Sandbox, box_config, expected_counter_lines, running_sandbox

pytestmark = pytest.mark.slow
KILLS = 22  # the issue asks for at least 20


def sell(config_path: Path, sales: int, seed: int) -> None:
    assert (
        main(["simulate", "--config", str(config_path), "--sales", str(sales), "--seed", str(seed), "--leave-open"])
        == 0
    )


def daemon(config_path: Path, log_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN), "sync", "--config", str(config_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"OFN_CHECKOUT_LOG_DIR": str(log_dir), "PATH": "/usr/bin:/bin"},
    )


def pending(config_path: Path) -> tuple[int, int, str]:
    config = config_module.load(config_path)
    db = open_store(config.store_path, create=False)
    try:
        status = read_status(db.conn, SystemClock().now())
        return status.pending, status.attention, status.state
    finally:
        db.close()


def wait_settled(config_path: Path, deadline_s: float) -> None:
    """Wait for a condition, not for a time: the daemon reports pending == 0 or the deadline fails."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        left, attention, state = pending(config_path)
        if left == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"still {left} pending ({state}, {attention} attention) after {deadline_s} s")


def well_stocked(sandbox: Sandbox) -> dict[int, int]:
    """Enough of everything in OFN that no sale is refused: here only faults may get in the way."""
    sandbox.admin("POST", "stock", {"levels": {str(v): 10_000 for v in sandbox.stock()}})
    return sandbox.stock()


def assert_exact(
    config_path: Path, sandbox: Sandbox, initial: dict[int, int], restocked: dict[int, int] | None = None
) -> None:
    """The counter order holds what the journal sold; stock moved by that (and by hand-overs' restock)."""
    config = config_module.load(config_path)
    db = open_store(config.store_path, create=False)
    try:
        expected = expected_counter_lines(db.conn)
        statuses = dict(db.conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    finally:
        db.close()
    assert sandbox.counter_lines() == expected
    stock = sandbox.stock()
    back = restocked or {}
    assert {v: initial[v] - stock[v] + back.get(v, 0) for v in expected} == expected
    assert all(stock[v] == initial[v] + n for v, n in back.items() if v not in expected)
    assert set(statuses) == {"done"}, statuses


@dataclass
class HandedOver:
    number: str
    paid_online: bool
    lines: dict[str, int]  # what the order must hold afterwards
    restocked: dict[int, int]


def fill_pickup_list(config_path: Path) -> None:
    """Passes outside the kills until the pickup list holds orders, so every round has one to hand
    over however slowly a loaded machine lets the killed daemons start."""
    deadline = time.monotonic() + 120
    while True:
        main(["sync", "--config", str(config_path), "--once"])  # 1 when a fault made the pass offline
        till = Till.open(config_module.load(config_path))
        try:
            if till.pickup_orders():
                return
        finally:
            till.close()
        assert time.monotonic() < deadline, "no pass filled the pickup list in 120 s"


def wait_for_its_pass(config_path: Path, process: subprocess.Popen[bytes]) -> None:
    """Until the daemon holds the pass lock (its pid in the lock file): the kill then lands in its
    passes, not in a start-up that a loaded machine drags out."""
    lock = config_module.load(config_path).store_path
    lock = lock.with_name(lock.name + ".sync-lock")
    deadline = time.monotonic() + 120
    while not (lock.exists() and lock.read_text().strip() == str(process.pid)):
        assert process.poll() is None, "the daemon ended before its first pass"
        assert time.monotonic() < deadline, "the daemon took no pass in 120 s"
        time.sleep(0.01)  # poll interval for the lock file, not a wait for an outcome


def hand_over_one(config_path: Path, done: list[HandedOver]) -> None:
    """The cashier hands over the next order from the pickup list, if the daemon has filled it.

    Orders to pay on pick-up are paid exactly (the box captures OFN's pending payment); orders
    paid online give one item back (OFN restocks it): both kinds settle with no manager, so the
    run must end with every row done.
    """
    till = Till.open(config_module.load(config_path))
    try:
        taken = {h.number for h in done}
        for order in till.pickup_orders():
            if order.number in taken or not order.full_name or order.shipment_state == "shipped":
                continue
            paid_online = order.balance == 0
            handover = till.new_handover(order.number, "Zoé")
            lines = {str(line.variant_id): line.quantity for line in order.lines}
            restocked: dict[int, int] = {}
            if paid_online:
                first = order.lines[0]
                handover.remove(first.variant_id)
                lines[str(first.variant_id)] -= 1
                lines = {v: n for v, n in lines.items() if n}
                restocked[first.variant_id] = 1
            else:
                handover.tender(till.payment("card"), from_cents(handover.due))
            till.complete_handover(handover)
            done.append(HandedOver(order.number, paid_online, lines, restocked))
            return
    finally:
        till.close()


def assert_handed_over(sandbox: Sandbox, done: list[HandedOver]) -> None:
    for handed in done:
        ofn = sandbox.admin("GET", f"orders/{handed.number}")
        assert ofn["shipment_state"] == "shipped", handed.number
        assert ofn["lines"] == handed.lines, handed.number
        assert "Handed over at" in ofn["note"]
        completed = [p for p in ofn["payments"] if p["state"] == "completed"]
        assert len(completed) == 1, f"{handed.number}: one payment, captured once if it was pending"


@contextmanager
def faulty_box(tmp_path: Path, *faults: str) -> Iterator[tuple[Sandbox, Path, dict[int, int]]]:
    """A sandbox with these faults, a box set up against it, and OFN's stock before any sale."""
    with running_sandbox(tmp_path / "ofn", *faults) as sandbox:
        config_path = box_config(tmp_path, sandbox, interval_s=1, in_doubt_s=5)
        assert main(["store", "init", "--training", "--config", str(config_path)]) == 0
        yield sandbox, config_path, well_stocked(sandbox)


def test_500_sales_through_latency_errors_drops_and_an_outage(tmp_path: Path) -> None:
    faults = ("--latency-ms", "3", "--error-rate", "*=0.1", "--drop-rate", "0.05", "--fault-seed", "3")
    with faulty_box(tmp_path, *faults) as (sandbox, config_path, initial):
        process = daemon(config_path, tmp_path / "logs")
        try:
            for batch in range(10):
                if batch == 4:
                    sandbox.faults(down_for=4)  # the 5-minute outage, compressed
                sell(config_path, 50, seed=100 + batch)
            wait_settled(config_path, deadline_s=240)
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        sandbox.faults(error_rates={}, drop_rate=0.0, latency_ms=0)
        assert_exact(config_path, sandbox, initial)


def test_sigkill_during_drains_twenty_times_loses_and_doubles_nothing(tmp_path: Path) -> None:
    rng = random.Random(2026)
    faults = ("--latency-ms", "8", "--drop-rate", "0.05", "--fault-seed", "5")
    with faulty_box(tmp_path, *faults) as (sandbox, config_path, initial):
        sell(config_path, 200, seed=1)
        fill_pickup_list(config_path)
        handed: list[HandedOver] = []
        for round_no in range(KILLS):
            process = daemon(config_path, tmp_path / "logs")
            wait_for_its_pass(config_path, process)
            time.sleep(rng.uniform(0.0, 1.2))  # a random moment: the kill point, not a wait for a result
            process.send_signal(signal.SIGKILL)
            process.wait()
            sell(config_path, 10, seed=10 + round_no)
            hand_over_one(config_path, handed)
        assert len({h.paid_online for h in handed}) == 2, "both kinds of hand-over went through the kills"
        sandbox.faults(drop_rate=0.0, latency_ms=0)
        process = daemon(config_path, tmp_path / "logs")
        try:
            wait_settled(config_path, deadline_s=180)
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        restocked: dict[int, int] = {}
        for h in handed:
            for variant_id, n in h.restocked.items():
                restocked[variant_id] = restocked.get(variant_id, 0) + n
        assert_exact(config_path, sandbox, initial, restocked)
        assert_handed_over(sandbox, handed)
