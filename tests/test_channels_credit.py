"""Customer credit reaches OFN once in effect, over real HTTP to the sandbox, whatever answer is lost.

OFN's customer_account_transaction has no idempotency key: a repeated POST debits twice. The
sandbox's write scripts make one exact request fail (answer dropped after the change, a proxy's
502 before it, a late write), and the tests count the transactions OFN holds for the customer.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from appliance import config as config_module
from appliance.cli.main import main
from appliance.core.sale import SaleError
from appliance.ofn.client import OfnClient
from appliance.ofn.daemon import Daemon
from appliance.store.sync_state import read_status
from appliance.till import Till

from .ofn_sandbox import Sandbox, ShiftableClock, box_config, running_sandbox

ROUTE = "customer_account_transaction"
ITEM_OVER_TEN = "SELECT min(id) FROM variant WHERE priced_by = 'each' AND price >= 1000"


@dataclass
class CreditBox:
    sandbox: Sandbox
    till: Till
    daemon: Daemon
    clock: ShiftableClock
    customer: int
    config_path: Path

    def pay_by_credit(self, amount: str = "7.50", customer: int | None = None) -> str:
        till = self.till
        sale = till.new_sale("Alice")
        sale.add(till.item(till.connection.execute(ITEM_OVER_TEN).fetchone()[0]))
        credit = till.payment("credit")
        cash = till.payment("cash")
        total = sale.totals().total
        till.tender(sale, credit, Decimal(amount), self.customer if customer is None else customer)
        till.tender(sale, cash, Decimal(total - int(Decimal(amount) * 100)) / 100)
        return till.complete(sale).sale.uuid

    def transactions(self) -> list[dict[str, object]]:
        """What OFN holds for the customer, zero-amount balance reads left out."""
        found = self.sandbox.admin("GET", f"customers/{self.customer}/credit")["transactions"]
        return [t for t in found if Decimal(t["amount"]) != 0]

    def posting(self) -> tuple[str, str | None]:
        row = self.till.connection.execute(
            "SELECT status, last_error FROM outbox WHERE kind = 'credit' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return row[0], row[1]

    def after_the_window(self) -> None:
        self.clock.advance(self.daemon.credit.in_doubt.total_seconds() + 1)


@contextmanager
def credit_box(tmp_path: Path, *sandbox_args: str) -> Iterator[CreditBox]:
    with running_sandbox(tmp_path / "ofn", *sandbox_args) as sandbox:
        path = box_config(tmp_path, sandbox)
        path.write_text(path.read_text() + '\n[[payment]]\ncode = "credit"\nlabel = "Avoir OFN"\nofn_credit = true\n')
        assert main(["store", "init", "--training", "--config", str(path)]) == 0
        config = config_module.load(path)
        till = Till.open(config, config.store_path)
        client = OfnClient(config.ofn_base_url, sandbox.api_key, sleep=lambda s: None)
        try:
            clock = ShiftableClock()
            daemon = Daemon(config, till.db, client, clock, rng=random.Random(3))
            daemon.run_once(catalogue=True)
            till.open_shift("Alice", Decimal("50.00"))
            customer = sandbox.admin("POST", "customers", {"customers": [{"email": "ada@example.org"}]})["added"][0]
            yield CreditBox(sandbox, till, daemon, clock, customer, path)
        finally:
            client.close()
            till.close()


def test_a_credit_payment_debits_the_customer_once_and_seals_who(tmp_path: Path) -> None:
    with credit_box(tmp_path) as box:
        uuid = box.pay_by_credit("7.50")
        record = json.loads(
            box.till.connection.execute("SELECT payload FROM journal WHERE ref = ?", (uuid,)).fetchone()[0]
        )
        assert {
            "method": "credit",
            "cash": False,
            "amount": 750,
            "tendered": 750,
            "customer_id": box.customer,
        } in record["payments"]
        box.daemon.run_once()
        assert box.posting() == ("done", None)
        [posted] = box.transactions()
        assert posted["amount"] == "-7.5" and posted["balance"] == "-7.5"
        assert posted["description"] == f"API credit: OFN Checkout lane 1 sale 1 ({uuid})"
        box.daemon.run_once()
        assert len(box.transactions()) == 1  # a pass more sends nothing more


def test_the_audit_counts_a_sale_paid_by_credit_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Such a sale has two outbox rows (its lines, and the posting to the customer's credit): the
    audit reads its lines through the first alone, or OFN seems to hold half of what it sold."""
    with credit_box(tmp_path) as box:
        box.pay_by_credit("7.50")
        box.daemon.run_once()
        assert box.posting() == ("done", None)
        capsys.readouterr()
        code = main(["sync", "--config", str(box.config_path), "audit"])
        out = capsys.readouterr().out
        assert code == 0 and "audit: 0 unexplained" in out, out


