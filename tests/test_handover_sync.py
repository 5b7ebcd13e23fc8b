"""Hand-overs reach OFN exactly once: item changes, payment, note and "picked up", against the sandbox."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appliance.cli.main import main
from appliance.core.clock import SystemClock
from appliance.core.handover import CompletedHandover, HandoverError, PickupOrder
from appliance.core.money import from_cents
from appliance.core.sale import PricedBy
from appliance.ofn.daemon import Daemon
from appliance.store.sync_state import read_status, stock_levels
from appliance.till import Till

from .ofn_sandbox import Sandbox, running_sandbox, synced_box


@dataclass
class Box:
    sandbox: Sandbox
    config_path: Path
    till: Till
    daemon: Daemon

    def order(self, *, paid: bool) -> PickupOrder:
        """A customer's order of the demo cycle, paid online or to pay on pickup."""
        orders = [
            o
            for o in self.till.pickup_orders()
            if o.full_name and o.lines and (o.balance == 0) == paid and o.shipment_state != "shipped"
        ]
        assert orders, "the demo seed has customers' orders of both kinds"
        return orders[0]

    def piece_variant(self, avoid: PickupOrder) -> int:
        on_order = {line.variant_id for line in avoid.lines}
        return int(
            self.till.connection.execute(
                "SELECT id FROM variant WHERE priced_by = ? AND on_hand > 5 AND id NOT IN"
                f" ({','.join(str(v) for v in on_order)}) ORDER BY id LIMIT 1",
                (PricedBy.EACH.value,),
            ).fetchone()[0]
        )

    def ofn(self, number: str) -> dict:
        return self.sandbox.admin("GET", f"orders/{number}")  # type: ignore[no-any-return]

    def drain(self, passes: int = 20) -> None:
        for _ in range(passes):
            self.daemon.run_once(catalogue=False)
            status = read_status(self.till.connection, SystemClock().now())
            if status.pending == 0:
                return
        raise AssertionError(f"still pending: {read_status(self.till.connection, SystemClock().now())}")

    def outbox(self) -> list[tuple[str, str, str | None]]:
        return self.till.connection.execute(
            "SELECT kind, status, last_error FROM outbox WHERE kind = 'pickup' ORDER BY id"
        ).fetchall()


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Box]:
    with running_sandbox(tmp_path / "ofn") as sandbox, synced_box(tmp_path, sandbox, seed=3) as synced:
        synced.till.open_shift("Zoé", Decimal("50"))
        yield Box(sandbox, synced.config_path, synced.till, synced.daemon)


def hand_over(box: Box, pickup: PickupOrder, *, add: int | None = None, remove: int | None = None) -> CompletedHandover:
    handover = box.till.new_handover(pickup.number, "Zoé")
    if add is not None:
        handover.add(box.till.item(add), 2)
    if remove is not None:
        handover.remove(remove, 1)
    if handover.due:
        handover.tender(box.till.payment("cash"), from_cents(handover.due + 100))
    return box.till.complete_handover(handover)


def test_an_order_to_pay_on_pickup_is_captured_noted_and_shipped_once(box: Box) -> None:
    pickup = box.order(paid=False)
    done = hand_over(box, pickup)
    assert done.due == pickup.balance and done.change == 100
    box.drain()
    ofn = box.ofn(pickup.number)
    assert (ofn["payment_state"], ofn["shipment_state"]) == ("paid", "shipped")
    assert [p["state"] for p in ofn["payments"]] == ["completed"], "one payment, captured once"
    assert "Handed over at" in ofn["note"] and f"paid at the counter {from_cents(done.due)}" in ofn["note"]
    assert box.outbox() == [("pickup", "done", None)]
    stats = box.sandbox.admin("GET", "stats")
    assert (stats.get("orders.capture"), stats.get("orders.ship"), stats.get("orders.update")) == (1, 1, 1)
    box.daemon.run_once(catalogue=False)
    after = box.sandbox.admin("GET", "stats")
    assert after.pop("products") == stats.pop("products") + 1, "each pass asks whether the cycle is still open"
    assert after == stats, "a finished hand-over is never touched again"
    cached = box.till.pickup_orders()
    assert next(o for o in cached if o.number == pickup.number).shipment_state == "shipped"
    with pytest.raises(HandoverError, match="already handed over"):
        box.till.new_handover(pickup.number, "Zoé")


