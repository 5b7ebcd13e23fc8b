"""The counting sheet without a screen: counts typed key by key add up to the total in integer
cents, a typed total wins until a count is typed again, and the config's list of coins and notes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.config import ConfigError
from appliance.core.cash_count import (
    MAX_COUNT,
    STANDARD_DENOMINATIONS,
    CashCount,
    CountError,
    denominations_for,
    standard_denominations,
)

EUR = standard_denominations("EUR")

denominations = st.lists(st.integers(1, 100_000), min_size=1, max_size=30, unique=True).map(
    lambda values: tuple(sorted(values))
)


def typed(sheet: CashCount, row: int, keys: str) -> None:
    for key in keys:
        sheet.type_char(row, key)


@given(
    denominations.flatmap(
        lambda d: st.tuples(
            st.just(d), st.lists(st.none() | st.integers(0, MAX_COUNT), min_size=len(d), max_size=len(d))
        )
    )
)
def test_the_total_is_the_sum_of_count_times_denomination_in_cents(
    case: tuple[tuple[int, ...], list[int | None]],
) -> None:
    values, counts = case
    sheet = CashCount(values)
    for row, count in enumerate(counts, start=1):
        if count is not None:
            typed(sheet, row, str(count))
    expected = sum(count * value for count, value in zip(counts, values) if count is not None)
    assert sheet.total == expected and type(sheet.total) is int
    assert sheet.amount == Decimal(expected) / 100
    assert sheet.breakdown() == {value: count for value, count in zip(values, counts) if count is not None}
    assert sheet.started == any(count is not None for count in counts)


@given(
    st.lists(st.integers(0, MAX_COUNT), min_size=len(EUR), max_size=len(EUR)), st.decimals(0, "9999999.99", places=2)
)
def test_a_typed_total_wins_until_a_count_is_typed(counts: list[int], total: Decimal) -> None:
    sheet = CashCount(EUR)
    for row, count in enumerate(counts, start=1):
        typed(sheet, row, str(count))
    typed(sheet, 0, str(total).replace(".", ","))
    assert sheet.total == int(total * 100)
    sheet.clear(1)
    typed(sheet, 1, "7")  # a count again: the counts make the total
    assert sheet.typed is None
    assert sheet.total == 7 * EUR[0] + sum(count * value for count, value in zip(counts[1:], EUR[1:]))


def test_keys_the_sheet_refuses_and_backspace() -> None:
    sheet = CashCount(EUR)
    with pytest.raises(CountError, match="whole number"):
        sheet.type_char(1, ".")
    typed(sheet, 1, str(MAX_COUNT))
    with pytest.raises(CountError, match=f"At most {MAX_COUNT}"):
        sheet.type_char(1, "0")
    typed(sheet, 0, "12.5")
    with pytest.raises(CountError, match="two decimals"):
        typed(sheet, 0, "00")
    with pytest.raises(CountError, match="two decimals"):
        sheet.type_char(0, ".")
    assert sheet.total == 1250
    assert sheet.erase(0) and sheet.erase(0) and sheet.total == 1200
    sheet.clear(0)
    assert sheet.total == MAX_COUNT
    assert sheet.erase(1) and sheet.counts[0] == MAX_COUNT // 10
    sheet.clear(1)
    assert not sheet.erase(1) and not sheet.started


def test_denominations_default_to_the_currency_and_come_from_the_config() -> None:
    assert EUR[0] == 1 and EUR[-1] == 50000 and len(EUR) == 15
    assert all(standard_denominations(code) for code in STANDARD_DENOMINATIONS)
    assert standard_denominations("SEK") == ()  # not listed: the sheet is a typed total only
    assert denominations_for("EUR", (500, 100)) == (100, 500)
    text = demo_config_text() + '\n[cash]\ndenominations = ["0.50", 1, "2", "5.00"]\nout_reasons = ["bank"]\n'
    config = config_module.parse(text)
    assert config.cash["denominations"] == (50, 100, 200, 500)
    assert config.cash["out_reasons"] == ("bank",)
    assert config.cash["in_reasons"][0] == "change from the bank"  # the default list
    assert config_module.parse(demo_config_text()).cash["denominations"] == ()


@pytest.mark.parametrize(
    ("toml", "reason"),
    [
        ('denominations = ["0.005"]', "more than two decimals"),
        ('denominations = ["1", "1.00"]', "listed twice"),
        ("denominations = [0]", "worth more than 0"),
        ("denominations = [0.5]", "as a string"),
        ('denominations = "1"', "must be a list"),
        ("in_reasons = []", "1 to 9 reasons"),
        ('in_reasons = ["a\\u0007b"]', "control or invisible character"),
        ('out_reasons = ["bank", "bank"]', "twice"),
    ],
)
def test_a_bad_cash_section_is_refused_with_the_key_and_the_reason(toml: str, reason: str) -> None:
    with pytest.raises(ConfigError) as refused:
        config_module.parse(demo_config_text() + f"\n[cash]\n{toml}\n")
    assert "cash." in str(refused.value) and reason in str(refused.value)
