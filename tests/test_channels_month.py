"""A simulated month across three channels and two lanes, against the sandbox over real HTTP.

Lane 1 sells at the shop counter all month; lane 2 is the pick-up point's till, carried to the
market on alternate weeks (``simulate --channel``). Each box has its own store and its own counter
order in the sandbox; each syncs, each exports the month, and ``report hub`` reads the exports.
The per-lane and per-channel totals must add up to the hub's to the cent, equal what the sealed
journal entries of each store say (read straight from the journal table, not through the views the
reports use), and the counter orders in the sandbox must hold what the exports say.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from appliance import config as config_module
from appliance.core.clock import SystemClock
from appliance.ofn.client import OfnClient
from appliance.ofn.daemon import Daemon
from appliance.store.sync_state import read_status
from appliance.till import Till
from tests.ofn_sandbox import Sandbox, ShiftableClock, box_config, expected_counter_lines, running_sandbox

ZONE = ZoneInfo("Europe/Paris")
#: The month simulated: the last four weeks, ending yesterday (the sandbox's cycle is open now).
LAST = datetime.now(ZONE).date() - timedelta(days=1)
FIRST = LAST - timedelta(days=27)
CHANNELS = {"shop counter", "pickup point", "market stall"}


@dataclass
class Lane:
    lane_id: int
    config_path: Path
    store: Path
    export: Path


def lane_config(directory: Path, sandbox: Sandbox, lane_id: int) -> Path:
    """The sandbox's box config for ``lane_id``: its own lane number, store and counter order."""
    directory.mkdir()
    return box_config(directory, sandbox, lane=lane_id)


def cli(*args: str) -> int:
    from appliance.cli.main import main

    return main(list(args))


def simulate(lane: Lane, start: date, sales: int, channel: str, seed: int, pace: int) -> None:
    """``sales`` sales from 08:00 on ``start``, one every ``pace`` seconds on average.

    The first run sets the lane's training store up, dated at ``start`` (a store's clock never goes
    back before its last entry), with the demo catalogue the sandbox also sells.
    """
    args = ["--config", str(lane.config_path), "--sales", str(sales), "--seed", str(seed), "--pace", str(pace)]
    assert cli("simulate", *args, "--start", f"{start.isoformat()}T08:00", "--channel", channel) == 0


def sync(lane: Lane, sandbox: Sandbox) -> None:
    """Daemon passes until every sale and return is in the lane's counter order."""
    config = config_module.load(lane.config_path)
    till = Till.open(config, config.store_path)
    client = OfnClient(config.ofn_base_url, sandbox.api_key, sleep=lambda s: None)
    try:
        clock = ShiftableClock()
        daemon = Daemon(config, till.db, client, clock, rng=random.Random(lane.lane_id))
        for _ in range(20):
            daemon.run_once(catalogue=False)
            if read_status(till.connection, SystemClock().now()).pending == 0:
                return
            clock.advance(daemon.engine.in_doubt.total_seconds())
        raise AssertionError(f"lane {lane.lane_id} still has sales to post")
    finally:
        client.close()
        till.close()


@pytest.fixture
def month(tmp_path: Path) -> Iterator[tuple[Sandbox, list[Lane]]]:
    """Both lanes' month sold, synced and exported; the sandbox still running for the checks.

    One test uses it (a month takes a while; two tests would sell it twice, on two workers).
    """
    root = tmp_path
    with running_sandbox(root / "ofn") as sandbox:
        # Enough of everything for a month of two lanes: a refused add would park a sale, which is
        # sync's business (tested there), not this report's.
        sandbox.admin("POST", "stock", {"levels": {str(v): 100_000 for v in sandbox.stock()}})
        lanes = []
        for lane_id in (1, 2):
            path = lane_config(root / f"lane{lane_id}", sandbox, lane_id)
            config = config_module.load(path)
            lanes.append(Lane(lane_id, path, config.store_path, root / f"lane{lane_id}.csv"))
        counter, pickup = lanes
        simulate(counter, FIRST, 400, "shop counter", seed=11, pace=5000)  # about 23 days
        for week in range(4):
            channel = "market stall" if week % 2 else "pickup point"
            simulate(pickup, FIRST + timedelta(days=7 * week), 75, channel, seed=20 + week, pace=6000)  # 5 days
        for lane in lanes:
            sync(lane, sandbox)
            args = ["--from", FIRST.isoformat(), "--to", LAST.isoformat(), "--out", str(lane.export)]
            assert cli("journal", "export", "--config", str(lane.config_path), *args) == 0
        yield sandbox, lanes


