"""The local OFN as tests use it: a real server in a subprocess, and a box configured against it."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.cli.main import main
from appliance.core.clock import SystemClock
from appliance.ofn.client import OfnClient
from appliance.ofn.daemon import Daemon
from appliance.store.sync_state import read_status
from appliance.till import Till

from .processes import die_with_parent

BIN = Path(sys.executable).parent / "ofn-checkout"


@dataclass
class Sandbox:
    url: str
    hub_id: int
    open_oc: int
    closed_oc: int
    api_key: str
    lanes: dict[str, str]
    process: subprocess.Popen[str]

    def admin(self, method: str, action: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.url}/__sandbox/{action}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def faults(self, **changes: Any) -> dict[str, Any]:
        return self.admin("PUT", "faults", changes)  # type: ignore[no-any-return]

    def state(self) -> dict[str, Any]:
        return self.admin("GET", "state")  # type: ignore[no-any-return]

    def counter_lines(self, lane: int = 1) -> dict[int, int]:
        return {int(k): v for k, v in self.state()["orders"][self.lanes[str(lane)]].items()}

    def stock(self) -> dict[int, int]:
        return {int(k): v for k, v in self.state()["stock"].items()}


@contextmanager
def running_sandbox(data: Path, *args: str, nice: int = 0) -> Iterator[Sandbox]:
    process = subprocess.Popen(
        ["nice", "-n", str(nice), str(BIN), "sandbox", "--data", str(data), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
        preexec_fn=die_with_parent,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"sandbox did not start: {process.stderr.read() if process.stderr else ''}")
        info = json.loads(line)
        yield Sandbox(
            info["url"],
            info["hub_id"],
            info["open_order_cycle_id"],
            info["closed_order_cycle_id"],
            info["api_key"],
            info["lanes"],
            process,
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def box_config(
    directory: Path, sandbox: Sandbox, lane: int = 1, channels_file: Path | None = None, **sync: int
) -> Path:
    """The demo config pointed at the sandbox, as lane ``lane`` (its number, name and counter order),
    with the key in its own 0600 file, and ``channels_file`` as its channel file when given."""
    key = directory / "api.key"
    key.write_text(sandbox.api_key)
    key.chmod(0o600)
    text = (
        demo_config_text()
        .replace('base_url = "http://127.0.0.1:8765"', f'base_url = "{sandbox.url}"')
        .replace("hub_id = 1", f"hub_id = {sandbox.hub_id}")
        .replace(
            "order_cycle_id = 1",
            f'order_cycle_id = {sandbox.open_oc}\ncounter_order = "{sandbox.lanes[str(lane)]}"\n'
            f"other_counter_orders = {json.dumps([n for k, n in sandbox.lanes.items() if k != str(lane)])}",
        )
        .replace("/var/lib/ofn-checkout/demo-api.key", str(key))
        .replace("/var/lib/ofn-checkout/demo.db", str(directory / "box.db"))
        .replace('[lane]\nid = 1\nname = "Till 1"', f'[lane]\nid = {lane}\nname = "Till {lane}"')
    )
    assert f'[lane]\nid = {lane}\nname = "Till {lane}"' in text, "the demo config's [lane] moved: lane not set"
    if channels_file is not None:
        text = text.replace("[lane]\n", f'[lane]\nchannels_file = "{channels_file}"\n')
    if sync:
        text += "\n[sync]\n" + "".join(f"{k} = {v}\n" for k, v in sync.items())
    path = directory / "config.toml"
    path.write_text(text)
    return path


def expected_counter_lines(connection: Any) -> dict[int, int]:
    """What the counter order must hold, from the sealed journal alone (not from the sync tables):
    shelf-only items and damaged goods given back never reach it (core/ofn_scope.py)."""
    held: dict[int, int] = {}
    rows = connection.execute(
        "SELECT l.variant_id, sum(l.quantity), sum(l.weight_g), v.unit_grams FROM sale_line l"
        " JOIN variant v ON v.id = l.variant_id WHERE NOT l.voided AND l.shelf = '' AND NOT l.damaged"
        " GROUP BY l.variant_id"
    ).fetchall()
    for variant_id, quantity, grams, unit in rows:
        if grams:
            unit = unit or 1000
            units = (abs(grams) * 2 + unit) // (2 * unit)
            held[variant_id] = units if grams > 0 else -units
        else:
            held[variant_id] = quantity
    return {variant: count for variant, count in held.items() if count}


class ShiftableClock:
    """The real time, plus however far a test has moved it on (to let an in-doubt window pass)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@dataclass
class SyncedBox:
    """A box set up against a running sandbox, its catalogue and pickup list read once."""

    config_path: Path
    till: Till
    client: OfnClient
    daemon: Daemon
    clock: ShiftableClock


@contextmanager
def synced_box(directory: Path, sandbox: Sandbox, seed: int, channels_file: Path | None = None) -> Iterator[SyncedBox]:
    """The store initialised, the till open, and the daemon's first pass (catalogue, pickups) done."""
    config_path = box_config(directory, sandbox, channels_file=channels_file)
    assert main(["store", "init", "--training", "--config", str(config_path)]) == 0
    config = config_module.load(config_path)
    till = Till.open(config, config.store_path)
    client = OfnClient(config.ofn_base_url, sandbox.api_key, sleep=lambda s: None)
    try:
        clock = ShiftableClock()
        daemon = Daemon(config, till.db, client, clock, rng=random.Random(seed))
        daemon.run_once(catalogue=True)
        yield SyncedBox(config_path, till, client, daemon, clock)
    finally:
        client.close()
        till.close()


@dataclass
class Box:
    sandbox: Sandbox
    config_path: Path
    till: Till
    client: OfnClient
    daemon: Daemon
    clock: ShiftableClock

    def sell(self, sales: int, seed: int) -> None:
        assert (
            main(
                [
                    "simulate",
                    "--config",
                    str(self.config_path),
                    "--sales",
                    str(sales),
                    "--seed",
                    str(seed),
                    "--leave-open",
                ]
            )
            == 0
        )

    def drain_until_settled(self, passes: int = 30) -> None:
        """Passes until nothing is pending (a pass may legitimately end early on a fault).

        The sandbox's injected failures never apply a change later, so after a pass the test lets
        the in-doubt window pass on the daemon's clock instead of waiting for it.
        """
        for _ in range(passes):
            self.daemon.run_once(catalogue=False)
            if read_status(self.till.connection, SystemClock().now()).pending == 0:
                return
            self.clock.advance(self.daemon.engine.in_doubt.total_seconds())
        raise AssertionError(
            f"still pending after {passes} passes: {read_status(self.till.connection, SystemClock().now())}"
        )

    def assert_exact(self, initial_stock: dict[int, int]) -> None:
        expected = expected_counter_lines(self.till.connection)
        assert self.sandbox.counter_lines() == expected
        stock = self.sandbox.stock()
        for variant_id, sold in expected.items():
            assert stock[variant_id] == initial_stock[variant_id] - sold, variant_id