@pytest.mark.parametrize(
    ("script", "what"),
    [("kd", "applied, its answer dropped"), ("ke", "a proxy's 502: never applied")],
)
def test_a_lost_answer_is_settled_by_the_balance_after_the_window(tmp_path: Path, script: str, what: str) -> None:
    with credit_box(tmp_path) as box:
        first = box.pay_by_credit("2.00")  # a posting that went through: OFN's balance is -2.00
        box.daemon.run_once()
        box.pay_by_credit("7.50")
        box.sandbox.faults(scripts={ROUTE: script})  # keep the balance read, fail the posting
        box.daemon.run_once()
        assert box.posting()[0] == "pending"
        landed = 2 if script == "kd" else 1
        assert len(box.transactions()) == landed, what
        box.daemon.run_once()  # inside the in-doubt window: nothing is sent again
        assert len(box.transactions()) == landed
        box.after_the_window()
        box.daemon.run_once()
        assert box.posting() == ("done", None)
        amounts = [t["amount"] for t in box.transactions()]
        assert amounts == ["-2.0", "-7.5"], (what, first)  # exactly once, whichever way it was lost


def test_a_late_write_is_waited_for_not_sent_twice(tmp_path: Path) -> None:
    with credit_box(tmp_path) as box:
        box.pay_by_credit("3.00")
        box.sandbox.faults(scripts={ROUTE: "kl"}, late_ms=2000)  # the posting lands 2 s after its drop
        box.daemon.run_once()  # its answer is lost; it may or may not have landed yet
        box.daemon.run_once()  # still in doubt: a resend now would land beside the late one
        deadline = time.monotonic() + 30
        while not box.sandbox.admin("GET", "stats").get("late_landed") and time.monotonic() < deadline:
            time.sleep(0.05)  # polling for the late write to land, with a deadline
        assert box.sandbox.admin("GET", "stats").get("late_landed") == 1, "the late write never landed"
        assert len(box.transactions()) == 1
        box.after_the_window()
        box.daemon.run_once()
        assert box.posting() == ("done", None)
        assert [t["amount"] for t in box.transactions()] == ["-3.0"]


