"""The sync engine against the real sandbox over HTTP: exactly once in effect, whatever OFN does."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from appliance import config as config_module
from appliance.cli.main import main
from appliance.core.clock import SystemClock
from appliance.core.money import from_cents
from appliance.store.database import write_transaction
from appliance.store.sync_state import read_status, stock_levels
from appliance.till import Till

from .ofn_sandbox import Box, box_config, expected_counter_lines, running_sandbox


def test_sales_reach_the_counter_order_exactly_and_stock_follows(box: Box) -> None:
    initial = box.sandbox.stock()
    box.sell(80, seed=5)
    result, _ = box.daemon.run_once(catalogue=False)
    assert result.folded == 80
    box.assert_exact(initial)
    status = read_status(box.till.connection, SystemClock().now())
    assert (status.state, status.pending, status.attention) == ("online", 0, 0)
    again, _ = box.daemon.run_once(catalogue=False)
    assert again.sent == 0, "a settled order is not touched again"
    assert box.sandbox.counter_lines() == expected_counter_lines(box.till.connection)


def test_a_lost_answer_is_never_sent_twice(box: Box) -> None:
    initial = box.sandbox.stock()
    box.sell(30, seed=8)
    box.sandbox.faults(drop_rate=1.0)
    box.daemon.run_once(catalogue=False)
    assert read_status(box.till.connection, SystemClock().now()).state == "offline"
    box.sandbox.faults(drop_rate=0.0)
    box.drain_until_settled()
    box.assert_exact(initial)


def test_errors_and_latency_on_every_route_still_settle_exactly(box: Box) -> None:
    initial = box.sandbox.stock()
    box.sell(60, seed=9)
    box.sandbox.faults(error_rates={"*": 0.3}, drop_rate=0.2, latency_ms=5)
    box.drain_until_settled(passes=80)
    box.sandbox.faults(error_rates={}, drop_rate=0.0, latency_ms=0)
    box.assert_exact(initial)


def test_a_hand_edit_in_ofn_is_kept_and_recorded_not_overwritten(box: Box) -> None:
    box.sell(20, seed=11)
    box.drain_until_settled()
    lines = box.sandbox.counter_lines()
    variant, held = next(iter(sorted(lines.items())))
    box.sandbox.admin("POST", f"orders/{box.sandbox.lanes['1']}/lines", {"variant_id": variant, "quantity": held + 2})
    box.sell(20, seed=12)
    box.drain_until_settled()
    expected = expected_counter_lines(box.till.connection)
    expected[variant] = expected.get(variant, 0) + 2
    assert box.sandbox.counter_lines() == expected
    events = box.till.connection.execute("SELECT kind, variant_id FROM sync_event").fetchall()
    assert ("rebased", variant) in events


def test_out_of_stock_in_ofn_parks_the_change_until_a_manager_fixes_stock(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    box.sell(40, seed=13)
    capsys.readouterr()
    expected = expected_counter_lines(box.till.connection)
    variant = next(v for v, n in sorted(expected.items()) if n > 0 and box.sandbox.stock()[v] < 10**6)
    box.sandbox.admin("POST", "stock", {"variant_id": variant, "on_hand": 0})
    box.daemon.run_once(catalogue=False)
    status = read_status(box.till.connection, SystemClock().now())
    assert status.state == "attention" and status.attention >= 1
    # The daemon's line counts what `sync status` counts: the screen and the CLI never disagree.
    said = "1 sale needs" if status.attention == 1 else f"{status.attention} sales need"
    assert status.message.startswith(f"{said} attention: "), status.message
    reason = box.till.connection.execute("SELECT attention FROM sync_line WHERE variant_id = ?", (variant,)).fetchone()[
        0
    ]
    assert "out of stock" in reason
    assert box.sandbox.counter_lines().get(variant, 0) == 0
    assert main(["sync", "--config", str(box.config_path), "status"]) == 0
    shown = capsys.readouterr().out
    assert f"variant {variant}" in shown and "out of stock" in shown and "needs attention" in shown
    assert main(["sync", "--config", str(box.config_path), "status", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["parked"][0]["variant_id"] == variant and record["state"] == "attention"
    # The same items as the text, with what the text says of them: the product and what is missing.
    name = box.till.connection.execute("SELECT name FROM variant WHERE id = ?", (variant,)).fetchone()[0]
    assert record["parked"][0]["product"] == name and record["parked"][0]["missing"] == expected[variant]
    box.sandbox.admin("POST", "stock", {"variant_id": variant, "on_hand": 500})
    assert main(["sync", "--config", str(box.config_path), "retry"]) == 0
    assert "1 parked change back in the queue" in capsys.readouterr().out
    box.drain_until_settled()
    assert box.sandbox.counter_lines() == expected
    assert read_status(box.till.connection, SystemClock().now()).attention == 0


@pytest.mark.parametrize("box", [("--legacy-add",)], indirect=True)
def test_an_old_ofn_that_answers_200_and_adds_nothing_is_treated_like_a_refusal(box: Box) -> None:
    box.sell(30, seed=14)
    expected = expected_counter_lines(box.till.connection)
    variant = next(v for v, n in sorted(expected.items()) if n > 0)
    box.sandbox.admin("POST", "stock", {"variant_id": variant, "on_hand": 0})
    box.daemon.run_once(catalogue=False)
    reason = box.till.connection.execute("SELECT attention FROM sync_line WHERE variant_id = ?", (variant,)).fetchone()[
        0
    ]
    assert reason and "added nothing" in reason
    assert box.sandbox.counter_lines().get(variant, 0) == 0


def test_a_revoked_key_gives_a_clear_status_and_loses_nothing(box: Box) -> None:
    initial = box.sandbox.stock()
    box.sell(15, seed=15)
    box.sandbox.admin("POST", "revoke_key")
    _, wait = box.daemon.run_once(catalogue=False)
    status = read_status(box.till.connection, SystemClock().now())
    assert status.state == "key_rejected" and "re-provision" in status.message
    assert status.pending == 15 and wait >= 60
    box.client.use_key(box.sandbox.admin("GET", "key")["api_key"])  # support staff re-provisioned it
    box.drain_until_settled()
    box.assert_exact(initial)


def test_a_closed_order_cycle_is_reported_and_sales_still_post(box: Box) -> None:
    initial = box.sandbox.stock()
    box.sell(10, seed=16)
    box.sandbox.admin("POST", f"order_cycles/{box.sandbox.open_oc}/close")
    box.daemon.run_once(catalogue=True)
    status = read_status(box.till.connection, SystemClock().now())
    assert status.state == "cycle_closed" and "closed" in status.message and "cycle use" in status.message
    assert status.pending == 0
    box.assert_exact(initial)


def test_a_variant_ofn_does_not_know_is_parked_with_the_reason(box: Box) -> None:
    box.sell(5, seed=17)
    with write_transaction(box.till.db) as connection:
        connection.execute(
            "INSERT INTO variant (id, name, sku, price, priced_by, updated_at) VALUES (999999, 'Local only', '', 100,"
            " 'each', '2026-01-01T00:00:00Z')"
        )
    sale = box.till.new_sale("Alice")
    sale.add(box.till.item(999999), 2)
    sale.tender(box.till.payment("cash"), Decimal("5"))
    box.till.complete(sale)
    box.daemon.run_once(catalogue=False)
    parked = box.till.connection.execute("SELECT attention FROM sync_line WHERE variant_id = 999999").fetchone()[0]
    assert "does not know variant 999999" in parked
    assert read_status(box.till.connection, SystemClock().now()).attention == 1


def test_stock_view_subtracts_sales_ofn_has_not_seen(box: Box) -> None:
    box.sell(25, seed=18)
    levels = stock_levels(box.till.connection)
    expected = expected_counter_lines(box.till.connection)
    ofn = box.sandbox.stock()
    variant = next(v for v in sorted(expected) if levels.get(v) is not None)
    assert levels[variant] == ofn[variant] - expected[variant]
    box.drain_until_settled()
    box.daemon.run_once(catalogue=True)
    assert stock_levels(box.till.connection)[variant] == box.sandbox.stock()[variant]


def test_a_sandbox_down_at_start_means_offline_not_a_crash(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "ofn", "--down-for", "600") as sandbox:
        config_path = box_config(tmp_path, sandbox)
        assert main(["store", "init", "--config", str(config_path)]) == 0
        assert main(["sync", "--once", "--config", str(config_path)]) == 1
        config = config_module.load(config_path)
        till = Till.open(config, config.store_path)
        try:
            status = read_status(till.connection, SystemClock().now())
            assert status.state == "offline" and "The connection to OFN broke" in status.message
        finally:
            till.close()


def test_the_catalogue_refresh_leaves_sales_fully_durable_and_marks_sold_out_variants(box: Box) -> None:
    variant = next(iter(sorted(box.sandbox.stock())))
    box.sandbox.admin("POST", "stock", {"variant_id": variant, "on_hand": 0})
    box.daemon.run_once(catalogue=True)
    assert box.till.connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again
    row = box.till.connection.execute("SELECT on_hand, on_demand FROM variant WHERE id = ?", (variant,)).fetchone()
    assert row == (0, 0), "left the shopfront: kept, with no stock"


def test_the_stock_view_rounds_unposted_weights_half_up_like_the_counter_order(till: Till) -> None:
    """2.5 kg not yet posted is 3 units off the shelf, as OFN will be told (not banker's 2)."""
    before = stock_levels(till.connection)[1001]
    sale = till.new_sale("Alice")
    sale.add_weighed(till.item(1001), 2500)
    sale.tender(till.payment("card"), from_cents(sale.totals().total))
    till.complete(sale)
    assert stock_levels(till.connection)[1001] == before - 3


def test_pickup_orders_arrive_with_their_lines_and_only_changed_ones_are_read_again(box: Box) -> None:
    stored = box.till.connection.execute("SELECT count(*), sum(json_array_length(lines) > 0) FROM pickup_order")
    # the 36 customer orders; lane 2's counter order is in ofn.other_counter_orders, so it stays out
    assert tuple(stored.fetchone()) == (36, 36), "the fixture's first pass read every customer order of the cycle"
    assert not box.till.connection.execute(
        "SELECT 1 FROM pickup_order WHERE number = ?", (box.sandbox.lanes["2"],)
    ).fetchone()
    customer = box.till.connection.execute(
        "SELECT number, lines FROM pickup_order WHERE json_array_length(lines) > 0 ORDER BY number"
    ).fetchone()
    variant = json.loads(customer[1])[0]["variant_id"]
    box.sandbox.admin("POST", f"orders/{customer[0]}/lines", {"variant_id": variant, "quantity": 9})
    shows_before = box.sandbox.admin("GET", "stats").get("orders.show", 0)
    with write_transaction(box.till.db) as connection:
        connection.execute("UPDATE sync_status SET pickup_at = NULL")
    box.daemon.run_once(catalogue=False)
    assert box.sandbox.admin("GET", "stats")["orders.show"] - shows_before == 1, "only the changed order"
    lines = json.loads(
        box.till.connection.execute("SELECT lines FROM pickup_order WHERE number = ?", (customer[0],)).fetchone()[0]
    )
    assert {line["variant_id"]: line["quantity"] for line in lines}[variant] == 9
