"""Goods back to stock leave the lane's counter order in OFN; damaged goods do not (a real sandbox over
HTTP, the real sync daemon, and `sync audit` reading the journal against OFN)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from appliance.cli.main import main
from appliance.core.money import from_cents

from .ofn_sandbox import Box


def test_a_damaged_line_stays_in_the_counter_order_and_the_audit_agrees(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    till = box.till
    till.open_shift("Alice", Decimal("50.00"))
    first, second = (
        row[0]
        for row in till.connection.execute(
            "SELECT id FROM variant WHERE priced_by = 'each' AND (on_demand OR on_hand >= 5) ORDER BY id LIMIT 2"
        )
    )
    sale = till.new_sale("Alice")
    sale.add(till.item(first), 3)
    sale.add(till.item(second), 2)
    sale.tender(till.payment("cash"), from_cents(sale.totals().total))
    stored = till.complete(sale)
    box.drain_until_settled()
    before = box.sandbox.counter_lines()
    stock = box.sandbox.stock()

    draft = till.return_draft(str(stored.number), "Alice")
    draft.give_back(1, 2)  # two of the first come back to the shelf
    draft.give_back(2, 1)  # one of the second, damaged
    assert draft.turn_damaged(2) is True
    draft.sale.tender(till.payment("cash"), -from_cents(draft.to_refund))
    back = till.complete(draft.sale)
    assert [line.damaged for line in back.sale.lines] == [False, True]
    box.drain_until_settled()

    after = box.sandbox.counter_lines()
    assert after.get(first, 0) == before[first] - 2
    assert after.get(second, 0) == before[second], "the damaged piece is still sold, in OFN's eyes"
    assert box.sandbox.stock()[second] == stock[second], "and it never went back on OFN's shelf"
    capsys.readouterr()
    code = main(["sync", "--config", str(box.config_path), "audit"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "audit: 0 " in out


def test_a_return_of_damaged_goods_only_settles_without_changing_the_order(box: Box) -> None:
    till = box.till
    till.open_shift("Alice", Decimal("50.00"))
    variant = till.connection.execute(
        "SELECT id FROM variant WHERE priced_by = 'each' AND (on_demand OR on_hand >= 5) ORDER BY id LIMIT 1"
    ).fetchone()[0]
    sale = till.new_sale("Alice")
    sale.add(till.item(variant), 2)
    sale.tender(till.payment("cash"), from_cents(sale.totals().total))
    stored = till.complete(sale)
    box.drain_until_settled()
    before = box.sandbox.counter_lines()
    draft = till.return_draft(str(stored.number), "Alice")
    draft.one_more(1)
    draft.turn_damaged(1)
    draft.sale.tender(till.payment("cash"), -from_cents(draft.to_refund))
    back = till.complete(draft.sale)
    box.drain_until_settled()  # nothing left pending: the return's empty change is settled
    assert box.sandbox.counter_lines() == before
    status = till.connection.execute("SELECT status FROM outbox WHERE journal_seq = ?", (back.journal_seq,)).fetchone()
    assert status == ("done",)