def test_items_put_on_and_taken_off_move_ofns_lines_and_stock(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    pickup = box.order(paid=True)
    extra = box.piece_variant(pickup)
    removed = pickup.lines[0]
    stock_before = box.sandbox.stock()
    local_before = stock_levels(box.till.connection)
    done = hand_over(box, pickup, add=extra, remove=removed.variant_id)
    assert stock_levels(box.till.connection)[extra] == local_before[extra] - 2, "the shelf view follows at once"
    box.drain()
    ofn = box.ofn(pickup.number)
    assert ofn["lines"].get(str(extra)) == 2
    assert ofn["lines"].get(str(removed.variant_id), 0) == removed.quantity - 1
    stock = box.sandbox.stock()
    assert stock[extra] == stock_before[extra] - 2
    assert stock[removed.variant_id] == stock_before[removed.variant_id] + 1, "taken off with restock"
    # Paid online, then more was added: OFN cannot take the counter's payment through its API.
    assert done.due == 2 * box.till.item(extra).cents - removed.price
    assert done.due > 0
    ((kind, status, reason),) = box.outbox()
    assert status == "attention" and f"paid {from_cents(done.due)} at the counter" in reason
    assert ofn["shipment_state"] != "shipped"
    assert main(["sync", "--config", str(box.config_path), "status"]) == 0
    assert f"attention: {pickup.number}: OFN shows" in capsys.readouterr().out
    # The manager records the payment in OFN, then retries: the order goes out as picked up.
    box.sandbox.admin("POST", f"orders/{pickup.number}/payments", {"amount": str(from_cents(done.due))})
    assert main(["sync", "--config", str(box.config_path), "retry"]) == 0
    assert "1 parked change back in the queue" in capsys.readouterr().out
    box.drain()
    ofn = box.ofn(pickup.number)
    assert (ofn["payment_state"], ofn["shipment_state"]) == ("paid", "shipped")
    assert box.outbox() == [("pickup", "done", None)]


def test_a_paid_order_handed_over_as_it_is_is_only_marked_picked_up(box: Box) -> None:
    pickup = box.order(paid=True)
    done = hand_over(box, pickup)
    assert (done.due, done.payments) == (0, ())
    box.drain()
    ofn = box.ofn(pickup.number)
    assert ofn["shipment_state"] == "shipped"
    assert ofn["lines"] == {str(line.variant_id): line.quantity for line in pickup.lines}
    assert "capture" not in str(box.sandbox.admin("GET", "stats"))


def test_lost_answers_to_capture_ship_and_note_are_never_repeated_blindly(box: Box) -> None:
    pickup = box.order(paid=False)
    extra = box.piece_variant(pickup)
    hand_over(box, pickup, add=extra)
    box.sandbox.faults(drop_rate=1.0)  # every change is applied, and its answer lost
    for _ in range(6):
        box.daemon.run_once(catalogue=False)
    box.sandbox.faults(drop_rate=0.0)
    box.drain()
    ofn = box.ofn(pickup.number)
    assert ofn["lines"].get(str(extra)) == 2, "added once, although no answer came back"
    completed = [p for p in ofn["payments"] if p["state"] == "completed"]
    assert len(completed) == 1, "the pending payment captured once"


def test_the_till_counts_the_cash_of_hand_overs_but_not_as_sales(box: Box) -> None:
    pickup = box.order(paid=False)
    before = box.till.x_report()
    done = hand_over(box, pickup)
    after = box.till.x_report()
    assert after.totals.total == before.totals.total, "the order was sold online, not by the till"
    assert after.totals.vat == before.totals.vat
    assert after.expected_cash == before.expected_cash + done.due
    assert after.totals.handovers == {"count": 1, "payments": {"cash": done.due}}
    assert box.till.verify().ok


def test_the_x_report_shows_the_hand_overs_apart_from_the_takings(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    pickup = box.order(paid=False)
    done = hand_over(box, pickup)
    capsys.readouterr()
    assert main(["report", "x", "--config", str(box.config_path)]) == 0
    handed = capsys.readouterr().out.split("ONLINE ORDERS HANDED OVER (1)")
    assert len(handed) == 2, "the section is there, once"
    amount = f"{from_cents(done.due):.2f}".replace(".", ",")  # the demo hub formats fr_FR
    assert amount in handed[1]


def test_the_export_lists_what_was_paid_for_online_orders_apart(box: Box, tmp_path: Path) -> None:
    pickup = box.order(paid=False)
    done = hand_over(box, pickup)
    out = tmp_path / "export.csv"
    day = done.completed_at.astimezone(ZoneInfo("Europe/Paris")).date().isoformat()
    assert (
        main(["journal", "export", "--config", str(box.config_path), "--from", day, "--to", day, "--out", str(out)])
        == 0
    )
    with out.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    handed = [row for row in rows if row["record"] == "order_payment"]
    assert [(r["sale_uuid"], r["payment_method"], r["payment_amount"]) for r in handed] == [
        (done.uuid, "cash", str(from_cents(done.due)))
    ]
    assert pickup.number in handed[0]["description"]
    assert not [row for row in rows if row["record"] in ("line", "payment")], "no sale was made"


def test_a_manager_hands_an_order_over_from_the_shell(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    pickup = box.order(paid=False)
    config = ["--config", str(box.config_path)]
    capsys.readouterr()
    assert main(["pickup", "hand-over", pickup.number, *config, "--cashier", "Léa"]) == 3
    assert f"{from_cents(pickup.balance)} is still to be paid" in capsys.readouterr().err
    assert main(["pickup", "hand-over", "R000000000", *config, "--cashier", "Léa"]) == 3
    assert "not in the pickup list" in capsys.readouterr().err
    pay = f"cash:{from_cents(pickup.balance + 500)}"
    assert main(["pickup", "hand-over", pickup.number, *config, "--cashier", "Léa", "--pay", pay]) == 0
    out = capsys.readouterr().out
    assert f"paid {from_cents(pickup.balance)}" in out and "change to give: 5.00" in out
    assert main(["pickup", "list", *config, "--json"]) == 0
    listed = {row["number"]: row for row in json.loads(capsys.readouterr().out)}
    assert listed[pickup.number]["status"].startswith("handed over here")
    assert main(["pickup", "show", pickup.number, *config]) == 0
    assert pickup.lines[0].name[:20] in capsys.readouterr().out
