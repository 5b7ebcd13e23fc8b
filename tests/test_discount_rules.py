"""The channel's discount rules (appliance/core/discount_rules.py): which rule applies to a line and
how much it takes off, as properties over generated rules and lines, plus the worked cases a hub
would write."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.assortment import Assortment
from appliance.core.discount_rules import (
    Combine,
    DiscountPolicy,
    DiscountRule,
    LineContext,
    applicable,
    choose,
)

SATURDAY_10 = datetime(2026, 3, 7, 10, 0)  # a Saturday, 10:00 local
TAGS = ("veg", "fruit", "bulk", "member", "staff")

percents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5"), places=2)
tag_sets = st.frozensets(st.sampled_from(TAGS), max_size=2)


def _or_none(strategy: st.SearchStrategy, empty: object = None) -> st.SearchStrategy:
    """Half the time no condition at all, so that rules often match and compete with each other."""
    return st.just(empty) | strategy


@st.composite
def rules(draw: st.DrawFn, name: str = "") -> DiscountRule:
    by_percent = draw(st.booleans())
    start = draw(st.integers(0, 23 * 60))
    nothing: frozenset[object] = frozenset()
    return DiscountRule(
        name=name or draw(st.text("abcdefgh", min_size=1, max_size=6)),
        percent=draw(percents) if by_percent else None,
        amount=None if by_percent else draw(amounts),
        categories=draw(_or_none(st.frozensets(st.integers(1, 4), max_size=2), nothing)),
        tags=draw(_or_none(tag_sets, nothing)),
        variants=draw(_or_none(st.frozensets(st.integers(1, 4), max_size=2), nothing)),
        date_from=draw(_or_none(st.dates(date(2026, 1, 1), date(2026, 12, 31)))),
        date_until=draw(_or_none(st.dates(date(2026, 1, 1), date(2026, 12, 31)))),
        weekdays=draw(_or_none(st.frozensets(st.integers(0, 6), max_size=4), nothing)),
        hours=draw(_or_none(st.integers(start + 1, 24 * 60).map(lambda end: (start, end)))),
        customer_tags=draw(_or_none(tag_sets, nothing)),
        stack=draw(st.booleans()),
    )


@st.composite
def rule_lists(draw: st.DrawFn, *, plain: bool = False) -> list[DiscountRule]:
    """Up to six rules in file order; ``plain`` ones have no date, day, hour or customer condition,
    so they meet on the same line and compete (what combining is about)."""
    count = draw(st.integers(0, 6))
    found = [draw(rules(name=f"rule {index}")) for index in range(count)]
    if plain:
        found = [
            replace(rule, date_from=None, date_until=None, weekdays=frozenset(), hours=None, customer_tags=frozenset())
            for rule in found
        ]
    return found


@st.composite
def lines(draw: st.DrawFn) -> LineContext:
    weighed = draw(st.booleans())
    return LineContext(
        variant_id=draw(st.integers(1, 4)),
        unit_cents=draw(st.integers(0, 5000)),
        quantity=0 if weighed else draw(st.integers(1, 20)),
        weight_g=draw(st.integers(1, 5000)) if weighed else 0,
        category=draw(st.none() | st.integers(1, 4)),
        tags=draw(tag_sets),
        moment=draw(st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31, 23, 59))),
        customer_tags=draw(tag_sets),
    )


policies = st.sampled_from([DiscountPolicy(Combine.BEST), DiscountPolicy(Combine.FIRST)])


@given(rule_lists(), policies, lines())
def test_a_discount_never_makes_a_line_negative(
    rule_list: list[DiscountRule], policy: DiscountPolicy, line: LineContext
) -> None:
    chosen = choose(rule_list, policy, line)
    if chosen is not None:
        assert 0 < chosen.cents <= line.gross_cents
    for rule in rule_list:
        assert 0 <= rule.cents_off(line) <= line.gross_cents


@given(rule_lists() | rule_lists(plain=True), lines())
def test_best_for_the_customer_never_gives_less_than_any_single_matching_rule(
    rule_list: list[DiscountRule], line: LineContext
) -> None:
    chosen = choose(rule_list, DiscountPolicy(Combine.BEST), line)
    given_off = chosen.cents if chosen is not None else 0
    for rule in applicable(rule_list, line):
        assert given_off >= rule.cents_off(line), rule


@given(rule_lists() | rule_lists(plain=True), policies, lines())
def test_rules_add_up_only_when_each_allows_stacking(
    rule_list: list[DiscountRule], policy: DiscountPolicy, line: LineContext
) -> None:
    chosen = choose(rule_list, policy, line)
    if chosen is not None and len(chosen.rules) > 1:
        assert all(rule.stack for rule in chosen.rules)
        assert chosen.cents == min(sum(rule.cents_off(line) for rule in chosen.rules), line.gross_cents)
    if chosen is not None and not chosen.rules[0].stack:
        assert len(chosen.rules) == 1


@given(rule_lists() | rule_lists(plain=True), lines())
def test_first_match_takes_the_first_matching_rule_in_file_order(
    rule_list: list[DiscountRule], line: LineContext
) -> None:
    chosen = choose(rule_list, DiscountPolicy(Combine.FIRST), line)
    matching = applicable(rule_list, line)
    if not matching:
        assert chosen is None
        return
    if matching[0].cents_off(line) > 0:
        assert chosen is not None, "the first matching rule takes something off: it applies"
    if chosen is not None:
        assert chosen.rules[0] == matching[0]
        if not matching[0].stack:
            assert chosen.cents == matching[0].cents_off(line)


@given(rules(), lines())
def test_a_rule_outside_its_dates_weekdays_hours_or_customer_tags_never_applies(
    rule: DiscountRule, line: LineContext
) -> None:
    day, minute = line.moment.date(), line.moment.hour * 60 + line.moment.minute
    outside = (
        (rule.date_from is not None and day < rule.date_from)
        or (rule.date_until is not None and day > rule.date_until)
        or (bool(rule.weekdays) and day.weekday() not in rule.weekdays)
        or (rule.hours is not None and not rule.hours[0] <= minute < rule.hours[1])
        or (bool(rule.customer_tags) and rule.customer_tags.isdisjoint(line.customer_tags))
    )
    if outside:
        assert not rule.matches(line)
        assert choose([rule], DiscountPolicy(Combine.BEST), line) is None
        assert choose([rule], DiscountPolicy(Combine.FIRST), line) is None


@given(rules(), lines())
def test_a_rule_for_other_products_never_applies(rule: DiscountRule, line: LineContext) -> None:
    if (rule.categories or rule.tags or rule.variants) and not (
        line.variant_id in rule.variants or line.category in rule.categories or rule.tags & line.tags
    ):
        assert not rule.matches(line)


# -- worked cases ----------------------------------------------------------------------------------------


def veg_line(**changes: object) -> LineContext:
    values: dict[str, object] = {
        "variant_id": 7,
        "unit_cents": 250,
        "quantity": 2,
        "tags": frozenset({"veg"}),
        "category": 5,
        "moment": SATURDAY_10,
    }
    values.update(changes)
    return LineContext(**values)  # type: ignore[arg-type]


SATURDAY_VEG = DiscountRule(
    "Saturday veg", percent=Decimal("10"), tags=frozenset({"veg"}), weekdays=frozenset({5}), hours=(8 * 60, 12 * 60)
)


def test_a_percentage_off_a_line_rounds_half_away_from_zero() -> None:
    rule = DiscountRule("five", percent=Decimal("5"))
    assert rule.cents_off(veg_line(unit_cents=10, quantity=1)) == 1  # 0.5 cent rounds up
    assert rule.cents_off(veg_line(unit_cents=9, quantity=1)) == 0  # 0.45 cent rounds down


def test_an_amount_is_per_unit_or_per_kg_and_capped_at_the_line() -> None:
    rule = DiscountRule("fifty", amount=Decimal("0.50"))
    assert rule.cents_off(veg_line(quantity=3)) == 150
    assert rule.cents_off(veg_line(quantity=0, weight_g=734, unit_cents=980)) == 37  # 0.50/kg x 0.734 kg
    assert rule.cents_off(veg_line(unit_cents=30, quantity=2)) == 60  # never below zero


def test_the_hours_start_inclusive_end_exclusive() -> None:
    assert SATURDAY_VEG.matches(veg_line(moment=SATURDAY_10.replace(hour=8)))
    assert not SATURDAY_VEG.matches(veg_line(moment=SATURDAY_10.replace(hour=12)))
    assert SATURDAY_VEG.matches(veg_line(moment=SATURDAY_10.replace(hour=11, minute=59)))
    assert not SATURDAY_VEG.matches(veg_line(moment=SATURDAY_10 + timedelta(days=1)))  # Sunday


def test_the_date_range_is_inclusive() -> None:
    rule = DiscountRule("March", percent=Decimal("5"), date_from=date(2026, 3, 1), date_until=date(2026, 3, 7))
    assert rule.matches(veg_line(moment=datetime(2026, 3, 7, 23, 59)))
    assert rule.matches(veg_line(moment=datetime(2026, 3, 1, 0, 0)))
    assert not rule.matches(veg_line(moment=datetime(2026, 3, 8, 0, 0)))


def test_best_takes_the_largest_and_first_takes_the_first() -> None:
    small = DiscountRule("small", percent=Decimal("5"))
    large = DiscountRule("large", amount=Decimal("1.00"))
    line = veg_line()  # 2 x 2.50
    best = choose([small, large], DiscountPolicy(Combine.BEST), line)
    first = choose([small, large], DiscountPolicy(Combine.FIRST), line)
    assert best is not None and best.names == ("large",) and best.cents == 200
    assert first is not None and first.names == ("small",) and first.cents == 25


def test_stacking_rules_add_up_and_compete_as_one_with_the_others() -> None:
    a = DiscountRule("a", percent=Decimal("10"), stack=True)
    b = DiscountRule("b", percent=Decimal("15"), stack=True)
    alone = DiscountRule("alone", percent=Decimal("20"))
    chosen = choose([alone, a, b], DiscountPolicy(), veg_line())
    assert chosen is not None and chosen.names == ("a", "b") and chosen.cents == 125
    assert chosen.as_record()["rules"] == ["a", "b"]
    bigger = DiscountRule("bigger", percent=Decimal("30"))
    chosen = choose([a, bigger, b], DiscountPolicy(), veg_line())
    assert chosen is not None and chosen.names == ("bigger",)


def test_a_customer_tag_rule_needs_a_customer_with_the_tag() -> None:
    members = DiscountRule("members", percent=Decimal("5"), customer_tags=frozenset({"member"}))
    assert choose([members], DiscountPolicy(), veg_line()) is None
    chosen = choose([members], DiscountPolicy(), veg_line(customer_tags=frozenset({"member", "x"})))
    assert chosen is not None and chosen.as_record() == {
        "kind": "percent",
        "value": "5",
        "reason": "automatic",
        "rule": "members",
    }


def test_tags_match_in_any_case_as_the_assortment_and_ofn_customers_do() -> None:
    """One channel file, one meaning of a tag: the assortment refuses "Veg" for a "veg" variant."""
    veg = DiscountRule("veg", percent=Decimal("10"), tags=frozenset({"Veg"}))
    assert veg.matches(veg_line(tags=frozenset({"veg"}))) and veg.matches(veg_line(tags=frozenset({"VEG"})))
    assert Assortment(exclude_tags=frozenset({"Veg"})).refusal(7, 5, {"veg"}) is not None
    members = DiscountRule("members", percent=Decimal("5"), customer_tags=frozenset({"Member"}))
    assert members.matches(veg_line(customer_tags=frozenset({"member"})))
    assert not members.matches(veg_line(customer_tags=frozenset({"members"})))


@pytest.mark.parametrize(
    ("percent", "amount"),
    [
        (None, None),
        (Decimal("5"), Decimal("1")),
        (Decimal("0"), None),
        (Decimal("100.01"), None),
        (None, Decimal("-1")),
    ],
)
def test_a_rule_takes_off_a_percent_or_an_amount_exactly_one(percent: Decimal | None, amount: Decimal | None) -> None:
    with pytest.raises(ValueError, match="discount 'x'"):
        DiscountRule("x", percent=percent, amount=amount)