def test_a_balance_moved_by_someone_else_is_left_to_a_person(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with credit_box(tmp_path) as box:
        uuid = box.pay_by_credit("4.00")
        box.sandbox.faults(scripts={ROUTE: "kd"})
        box.daemon.run_once()
        # Meanwhile the hub credits the customer 5.00 by another road (OFN's admin, a POS):
        answer = httpx.post(
            f"{box.sandbox.url}/api/v1/{ROUTE}",
            json={"customer_id": box.customer, "amount": "5.00", "description": "refund"},
            headers={"X-Api-Token": box.sandbox.api_key},
        )
        assert answer.status_code == 201
        box.after_the_window()
        box.daemon.run_once()
        status, reason = box.posting()
        assert status == "attention" and reason is not None and uuid in reason and "sync credit-done" in reason
        box.daemon.run_once()
        assert [t["amount"] for t in box.transactions()] == ["-4.0", "5.0"]  # never posted twice
        outbox_id = box.till.connection.execute("SELECT max(id) FROM outbox WHERE kind = 'credit'").fetchone()[0]
        capsys.readouterr()
        assert main(["sync", "--config", str(box.config_path), "status"]) == 0
        shown = capsys.readouterr().out
        assert f"attention: credit posting {outbox_id} · customer {box.customer}: " in shown
        assert f"found: `ofn-checkout sync credit-done {outbox_id}`" in shown
        assert main(["sync", "--config", str(box.config_path), "status", "--json"]) == 0
        [parked] = json.loads(capsys.readouterr().out)["parked"]
        assert parked["credit_posting"] == outbox_id and parked["in_doubt"] is True and uuid in parked["attention"]
        # a blanket retry (after fixing a stock problem, say) never sends a posting that may have landed
        assert main(["sync", "--config", str(box.config_path), "retry"]) == 0
        assert "1 posting to customers' credit may be in OFN already and stays parked" in capsys.readouterr().out
        box.daemon.run_once()
        assert box.posting()[0] == "attention"
        assert [t["amount"] for t in box.transactions()] == ["-4.0", "5.0"]
        assert main(["sync", "--config", str(box.config_path), "credit-done", str(outbox_id)]) == 0
        assert box.posting() == ("done", None)
        assert main(["sync", "--config", str(box.config_path), "credit-done", str(outbox_id)]) == 3
        assert f"There is no open credit posting {outbox_id}" in capsys.readouterr().err


def test_a_posting_not_found_in_ofn_is_sent_again_on_the_managers_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with credit_box(tmp_path) as box:
        box.pay_by_credit("4.00")
        box.sandbox.faults(scripts={ROUTE: "ke"})  # a proxy's 502: the posting never reached OFN
        box.daemon.run_once()
        httpx.post(
            f"{box.sandbox.url}/api/v1/{ROUTE}",
            json={"customer_id": box.customer, "amount": "5.00", "description": "refund"},
            headers={"X-Api-Token": box.sandbox.api_key},
        ).raise_for_status()
        box.after_the_window()
        box.daemon.run_once()
        assert box.posting()[0] == "attention"  # the credit moved: only a person can tell
        [task] = box.till.attention(3600).waiting  # what the Needs attention screen lists
        assert task.answer_needed and not task.retry_helps and "-4.00" in task.todo
        outbox_id = task.credit.posting if task.credit else 0
        assert main(["sync", "--config", str(box.config_path), "credit-resend", str(outbox_id)]) == 0
        box.daemon.run_once()
        assert box.posting() == ("done", None)
        assert [t["amount"] for t in box.transactions()] == ["5.0", "-4.0"]  # sent once more, once
        assert main(["sync", "--config", str(box.config_path), "credit-resend", str(outbox_id)]) == 3
        assert f"There is no parked credit posting {outbox_id}" in capsys.readouterr().err


def test_an_unknown_customer_is_parked_with_the_reason(tmp_path: Path) -> None:
    with credit_box(tmp_path) as box:
        box.pay_by_credit("1.00", customer=99999)
        box.daemon.run_once()
        status, reason = box.posting()
        assert status == "attention" and reason is not None and "not be found" in reason
        [task] = box.till.attention(3600).waiting
        assert task.retry_helps and not task.answer_needed  # refused: never applied, a retry is safe
        assert "customer 99999" in task.where and "belongs to the hub" in task.todo
        assert main(["sync", "--config", str(box.config_path), "retry"]) == 0
        assert box.posting() == ("pending", None)


def test_credit_needs_a_customer(tmp_path: Path) -> None:
    with credit_box(tmp_path) as box:
        sale = box.till.new_sale("Alice")
        sale.add(box.till.item(box.till.connection.execute(ITEM_OVER_TEN).fetchone()[0]))
        with pytest.raises(SaleError, match="Avoir OFN needs a customer: pick the customer first"):
            box.till.tender(sale, box.till.payment("credit"), Decimal("1.00"))
        sale.tender(box.till.payment("credit"), Decimal("1.00"))  # round the rules: the seal refuses it
        sale.tender(box.till.payment("cash"), Decimal("100.00"))
        with pytest.raises(SaleError, match="needs a customer"):
            box.till.complete(sale)


def test_a_parked_posting_counts_in_the_status_even_behind_later_sales(tmp_path: Path) -> None:
    """The status bar, the light and the Needs attention head read ``read_status``: a posting parked
    while later sales were folded into the counter order must still count, as waiting then parked."""
    with credit_box(tmp_path) as box:
        box.pay_by_credit("1.00", customer=99999)  # OFN will refuse it: parked
        till = box.till
        sale = till.new_sale("Alice")
        sale.add(till.item(till.connection.execute(ITEM_OVER_TEN).fetchone()[0]))
        till.tender(sale, till.payment("cash"), Decimal(sale.totals().total) / 100)
        till.complete(sale)  # a later sale, folded into the counter order by the pass
        assert read_status(till.connection, box.clock.now()).pending == 3  # two sales and the posting wait
        box.daemon.run_once()
        assert box.posting()[0] == "attention"
        status = read_status(till.connection, box.clock.now())
        assert (status.pending, status.attention) == (0, 1)
        assert status.needs_person(3600)  # the light turns red
