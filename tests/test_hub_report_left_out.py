"""Lines that never reach OFN (a shelf-only item, a returned line marked damaged) against a real
sandbox over HTTP: the sync leaves them out of the counter order, so the export must say so and
`report hub` and `sync audit` must find no difference there, while a real one is still reported."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from appliance.cli.main import main
from appliance.till import Till

from .channels_kit import PAPER_BAG, SHELF_ONLY
from .ofn_sandbox import Box, expected_counter_lines, running_sandbox, synced_box
from .sales_kit import pay


@pytest.fixture
def shelf_box(tmp_path: Path) -> Iterator[Box]:
    """A box against the sandbox whose channel sells a paper bag from the shelf, its shift open."""
    channels = tmp_path / "channels.toml"
    channels.write_text(SHELF_ONLY, encoding="utf-8")
    with running_sandbox(tmp_path / "ofn") as sandbox, synced_box(tmp_path, sandbox, 1, channels) as synced:
        synced.till.open_shift("Alice", Decimal("50.00"))
        yield Box(sandbox, synced.config_path, synced.till, synced.client, synced.daemon, synced.clock)


def variants(till: Till, priced_by: str, count: int) -> list[int]:
    rows = till.connection.execute(
        "SELECT id FROM variant WHERE priced_by = ? AND (on_demand OR on_hand >= 5) ORDER BY id LIMIT ?",
        (priced_by, count),
    )
    return [row[0] for row in rows]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().out


def export(box: Box, capsys: pytest.CaptureFixture[str], path: Path) -> list[dict[str, str]]:
    today = date.today()
    days = ("--from", (today - timedelta(days=1)).isoformat(), "--to", (today + timedelta(days=1)).isoformat())
    code, _ = cli(capsys, "journal", "export", "--config", str(box.config_path), *days, "--out", str(path))
    assert code == 0
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["record"] == "line"]


def hub(box: Box, capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    code, out = cli(capsys, "report", "hub", "--config", str(box.config_path), "--json", str(path))
    return code, json.loads(out)


def test_a_shelf_item_and_a_damaged_return_are_no_difference_and_a_real_one_still_is(
    shelf_box: Box, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box, till = shelf_box, shelf_box.till
    first, second = variants(till, "each", 2)
    [weighed] = variants(till, "weight", 1)
    bag = till.shelf_item(PAPER_BAG)
    assert bag is not None
    sale = till.new_sale("Alice")
    sale.add(till.item(first), 3)
    sale.add(till.item(second), 2)
    sale.add(bag, 2)
    sale.add_weighed(till.item(weighed), 1500)  # 1.5 kg: 2 units on the order, rounded half up
    sold = pay(till, sale)
    only_bags = till.new_sale("Alice")
    only_bags.add(bag, 1)  # a sale OFN learns nothing from
    pay(till, only_bags)
    draft = till.return_draft(str(sold.number), "Alice")
    draft.give_back(1, 2)  # two of the first back on the shelf
    draft.give_back(2, 1)  # one of the second, damaged
    assert draft.turn_damaged(2) is True
    draft.give_back(4, 600)  # 600 g damaged: still 1500 g sold in OFN's eyes, not 900 g (1 unit)
    assert draft.turn_damaged(4) is True
    back = pay(till, draft.sale)
    assert [(line.line_no, line.damaged) for line in back.sale.lines] == [(1, False), (2, True), (3, True)]
    box.drain_until_settled()
    assert box.sandbox.counter_lines() == {first: 1, second: 2, weighed: 2} == expected_counter_lines(till.connection)

    rows = export(box, capsys, tmp_path / "lane1.csv")
    code, report = hub(box, capsys, tmp_path / "lane1.csv")
    assert (code, report["ofn_differences"], report["not_yet_in_ofn"]) == (0, [], {})
    code, out = cli(capsys, "sync", "--config", str(box.config_path), "audit")
    assert code == 0 and "audit: 0 " in out, out

    order = box.sandbox.lanes["1"]  # what a reader of the export sees: why a line is not in OFN
    left_out = [
        (r["sale_kind"], r["sku"] if r["variant_id"] == "0" else r["variant_id"], r["not_in_ofn"]) for r in rows
    ]
    assert [(kind, what, why) for kind, what, why in left_out if why] == [
        ("sale", PAPER_BAG, "shelf"),
        ("sale", PAPER_BAG, "shelf"),
        ("return", str(second), "damaged"),
        ("return", str(weighed), "damaged"),
    ]
    assert all(r["ofn_order"] == ("" if r["not_in_ofn"] else order) for r in rows)

    # A person's edit of the damaged variant in OFN is still a difference of that variant.
    box.sandbox.admin("POST", f"orders/{order}/lines", {"variant_id": second, "quantity": 3})
    code, report = hub(box, capsys, tmp_path / "lane1.csv")
    assert code == 1
    assert [(d["variant_id"], d["export_says"], d["ofn_holds"]) for d in report["ofn_differences"]] == [(second, 2, 3)]
