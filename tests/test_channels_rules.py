"""A channel's rules as the till applies them: assortment, payment, the digest sealed, the reload."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.cli.demo import demo_variants
from appliance.config import Config
from appliance.core.assortment import Assortment
from appliance.core.clock import SteppingClock
from appliance.core.money import from_cents
from appliance.core.payment_rules import PaymentRules
from appliance.core.sale import Item, PaymentMethod, PricedBy, Sale, SaleError
from appliance.core.tax import VatRate
from appliance.store.catalogue import as_item, get_variant
from appliance.till import Till

from .channels_kit import PAPER_BAG, channel_till, flour_t80_id, pickup_rules
from .conftest import MONDAY_MORNING

CASH = PaymentMethod("cash", "Espèces", is_cash=True)
CARD = PaymentMethod("card", "Carte", is_card=True)
VARIANTS = demo_variants()


def sealed(till: Till, uuid: str) -> dict[str, object]:
    row = till.connection.execute("SELECT payload FROM journal WHERE ref = ?", (uuid,)).fetchone()
    return json.loads(row[0])  # type: ignore[no-any-return]


def variant_named(name: str) -> int:
    return next(v.id for v in VARIANTS if v.name.startswith(name))


# -- assortment ------------------------------------------------------------------------------------


def test_excluded_variants_are_refused_with_their_reason(config: Config, clock: SteppingClock, tmp_path: Path) -> None:
    with channel_till(config, clock, tmp_path) as till:
        for name, reason in [
            ("Beer blonde", "its tag 'alcohol' is excluded"),
            ("Quiche slice", "its category 15 is excluded"),
            ("Flour T80", "this variant is excluded"),
        ]:
            with pytest.raises(SaleError) as refused:
                till.item(variant_named(name))
            assert str(refused.value).endswith(f"is not sold at Pick-up point ({reason}): put it aside")
        assert till.item(variant_named("Flour T65")).name.startswith("Flour T65")


def test_a_shelf_item_sells_and_never_reaches_ofn(config: Config, clock: SteppingClock, tmp_path: Path) -> None:
    with channel_till(config, clock, tmp_path) as till:
        bag = till.shelf_item(PAPER_BAG)
        assert bag is not None and bag.variant_id == 0 and bag.vat.code == "C" and bag.cents == 10
        sale = till.new_sale("Alice")
        sale.add(bag, 3)
        sale.add(till.item(variant_named("Flour T65")))
        till.tender(sale, CASH, from_cents(sale.totals().total))
        stored = till.complete(sale)
        line = sealed(till, stored.sale.uuid)["lines"][0]  # type: ignore[index]
        assert line["shelf"] == PAPER_BAG and line["variant_id"] == 0 and line["amount"] == 30
        outbox = json.loads(till.connection.execute("SELECT payload FROM outbox WHERE kind = 'sale'").fetchone()[0])
        assert [v["variant_id"] for v in outbox["variants"]] == [variant_named("Flour T65")]
        assert till.shelf_item("2000000000022") is None


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    excluded_tags=st.sets(st.sampled_from(["loose", "bakery", "alcohol", "Alcohol", "fresh"]), max_size=2),
    only_tags=st.sets(st.sampled_from(["loose", "bakery", "alcohol"]), max_size=2),
    categories=st.sets(st.sampled_from([11, 12, 13, 14, 15]), max_size=2),
    variants=st.sets(st.sampled_from([v.id for v in VARIANTS[:60]]), max_size=5),
    picked=st.lists(st.sampled_from([v.id for v in VARIANTS if v.priced_by.value == "each"]), min_size=1, max_size=6),
)
def test_an_excluded_variant_can_never_be_sold(
    till: Till,
    excluded_tags: set[str],
    only_tags: set[str],
    categories: set[int],
    variants: set[int],
    picked: list[int],
) -> None:
    """Whatever the assortment and the basket, no sealed sale holds a variant the channel excludes:
    the scan refuses it, and a line put in round the scan is refused when the sale is sealed."""
    assortment = Assortment(frozenset(categories), frozenset(excluded_tags), frozenset(only_tags), frozenset(variants))
    till.rules = replace(till.rules, assortment=assortment, label="Stall")
    sale = till.new_sale("Alice")
    for variant_id in picked:
        variant = get_variant(till.connection, variant_id)
        assert variant is not None
        refusal = assortment.refusal(variant.id, variant.category_id, variant.tags)
        try:
            till.sellable(variant)
            assert refusal is None
        except SaleError as refused:
            assert refusal is not None and refusal in str(refused)
        sale.add(as_item(variant, till.vat))  # round the scan: the seal must still refuse it
    sale.tender(CASH, from_cents(sale.totals().total))
    excluded = [v for v in picked if assortment.refusal(v, *_facts(till, v)) is not None]
    if excluded:
        with pytest.raises(SaleError, match="is not sold at Stall"):
            till.complete(sale)
        till.cancel(sale, "test")
    else:
        stored = till.complete(sale)
        assert {line.variant_id for line in stored.sale.lines} == set(picked)


def _facts(till: Till, variant_id: int) -> tuple[int | None, tuple[str, ...]]:
    variant = get_variant(till.connection, variant_id)
    assert variant is not None
    return variant.category_id, variant.tags


# -- payment ---------------------------------------------------------------------------------------


def test_the_channel_takes_its_own_methods_only(config: Config, clock: SteppingClock, tmp_path: Path) -> None:
    with channel_till(config, clock, tmp_path) as till:
        assert [m.code for m in till.payment_methods()] == ["cash", "voucher", "cheque"]
        sale = till.new_sale("Alice")
        sale.add(till.item(variant_named("Flour T65")))
        with pytest.raises(SaleError, match=r"Carte bancaire is not taken at Pick-up point \(it takes cash, voucher,"):
            till.tender(sale, till.payment("card"), Decimal("1.00"))
        with pytest.raises(SaleError, match="Chèque needs a customer"):
            till.tender(sale, till.payment("cheque"), Decimal("1.00"))
        till.tender(sale, till.payment("cheque"), Decimal("1.00"), customer_id=7)
        assert sale.tenders[-1].customer_id == 7
        sale.tender(till.payment("card"), from_cents(sale.totals().due))  # round the rules
        with pytest.raises(SaleError, match="Carte bancaire is not taken at Pick-up point"):
            till.complete(sale)


def test_cash_is_limited_per_sale_net_of_change_and_split_works(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    with channel_till(config, clock, tmp_path) as till:
        sale = till.new_sale("Alice")
        sale.add(till.item(variant_named("Flour T65")), 3)
        total = sale.totals().total
        assert total > 2000
        with pytest.raises(SaleError, match=r"Cash is limited to 20.00 a sale at Pick-up point: take at most 20.00"):
            till.tender(sale, till.payment("cash"), from_cents(total))
        assert sale.tenders == []  # the basket is as it was
        till.tender(sale, till.payment("voucher"), Decimal("10.00"))
        till.tender(sale, till.payment("cash"), Decimal("50.00"))  # what is left is under 20.00: the rest is change
        stored = till.complete(sale)
        assert [(p.method, p.amount) for p in stored.sale.payments] == [("voucher", 1000), ("cash", total - 1000)]
        assert stored.sale.change == 5000 - (total - 1000)


@given(
    limit=st.integers(1, 5000),
    total=st.integers(1, 8000),
    tenders=st.lists(st.tuples(st.booleans(), st.integers(1, 9000)), max_size=6),
)
def test_no_accepted_tender_ever_takes_more_cash_than_the_limit(
    limit: int, total: int, tenders: list[tuple[bool, int]]
) -> None:
    rules = PaymentRules(("cash", "card"), limit)
    sale = Sale(lane_id=1, channel="x", cashier="A", started_at=MONDAY_MORNING)
    sale.add(Item(1, "Thing", from_cents(total), PricedBy.EACH, VatRate("A", Decimal("5.5"), "A")))
    for is_cash, amount in tenders:
        method = CASH if is_cash else CARD
        totals = sale.totals()
        cash = sum(int(t.amount * 100) for t in sale.tenders if t.method.is_cash)
        try:
            rules.check_tender(method, amount, due=totals.due, cash_so_far=cash, has_customer=False, channel_label="x")
            sale.tender(method, from_cents(amount))
        except SaleError:
            continue
    if sale.totals().due == 0:
        completed = sale.complete(MONDAY_MORNING)
        assert sum(p.amount for p in completed.payments if p.cash) <= limit
        rules.check_payments(completed.payments, (CASH, CARD), "x")


# -- the rules in force --------------------------------------------------------------------------


def test_every_sale_and_return_seals_the_digest_of_the_rules(
    config: Config, clock: SteppingClock, tmp_path: Path, till: Till
) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(variant_named("Flour T65")))
    sale.tender(CASH, Decimal("10.00"))
    default = sealed(till, till.complete(sale).sale.uuid)["rules"]
    assert default == {"digest": till.rules.digest} and len(till.rules.digest) == 64
    with channel_till(config, clock, tmp_path) as channel:
        sale = channel.new_sale("Alice")
        sale.add(channel.item(variant_named("Flour T65")), 2)
        channel.tender(sale, CASH, Decimal("20.00"))
        stored = channel.complete(sale)
        digest = hashlib.sha256((tmp_path / "channels.toml").read_bytes()).hexdigest()
        assert sealed(channel, stored.sale.uuid)["rules"] == {"digest": digest} != default
        assert channel.find_sale(number=stored.number).sale.rules_digest == digest  # type: ignore[union-attr]
        back = channel.new_return(stored, "Alice")
        channel.add_return_line(back, stored, 1, quantity=1)
        back.tender(CASH, from_cents(back.totals().total))
        assert sealed(channel, channel.complete(back).sale.uuid)["rules"] == {"digest": digest}
        draft = channel.return_draft(str(stored.number), "Alice", receipt_shown=True)  # the counter's way
        draft.give_back(1, 1)
        draft.sale.tender(CASH, -from_cents(draft.to_refund))
        assert sealed(channel, channel.complete(draft.sale).sale.uuid)["rules"] == {"digest": digest}


def test_a_changed_file_takes_effect_at_the_next_sale_never_mid_basket(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    with channel_till(config, clock, tmp_path) as till:
        path = tmp_path / "channels.toml"
        first = till.rules.digest
        basket = till.new_sale("Alice")
        basket.add(till.item(variant_named("Flour T65")), 3)
        path.write_text(pickup_rules().replace('cash_limit = "20.00"', 'cash_limit = "5.00"'), encoding="utf-8")
        _touch_later(path)
        other = till.new_sale("Bob")  # another basket starts meanwhile (a return, a hand-over): new rules
        assert other.rules_digest != first
        till.tender(basket, till.payment("voucher"), Decimal("10.00"))
        till.tender(basket, CASH, Decimal("20.00"))  # the basket goes on under the rules it began with
        assert till.complete(basket).sale.rules_digest == first
        following = till.new_sale("Alice")
        assert following.rules_digest == hashlib.sha256(path.read_bytes()).hexdigest() != first
        following.add(till.item(variant_named("Flour T65")))
        with pytest.raises(SaleError, match="Cash is limited to 5.00"):
            till.tender(following, CASH, Decimal("8.00"))


def test_a_broken_new_file_keeps_the_rules_in_force_and_says_so(
    config: Config, clock: SteppingClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with channel_till(config, clock, tmp_path) as till:
        path = tmp_path / "channels.toml"
        before = till.rules
        path.write_text(pickup_rules().replace("version = 1", "version = 7"), encoding="utf-8")
        _touch_later(path)
        sale = till.new_sale("Alice")  # no crash: the sale starts under the rules it had
        assert till.rules == before and sale.rules_digest == before.digest
        assert till.rules_problem is not None and "config check" in till.rules_problem
        assert "version = 7: this box reads version 1" in caplog.text
        path.write_text(pickup_rules().replace('"0.10"', '"0.20"'), encoding="utf-8")
        _touch_later(path)
        till.new_sale("Alice")
        assert till.rules_problem is None and till.shelf_item(PAPER_BAG).cents == 20  # type: ignore[union-attr]
        flour_t80 = till.connection.execute("SELECT id FROM variant WHERE id = ?", (flour_t80_id(),)).fetchone()
        assert flour_t80 is not None


def _touch_later(path: Path) -> None:
    """A stamp the till cannot miss, even within the file system's time resolution."""
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 10**9))
