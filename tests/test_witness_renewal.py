"""The head witness renewed at the counter's idle moment, not inside the sale's wait.

The counter has the till name each committed entry in the witness once the call that sold has
returned (``Till.renew_witness_later``, appliance/store/witness_writer.py). Until then the witness
names the entry before: a lag, which the rules allow (a power cut can leave one), never a lead.
These tests hold the rest of the rules to it: the renewal happens once, whoever runs it first; the
next write does it first if nothing else did; closing does it; a journal cut while it waits is
refused as any other; a kill at any moment leaves a store that verifies and opens; and the real
counter does run it.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from appliance.config import Config
from appliance.store.database import StoreError
from appliance.store.sales import StoredSale
from appliance.store.witness import State
from appliance.till import Till

from .conftest import env_without_config
from .counter_kit import FLOUR, app_for, counter_kit, pay_exact_cash, scan, until
from .test_crash import assert_consistent, run_and_kill
from .test_tampering import trade
from .test_witness_writer import anchor_row, assert_refused_and_nothing_written, cash_in, cut_back, last_seq

Renewals = list[Callable[[], None]]


def renewed_later(till: Till) -> Renewals:
    """The renewals the till asks for, kept until the test runs them (the counter's idle moment)."""
    asked: Renewals = []
    till.renew_witness_later(asked.append)
    return asked


def witnessed(till: Till) -> int:
    assert till.witness is not None
    reading = till.witness.read()
    assert reading.state is State.OK
    return reading.seq


def run(asked: Renewals) -> None:
    while asked:
        asked.pop(0)()


def test_a_sale_is_witnessed_once_its_renewal_runs_not_inside_the_call(till: Till, config: Config) -> None:
    asked = renewed_later(till)
    trade(till, 1)
    run(asked)
    trade(till, 1)
    newest = last_seq(config.store_path)
    assert witnessed(till) == newest - 1  # the call returned with the witness one entry behind
    assert len(asked) == 1
    run(asked)
    assert witnessed(till) == newest


def test_a_renewal_that_has_not_run_is_done_by_the_next_write_before_its_check(till: Till, config: Config) -> None:
    asked = renewed_later(till)
    trade(till, 3)  # no idle moment between the sales: each write renews the one before first
    newest = last_seq(config.store_path)
    assert witnessed(till) == newest - 1
    run(asked)  # the renewals asked for meanwhile: the first does the work, the others find none
    assert witnessed(till) == newest
    trade(till, 1)
    assert witnessed(till) == newest  # the next sale's renewal waits again


def test_closing_the_till_renews_what_waits(config: Config, till: Till) -> None:
    asked = renewed_later(till)
    trade(till, 1)
    newest = last_seq(config.store_path)
    till.close()
    assert asked  # asked for, never run: the close did it
    reader = Till.open(config, write=False)
    try:
        assert witnessed(reader) == newest
    finally:
        reader.close()
    run(asked)  # a renewal running after the close finds nothing to do
    assert witnessed(till) == newest


@pytest.mark.parametrize("renewal", ["runs before the next sale", "never runs"])
def test_a_cut_made_while_the_renewal_waits_is_refused(till: Till, config: Config, renewal: str) -> None:
    """The attacker cuts the till's last sale while its renewal waits, and puts back the anchor of
    the entry before: the witness (renewed now, or by the next write before its check) names the
    cut sale, so the next write is refused and nothing is written."""
    asked = renewed_later(till)
    trade(till, 2)
    run(asked)
    before = anchor_row(till)
    trade(till, 1)  # committed; its renewal waits
    cut_back(config.store_path, before)
    if renewal == "runs before the next sale":
        run(asked)
        assert witnessed(till) == before[1] + 1  # the witness names a sale the journal no longer has
    assert_refused_and_nothing_written(till, config, before[1])


async def test_the_counter_renews_the_witness_after_the_sale_s_call(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    complete, on_return = till.complete, list[int]()

    def completing(*args: Any, **kwargs: Any) -> StoredSale:
        stored = complete(*args, **kwargs)
        on_return.append(witnessed(till))  # what the witness says when the sale's call returns
        return stored

    monkeypatch.setattr(till, "complete", completing)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await pay_exact_cash(pilot)
            newest = last_seq(config.store_path)
            await until(pilot, lambda: witnessed(till) == newest, what="the witness to name the sale")
            assert app.unexpected == 0
    assert on_return == [newest - 1]  # not renewed inside the sale's call: after it, by the counter


SELLER = """
import random, sys
from decimal import Decimal
from pathlib import Path
from appliance.config import load
from appliance.till import Till

till = Till.open(load(Path(sys.argv[1])))
asked = []
till.renew_witness_later(asked.append)
rng = random.Random(int(sys.argv[2]))
index = 0
while True:
    sale = till.new_sale("Alice")
    sale.add(till.item(1100 + index % 6), 1)
    sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
    stored = till.complete(sale)
    total = stored.sale.total
    print(f"sale {stored.number} {total // 100}.{total % 100:02d}", flush=True)
    index += 1
    if rng.random() < 0.5:  # an idle moment: the counter runs the renewal it was asked for
        while asked:
            asked.pop(0)()
"""


@pytest.mark.slow
def test_a_kill_while_a_renewal_waits_never_fails_verify(
    till: Till, config: Config, config_file: Path, tmp_path: Path
) -> None:
    """SIGKILL at 24 random moments of a till whose renewals run at its idle moments (or not yet):
    the witness is never ahead of the journal, verify passes, and the next till opens and sells."""
    till.close()  # the store and its open shift are set up: the seller has it to itself
    rng = random.Random(20261207)
    env = env_without_config(tmp_path)
    printed: set[int] = set()
    for kill in range(24):
        command = [sys.executable, "-c", SELLER, str(config_file), str(kill)]
        printed.update(int(m[2]) for m in run_and_kill(command, rng.uniform(0.0, 0.4), env, trading=True))
        assert_consistent(config, printed)  # verify passes; the witness names an entry the journal has
    assert len(printed) >= 24


@pytest.mark.parametrize("refusal", ["returns False", "raises"])
def test_a_renewal_that_cannot_be_put_off_is_done_in_the_call(till: Till, config: Config, refusal: str) -> None:
    """The counter's loop gone (Textual's call_later returns False once the app is closing; anything
    else may raise): the sale is committed and reported as done, and the witness is renewed at once
    rather than left waiting for the next write."""

    def gone(renew: Callable[[], None]) -> bool:
        if refusal == "raises":
            raise RuntimeError("no event loop")
        return False

    till.renew_witness_later(gone)
    trade(till, 2)
    assert witnessed(till) == last_seq(config.store_path)


def test_a_renewal_never_takes_back_what_another_writer_witnessed_meanwhile(till: Till, config: Config) -> None:
    """While the till's renewal waits, a command over SSH commits two entries and witnesses them:
    the later one is in the slot of the till's parity, and the renewal must not write over it (the
    witness would go back to the command's first entry, and a cut of its second would pass)."""
    asked = renewed_later(till)
    trade(till, 1)  # committed; its renewal waits
    command = Till.open(config, clock=till.clock)
    cash_in(command)
    first = anchor_row(command)
    cash_in(command)
    command.close()
    newest = last_seq(config.store_path)
    run(asked)
    assert witnessed(till) == newest  # still the command's last entry
    cut_back(config.store_path, first)
    assert_refused_and_nothing_written(till, config, first[1])


def test_a_cut_of_the_till_s_sale_that_another_writer_witnessed_over_is_caught_by_the_renewal(
    till: Till, config: Config
) -> None:
    """While the till's renewal waits, its sale is cut (with the anchor before it put back), and a
    command over SSH, which finds witness and journal agreeing, appends and witnesses an entry of
    the same number. The renewal finds the witness at its sale's number with another hash and the
    journal without its sale: it writes its slot all the same (the evidence), and the till refuses
    to write from then on."""
    asked = renewed_later(till)
    trade(till, 1)
    run(asked)
    before = anchor_row(till)
    trade(till, 1)  # entry N committed; its renewal waits
    cut_back(config.store_path, before)
    command = Till.open(config, clock=till.clock)
    cash_in(command)  # its own entry N, witnessed
    command.close()
    run(asked)
    assert witnessed(till) == before[1] + 1
    assert not till.verify().ok  # the witness names the till's entry N, which the journal does not hold
    for _ in range(2):
        with pytest.raises(StoreError, match="cut or replaced while the till was open"):
            trade(till, 1)
    assert last_seq(config.store_path) == before[1] + 1  # the command's entry; nothing after it
