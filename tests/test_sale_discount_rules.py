"""The channel's automatic discounts inside the sale model: applied as lines are rung up, changed
with the quantity and the customer, replaced by a cashier's discount, sealed with the rule's name,
kept across a restart with the rules the sale started with."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from appliance.core.discount_rules import AutoDiscounts, Combine, DiscountPolicy, DiscountRule
from appliance.core.money import from_cents
from appliance.core.sale import Discount, DiscountKind, Sale
from appliance.core.sale_draft import draft_record, sale_from_draft

from .helpers import CASH, item

PARIS = ZoneInfo("Europe/Paris")
SATURDAY_0930_PARIS = datetime(2026, 3, 7, 8, 30, tzinfo=UTC)  # 09:30 in Paris
SATURDAY_1230_PARIS = datetime(2026, 3, 7, 11, 30, tzinfo=UTC)

VEG = replace(item(7, "2.50"), tags=frozenset({"veg"}), category_id=5)
APPLES = replace(item(8, "9.80", weighed=True), tags=frozenset({"fruit"}))
SATURDAY_VEG = DiscountRule(
    "Saturday veg", percent=Decimal("10"), tags=frozenset({"veg"}), weekdays=frozenset({5}), hours=(480, 720)
)
MEMBERS = DiscountRule("Members", amount=Decimal("0.40"), customer_tags=frozenset({"member"}))
FRUIT_KG = DiscountRule("Fruit", amount=Decimal("0.50"), tags=frozenset({"fruit"}))


def sale_at(moment: datetime, *rules: DiscountRule, combine: Combine = Combine.BEST) -> Sale:
    auto = AutoDiscounts(rules, DiscountPolicy(combine), PARIS)
    return Sale(lane_id=1, channel="shop counter", cashier="Alice", started_at=moment, auto_discounts=auto)


def test_a_rule_applies_in_its_hours_local_time_and_is_sealed_with_its_name() -> None:
    sale = sale_at(SATURDAY_0930_PARIS, SATURDAY_VEG)
    sale.add(VEG, 2)
    line = sale.totals().lines[0]
    assert (line.gross, line.line_discount, line.amount) == (500, 50, 450)
    sale.tender(CASH, from_cents(sale.totals().total))
    completed = sale.complete(SATURDAY_0930_PARIS)
    assert completed.lines[0].discount == {
        "kind": "percent",
        "value": "10",
        "reason": "automatic",
        "rule": "Saturday veg",
    }
    assert completed.lines[0].discount_cents == 50 and completed.total == 450


def test_no_rule_outside_its_hours() -> None:
    sale = sale_at(SATURDAY_1230_PARIS, SATURDAY_VEG)  # 11:30 UTC is 12:30 in Paris
    sale.add(VEG, 2)
    assert sale.totals().lines[0].line_discount == 0
    sale.tender(CASH, Decimal("5.00"))
    assert sale.complete(SATURDAY_1230_PARIS).lines[0].discount is None


def test_the_discount_follows_the_quantity_and_the_weight() -> None:
    sale = sale_at(SATURDAY_0930_PARIS, SATURDAY_VEG, FRUIT_KG)
    sale.add(VEG, 1)
    sale.add_weighed(APPLES, 1500)
    assert [t.line_discount for t in sale.totals().lines] == [25, 75]
    sale.add(VEG, 2)  # a repeat scan adds to the same line
    assert sale.totals().lines[0].line_discount == 75
    sale.set_quantity(1, 10)
    assert sale.totals().lines[0].line_discount == 250


def test_setting_the_customer_brings_their_rules_and_unsetting_takes_them_away() -> None:
    sale = sale_at(SATURDAY_1230_PARIS, MEMBERS)
    sale.add(VEG, 2)
    assert sale.totals().lines[0].rule is None
    sale.set_customer_tags(frozenset({"member"}))
    assert sale.totals().lines[0].line_discount == 80
    sale.set_customer_tags(frozenset())
    assert sale.totals().lines[0].line_discount == 0


def test_a_discount_by_hand_replaces_the_rule_and_giving_it_back_restores_the_rule() -> None:
    sale = sale_at(SATURDAY_0930_PARIS, SATURDAY_VEG)
    sale.add(VEG, 2)
    sale.discount_line(1, Discount(DiscountKind.PERCENT, Decimal("5"), "damaged"))
    line = sale.totals().lines[0]
    assert (line.line_discount, line.rule) == (25, None)
    sale.tender(CASH, Decimal("5.00"))
    assert sale.complete(SATURDAY_0930_PARIS).lines[0].discount == {
        "kind": "percent",
        "value": "5",
        "reason": "damaged",
    }
    sale.discount_line(1, None)
    assert sale.totals().lines[0].line_discount == 50


def test_the_kept_basket_keeps_the_rules_it_started_with_and_the_customer() -> None:
    sale = sale_at(SATURDAY_0930_PARIS, SATURDAY_VEG, MEMBERS, combine=Combine.FIRST)
    sale.add(VEG, 2)
    sale.set_customer_tags(frozenset({"member"}))
    back = sale_from_draft(draft_record(sale), {CASH.code: CASH})
    assert back.auto_discounts == sale.auto_discounts
    assert back.customer_tags == {"member"}
    assert back.lines[0].item == VEG
    assert back.totals() == sale.totals()


prices = st.integers(min_value=0, max_value=5000).map(from_cents)
quantities = st.integers(min_value=1, max_value=30)
rules = st.builds(
    DiscountRule,
    name=st.sampled_from(["a", "b", "c"]),
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60"), places=2),
    stack=st.booleans(),
)


@given(
    st.lists(rules, max_size=4, unique_by=lambda r: r.name),
    st.lists(st.tuples(prices, quantities), min_size=1, max_size=5),
)
def test_no_line_and_no_sale_goes_below_zero_with_rules(
    rule_list: list[DiscountRule], lines: list[tuple[Decimal, int]]
) -> None:
    sale = sale_at(SATURDAY_0930_PARIS, *rule_list)
    for index, (price, quantity) in enumerate(lines):
        sale.add(item(index + 1, str(price)), quantity)
    totals = sale.totals()
    assert all(0 <= t.line_discount <= t.gross and t.amount >= 0 for t in totals.lines)
    assert totals.total == sum(t.amount for t in totals.lines) >= 0
