"""`sync audit`: OFN's orders read back and checked against the sealed journal, not the outbox."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from appliance.cli.main import main
from appliance.store.database import write_transaction

from .ofn_sandbox import Box, expected_counter_lines


def run_audit(box: Box, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    capsys.readouterr()  # what the sales printed
    code = main(["sync", "--config", str(box.config_path), "audit", *extra])
    return code, capsys.readouterr().out


def audit_record(box: Box, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out = run_audit(box, capsys, "--json")
    return code, json.loads(out)


def counter_audit(record: dict) -> dict:  # type: ignore[type-arg]
    return next(order for order in record["orders"] if order["kind"] == "counter")


def test_clean_after_a_faulty_run_and_the_money_adds_up_to_the_cent(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    box.sell(60, seed=21)  # weighed goods, discounts, price changes, returns, voids
    box.sandbox.faults(error_rates={"*": 0.2}, drop_rate=0.2, latency_ms=2)
    box.drain_until_settled(passes=80)
    box.sandbox.faults(error_rates={}, drop_rate=0.0, latency_ms=0)
    code, record = audit_record(box, capsys)
    assert code == 0 and record["unexplained"] == 0, record
    order = counter_audit(record)
    assert {line["cause"] for line in order["lines"]} == {"ok"}
    money = order["money"]
    took = box.till.connection.execute("SELECT sum(total) FROM sale").fetchone()[0]
    assert money["box_took"] == took
    ofn_total = Decimal(box.sandbox.admin("GET", f"orders/{order['number']}")["total"]) * 100
    assert money["ofn_total"] == ofn_total and money["unexplained"] == 0, "OFN's total, as OFN's admin shows it"
    assert money["not_yet_in_ofn"] == 0 and money["people_edits"] == 0
    # The demo hub charges a coordinator fee on every item: OFN added it to the counter order, and
    # the box sold at OFN's price with fees, so OFN's total is what the box took, less only what
    # OFN's API cannot carry (counter discounts and price changes, weighed rounding), to the cent.
    assert Decimal(box.sandbox.admin("GET", f"orders/{order['number']}")["fees"]) > 0
    assert money["fees_and_adjustments"] == 0 and money["before_the_box"] == 0
    assert money["ofn_total"] == took + money["discounts_and_price_changes"] + money["weighed_rounding"]
    moves = {move["variant_id"]: (move["box"], move["ofn"]) for move in record["stock"]}
    sold = expected_counter_lines(box.till.connection)  # from the journal's sale lines, on their own
    assert {v: box_moved for v, (box_moved, _) in moves.items() if box_moved} == sold
    assert all(box_moved == ofn_moved for box_moved, ofn_moved in moves.values()), "OFN's stock moved as sold"


def test_an_outbox_row_marked_done_by_hand_is_reported_as_unexplained(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    box.sell(8, seed=22)
    with write_transaction(box.till.db) as conn:  # a careless or hostile hand on the database file
        conn.execute("UPDATE outbox SET status = 'done' WHERE id = (SELECT max(id) FROM outbox)")
    box.drain_until_settled()
    assert box.sandbox.counter_lines() != expected_counter_lines(box.till.connection), "the sale never reached OFN"
    code, out = run_audit(box, capsys)
    assert code == 1
    assert "unexplained: 1 journal entr(y/ies) marked done in the outbox but never sent to OFN" in out
    assert "OFN's orders moved" in out and "(see its lines above)" in out, "and the stock it never moved"
    assert "audit: " in out and "audit: 0 " not in out
    capsys.readouterr()
    status = main(["sync", "--config", str(box.config_path), "status"])
    assert status == 0 and "nothing explains" in capsys.readouterr().out


def test_a_persons_edit_in_ofn_is_reported_as_such_then_as_kept(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    box.sell(12, seed=23)
    box.drain_until_settled()
    variant, held = next(iter(sorted(box.sandbox.counter_lines().items())))
    box.sandbox.admin("POST", f"orders/{box.sandbox.lanes['1']}/lines", {"variant_id": variant, "quantity": held + 2})
    code, record = audit_record(box, capsys)
    line = next(line for line in counter_audit(record)["lines"] if line["variant_id"] == variant)
    assert code == 0 and line["cause"] == "person" and "+2" in line["detail"]
    box.sell(3, seed=24)  # the next sales make the engine read the order: it keeps the edit and records it
    box.drain_until_settled()
    code, record = audit_record(box, capsys)
    line = next(line for line in counter_audit(record)["lines"] if line["variant_id"] == variant)
    assert code == 0 and (line["cause"], line["detail"]) == ("ok", "a person's edit kept (+2)")
    assert counter_audit(record)["money"]["people_edits"] != 0 and record["unexplained"] == 0
