from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.money import MoneyError, allocate, from_cents, parse_amount, round_div, to_cents


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3,50", "3.50"), ("3.5", "3.50"), (" 12 ", "12.00"), ("0", "0.00"), ("1234567.89", "1234567.89")],
)
def test_parse_amount_accepts_what_cashiers_type(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("3.505", "more than two decimals"),
        ("abc", "not an amount"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("-1", "negative"),
        ("99999999", "too large"),
        ("", "not an amount"),
    ],
)
def test_parse_amount_refuses_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(MoneyError, match=reason):
        parse_amount(text)


def test_rounding_is_half_away_from_zero_so_returns_mirror_sales() -> None:
    assert round_div(5, 2) == 3
    assert round_div(-5, 2) == -3
    assert round_div(249, 100) == 2
    assert round_div(-249, 100) == -2


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_round_div_is_the_nearest_integer_ties_away_from_zero(numerator: int, denominator: int) -> None:
    exact = Fraction(numerator, denominator)
    result = round_div(numerator, denominator)
    assert abs(result - exact) <= Fraction(1, 2)
    if abs(result - exact) == Fraction(1, 2):
        assert abs(result) > abs(exact)


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_cents_round_trip(cents: int) -> None:
    assert to_cents(from_cents(cents)) == cents


def test_to_cents_refuses_sub_cent_amounts() -> None:
    with pytest.raises(MoneyError):
        to_cents(Decimal("1.005"))


@given(
    st.integers(min_value=-(10**7), max_value=10**7),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(lambda w: sum(w) > 0),
)
def test_allocate_sums_exactly_and_stays_within_a_cent_of_the_exact_share(total: int, weights: list[int]) -> None:
    shares = allocate(total, weights)
    assert sum(shares) == total
    basis = sum(weights)
    for share, weight in zip(shares, weights):
        exact = Fraction(total * weight, basis)
        assert abs(share - exact) < 1
        if weight == 0:
            assert share == 0


def test_allocate_refuses_to_spread_money_over_nothing() -> None:
    with pytest.raises(MoneyError):
        allocate(5, [0, 0])
    assert allocate(0, [0, 0]) == [0, 0]
