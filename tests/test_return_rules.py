"""A channel's return rules: what they refuse and why, and how channels.toml's returns table is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.config import Problem
from appliance.config.channels.returns import (
    check_channel_names,
    parse_returns,
    read_receipt_key,
)
from appliance.core.return_rules import AS_BEFORE, ReturnRules
from appliance.core.sale import SaleError

PARIS = ZoneInfo("Europe/Paris")
PREFIX = 'channels."shop counter".returns'


def test_a_sale_of_a_channel_not_listed_is_refused_with_the_channels_that_are() -> None:
    rules = ReturnRules(from_channels=("shop counter", "market stall"))
    rules.check_channel("market stall", "shop counter")
    with pytest.raises(SaleError, match="made at 'web shop'.*takes back only sales of: shop counter, market stall"):
        rules.check_channel("web shop", "shop counter")
    AS_BEFORE.check_channel("web shop", "shop counter")  # no file: any channel


@given(st.integers(0, 60), st.integers(0, 40), st.integers(0, 23 * 60))
def test_the_age_limit_counts_the_hubs_calendar_days(max_days: int, days: int, minutes: int) -> None:
    sold = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)  # 08:30 in Paris
    now = sold + timedelta(days=days, minutes=minutes)
    age = (now.astimezone(PARIS).date() - sold.astimezone(PARIS).date()).days
    rules = ReturnRules(max_days=max_days)
    if age > max_days:
        ago = "1 day" if age == 1 else f"{age} days"
        within = {0: "the same day only", 1: "within 1 day"}.get(max_days, f"within {max_days} days")
        with pytest.raises(SaleError, match=f"{ago} ago: goods come back {within} here"):
            rules.check_age(sold, now, PARIS)
    else:
        rules.check_age(sold, now, PARIS)


def test_the_last_day_is_included_and_the_next_is_not() -> None:
    rules = ReturnRules(max_days=14)
    sold = datetime(2026, 3, 1, 22, 50, tzinfo=UTC)  # 23:50 on 1 March in Paris
    rules.check_age(sold, datetime(2026, 3, 15, 22, 59, tzinfo=UTC), PARIS)  # 15 March, 23:59
    with pytest.raises(SaleError, match="15 days ago"):
        rules.check_age(sold, datetime(2026, 3, 15, 23, 0, tzinfo=UTC), PARIS)  # 16 March, 00:00


def test_a_limit_of_a_day_or_none_reads_as_a_person_says_it() -> None:
    sold = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    with pytest.raises(SaleError, match=r"from 2026-03-01, 1 day ago: goods come back the same day only here\."):
        ReturnRules(max_days=0).check_age(sold, sold + timedelta(days=1), PARIS)
    with pytest.raises(SaleError, match=r"2 days ago: goods come back within 1 day here\."):
        ReturnRules(max_days=1).check_age(sold, sold + timedelta(days=2), PARIS)


def test_without_the_receipt_where_one_is_needed_is_refused() -> None:
    ReturnRules(receipt_required=True).check_receipt(True)
    ReturnRules(receipt_required=False).check_receipt(False)
    with pytest.raises(SaleError, match="need the receipt"):
        ReturnRules(receipt_required=True).check_receipt(False)


@given(st.integers(0, 100_000), st.integers(0, 100_000))
def test_a_refund_below_the_no_pin_value_needs_no_pin_and_at_or_above_it_does(limit: int, cents: int) -> None:
    assert ReturnRules(no_pin_below=limit).needs_pin(cents) is (cents >= limit)
    assert AS_BEFORE.needs_pin(cents) is None  # the box's [roles] refund_limit decides


def test_the_returns_table_is_read_with_its_defaults() -> None:
    problems: list[Problem] = []
    table = {
        "from_channels": ["shop counter", "market stall"],
        "max_days": 14,
        "receipt_required": True,
        "no_pin_below": "20.00",
        "restock": False,
    }
    assert parse_returns(PREFIX, table, problems) == ReturnRules(
        ("shop counter", "market stall"), 14, True, 2000, False
    )
    assert parse_returns(PREFIX, {}, problems) == AS_BEFORE
    assert parse_returns(PREFIX, None, problems) == AS_BEFORE
    assert problems == []


def test_every_problem_of_the_returns_table_is_reported_at_once_with_key_value_and_reason() -> None:
    problems: list[Problem] = []
    table = {
        "from_channels": "shop counter",
        "max_days": -1,
        "receipt_required": "yes",
        "no_pin_below": "20.001",
        "restock": 1,
        "maxdays": 3,
    }
    parse_returns(PREFIX, table, problems)
    by_key = {problem.key: problem for problem in problems}
    assert set(by_key) == {f"{PREFIX}.{key}" for key in table}
    assert "list of channel names" in by_key[f"{PREFIX}.from_channels"].reason
    assert "from 0 to 3650" in by_key[f"{PREFIX}.max_days"].reason
    assert by_key[f"{PREFIX}.receipt_required"].reason == "must be true or false"
    assert "more than two decimals" in by_key[f"{PREFIX}.no_pin_below"].reason
    assert by_key[f"{PREFIX}.restock"].value == 1
    assert "did you mean 'max_days'" in by_key[f"{PREFIX}.maxdays"].reason
    problems = []
    parse_returns(PREFIX, {"from_channels": ["a", "a"], "max_days": True, "no_pin_below": 20}, problems)
    assert [p.reason for p in problems] == [
        "names a channel twice",
        "must be a whole number of days from 0 to 3650 (0: same day)",
        'must be an amount in quotes, e.g. "20.00"',
    ]


def test_from_channels_may_only_name_channels_of_the_file() -> None:
    problems: list[Problem] = []
    rules = ReturnRules(from_channels=("shop counter", "market stal"))
    check_channel_names(PREFIX, rules, ["shop counter", "market stall"], problems)
    assert problems == [
        Problem(
            f"{PREFIX}.from_channels[1]", "market stal", "is not a channel of this file; did you mean 'market stall'?"
        )
    ]


def test_the_receipt_key_is_checked_and_never_shown(tmp_path: Path) -> None:
    secret = b"0123456789abcdef-secret-of-the-hub"
    good = tmp_path / "hub.key"
    good.write_bytes(secret)
    short = tmp_path / "short.key"
    short.write_bytes(b"tiny")
    blank = tmp_path / "blank.key"
    blank.write_bytes(b" \t" * 20 + b"\n")  # long enough, but no secret
    assert read_receipt_key(good) == secret
    reasons = []
    for path in (short, tmp_path / "absent.key", blank):
        with pytest.raises(ValueError) as refused:
            read_receipt_key(path)
        reasons.append(str(refused.value))
    assert "holds 4 bytes, fewer than 16" in reasons[0]
    assert "does not exist" in reasons[1]
    assert "is empty: put the hub's key in it" in reasons[2]
    assert all("tiny" not in reason and "secret" not in reason for reason in reasons)