def hub_report(capsys: pytest.CaptureFixture[str], lanes: list[Lane], *more: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = cli(
        "report", "hub", "--config", str(lanes[0].config_path), "--json", *more, *(str(lane.export) for lane in lanes)
    )
    return code, json.loads(capsys.readouterr().out)


def sealed(store: Path) -> dict[str, Any]:
    """What a store's sealed sale and return entries say, read from the journal's payloads alone."""
    connection = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT kind, payload FROM journal WHERE kind IN ('sale', 'return')").fetchall()
    finally:
        connection.close()
    found: dict[str, Any] = {"channels": defaultdict(Counter), "whole": Counter(), "vat": Counter(), "pay": Counter()}
    for kind, payload in rows:
        entry = json.loads(payload)
        for part in (found["channels"][entry["channel"]], found["whole"]):
            part[f"{kind}s_count"] += 1
            part[f"{kind}s_total"] += entry["total"]
            for payment in entry["payments"]:
                part[f"pay {payment['method']}"] += payment["amount"]
        for rate in entry["vat"]:
            found["vat"][rate["code"]] += rate["vat"]
    return found


def figures(part: dict[str, Any]) -> Counter[str]:
    """A report's part in the shape :func:`sealed` counts in."""
    found: Counter[str] = Counter(
        {
            "sales_count": part["sales_count"],
            "returns_count": part["returns_count"],
            "sales_total": part["sales_total"],
            "returns_total": part["returns_total"],
        }
    )
    for method, amount in part["payments"].items():
        found[f"pay {method}"] += amount
    return +found


def test_a_month_of_three_channels_and_two_lanes_adds_up_and_matches_the_stores_and_ofn(
    month: tuple[Sandbox, list[Lane]], capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox, lanes = month
    code, report = hub_report(capsys, lanes)
    assert code == 0, report["ofn_differences"]
    assert report["ofn_differences"] == [] and report["not_yet_in_ofn"] == {} and report["ofn_checked"]
    assert set(report["channels"]) == CHANNELS and set(report["lanes"]) == {"1", "2"}

    hub = figures(report["hub"])
    assert sum((figures(p) for p in report["lanes"].values()), Counter()) == hub
    assert sum((figures(p) for p in report["channels"].values()), Counter()) == hub
    assert hub["pay cash"] + hub["pay card"] + hub["pay cheque"] + hub["pay voucher"] == report["hub"]["total"]
    for key in ("gross", "vat"):
        by_rate = [r[key] for r in report["hub"]["vat"].values()]
        by_lane = [r[key] for p in report["lanes"].values() for r in p["vat"].values()]
        by_channel = [r[key] for p in report["channels"].values() for r in p["vat"].values()]
        assert sum(by_rate) == sum(by_lane) == sum(by_channel)
    assert sum(r["gross"] for r in report["hub"]["vat"].values()) == report["hub"]["total"]

    stores = {lane.lane_id: sealed(lane.store) for lane in lanes}
    for lane in lanes:
        assert figures(report["lanes"][str(lane.lane_id)]) == +stores[lane.lane_id]["whole"]
    by_channel: dict[str, Counter[str]] = defaultdict(Counter)
    for found in stores.values():
        for name, part in found["channels"].items():
            by_channel[name] += part
    assert {name: figures(part) for name, part in report["channels"].items()} == {
        name: +part for name, part in by_channel.items()
    }
    assert set(stores[1]["channels"]) == {"shop counter"}
    assert set(stores[2]["channels"]) == {"pickup point", "market stall"}
    vat = sum((found["vat"] for found in stores.values()), Counter())
    assert sum(vat.values()) == sum(r["vat"] for r in report["hub"]["vat"].values())

    for lane in lanes:
        with sqlite3.connect(f"file:{lane.store}?mode=ro", uri=True) as connection:
            assert sandbox.counter_lines(lane.lane_id) == expected_counter_lines(connection)
    assert report["returns_at_two_lanes"] == []
    assert stores[1]["whole"]["returns_count"] + stores[2]["whole"]["returns_count"] > 0

    # A person's edit of lane 2's counter order in OFN is a difference of that lane and variant.
    number = sandbox.lanes["2"]
    held = sandbox.counter_lines(2)
    variant, quantity = sorted(held.items())[0]
    sandbox.admin("POST", f"orders/{number}/lines", {"variant_id": variant, "quantity": quantity + 2})
    code, report = hub_report(capsys, lanes)
    assert code == 1
    assert report["ofn_differences"] == [
        {
            "lanes": [2],
            "order": number,
            "variant_id": variant,
            "description": report["ofn_differences"][0]["description"],
            "export_says": quantity,
            "ofn_holds": quantity + 2,
            "reason": "",
        }
    ]
    assert hub_report(capsys, lanes, "--no-ofn")[0] == 0

    # An export naming an order OFN does not have: that order is a difference, the others are read.
    moved = lanes[1].export.read_text().replace(f",{number},", ",R000000000,")
    lanes[1].export.write_text(moved)
    code, report = hub_report(capsys, lanes)
    assert code == 1 and [d["order"] for d in report["ofn_differences"]] == ["R000000000"]
    assert report["ofn_differences"][0]["reason"].startswith("the order is not in OFN")
