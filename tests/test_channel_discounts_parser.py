"""Reading a channel's ``discounts`` and ``discount_policy`` (appliance/config/channels/discounts.py):
a good table gives the rules, every bad value gives its key, its value and its reason, all at once."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from appliance.cli.demo import demo_config_text
from appliance.cli.main import main
from appliance.config import ConfigError, Problem
from appliance.config.channels import parse_channels
from appliance.config.channels.discounts import ROLES, parse_discount_policy, parse_discounts
from appliance.core.discount_rules import Combine, DiscountPolicy, DiscountRule
from appliance.store.people import ROLES as PEOPLE_ROLES

PREFIX = 'channels."shop counter".discounts'
POLICY = 'channels."shop counter".discount_policy'

GOOD = """
[channels."shop counter".discount_policy]
combine = "first"
manual_percent_limit = { cashier = "10", manager = "100" }

[[channels."shop counter".discounts]]
name = "Saturday veg"
percent = "10"
categories = [5]
tags = ["veg"]
from = 2026-01-01
until = "2026-12-31"
weekdays = ["sat", "Sun"]
hours = "08:00-12:00"
stack = true

[[channels."shop counter".discounts]]
name = "Members"
amount = "0,50"
customer_tags = ["member"]
hours = "18:00-24:00"
"""


def channel(text: str) -> dict[str, Any]:
    return tomllib.loads(text)["channels"]["shop counter"]


def test_a_good_channel_gives_its_rules_in_file_order_and_its_policy() -> None:
    problems: list[Problem] = []
    body = channel(GOOD)
    rules = parse_discounts(PREFIX, body["discounts"], problems)
    policy = parse_discount_policy(POLICY, body["discount_policy"], problems)
    assert problems == []
    assert rules == (
        DiscountRule(
            "Saturday veg",
            percent=Decimal("10"),
            categories=frozenset({5}),
            tags=frozenset({"veg"}),
            date_from=date(2026, 1, 1),
            date_until=date(2026, 12, 31),
            weekdays=frozenset({5, 6}),
            hours=(480, 720),
            stack=True,
        ),
        DiscountRule("Members", amount=Decimal("0.50"), customer_tags=frozenset({"member"}), hours=(1080, 1440)),
    )
    assert policy.combine is Combine.FIRST
    assert policy.manual_limit("cashier") == Decimal("10") and policy.manual_limit("manager") == Decimal("100")


def test_an_empty_policy_is_best_for_the_customer_with_the_box_limits() -> None:
    problems: list[Problem] = []
    policy = parse_discount_policy(POLICY, {}, problems)
    assert problems == [] and policy.combine is Combine.BEST and policy.manual_limit("cashier") is None


@pytest.mark.parametrize(
    ("entry", "key", "value", "reason"),
    [
        ({"percent": "10", "amount": "1.00"}, "[0].amount", "1.00", "not both"),
        ({}, "[0]", None, "percent"),
        ({"percent": "100.5"}, "[0].percent", "100.5", "at most 100"),
        ({"percent": "0"}, "[0].percent", "0", "more than 0"),
        ({"percent": "ten"}, "[0].percent", "ten", "not a number"),
        ({"percent": 10}, "[0].percent", 10, "as a string"),
        ({"percent": "10.123"}, "[0].percent", "10.123", "two decimals"),
        ({"amount": "-1"}, "[0].amount", "-1", "negative"),
        ({"amount": "0.001"}, "[0].amount", "0.001", "two decimals"),
        ({"percent": "5", "weekdays": ["sat", "sam"]}, "[0].weekdays", ["sat", "sam"], "'sam' is not a weekday"),
        ({"percent": "5", "weekdays": "sat"}, "[0].weekdays", "sat", "list of weekdays"),
        ({"percent": "5", "hours": "8-12"}, "[0].hours", "8-12", "range of local times"),
        ({"percent": "5", "hours": "12:00-08:00"}, "[0].hours", "12:00-08:00", "end after it starts"),
        ({"percent": "5", "hours": "08:00-25:00"}, "[0].hours", "08:00-25:00", "does not exist"),
        ({"percent": "5", "hours": "08:61-09:00"}, "[0].hours", "08:61-09:00", "does not exist"),
        ({"percent": "5", "from": "2026-05-01", "until": "2026-04-30"}, "[0].until", "2026-04-30", "before from"),
        ({"percent": "5", "from": "1 May"}, "[0].from", "1 May", "YYYY-MM-DD"),
        ({"percent": "5", "categories": ["veg"]}, "[0].categories", ["veg"], "OFN ids"),
        ({"percent": "5", "variants": [0]}, "[0].variants", [0], "OFN ids"),
        ({"percent": "5", "tags": [""]}, "[0].tags", [""], "list of tags"),
        ({"percent": "5", "customer_tags": "member"}, "[0].customer_tags", "member", "list of tags"),
        ({"percent": "5", "stack": "yes"}, "[0].stack", "yes", "true or false"),
        ({"percent": "5", "colour": "red"}, "[0].colour", "red", "unknown key"),
    ],
)
def test_every_bad_value_gives_its_key(entry: dict[str, Any], key: str, value: object, reason: str) -> None:
    problems: list[Problem] = []
    rules = parse_discounts(PREFIX, [{"name": "Bad", **entry}], problems)
    assert rules == ()
    assert [p.key for p in problems] == [PREFIX + key]
    if value is not None:
        assert problems[0].value == value
    assert reason in problems[0].reason


def test_every_problem_of_every_rule_at_once_and_the_good_rules_kept() -> None:
    problems: list[Problem] = []
    entries = [
        {"name": "A", "percent": "5"},
        {"percent": "5"},  # no name
        {"name": "A", "amount": "1.00"},  # the same name again
        {"name": "B", "percent": "200", "hours": "x"},
    ]
    rules = parse_discounts(PREFIX, entries, problems)
    assert [rule.name for rule in rules] == ["A"]
    assert [(p.key, p.reason) for p in problems] == [
        (f"{PREFIX}[1].name", "is required"),
        (f"{PREFIX}[2].name", "is the name of another rule of the channel"),
        (f"{PREFIX}[3].percent", "must be more than 0 and at most 100"),
        (f"{PREFIX}[3].hours", 'must be a range of local times, e.g. "08:00-12:00"'),
    ]


def test_discounts_must_be_an_array_of_tables() -> None:
    problems: list[Problem] = []
    assert parse_discounts(PREFIX, {"name": "A"}, problems) == ()
    assert problems[0].key == PREFIX and "[[" in problems[0].reason


@pytest.mark.parametrize(
    ("table", "key", "reason"),
    [
        ({"combine": "cheapest"}, "combine", "must be one of 'best', 'first'"),
        ({"manual_percent_limit": {"intern": "5"}}, "manual_percent_limit.intern", "is not a role"),
        ({"manual_percent_limit": {"cashier": "150"}}, "manual_percent_limit.cashier", "at most 100"),
        ({"manual_percent_limit": {"cashier": 10}}, "manual_percent_limit.cashier", "as a string"),
        ({"manual_percent_limit": "10"}, "manual_percent_limit", "table of roles"),
        ({"stacking": True}, "stacking", "unknown key"),
    ],
)
def test_every_bad_policy_value_gives_its_key(table: dict[str, Any], key: str, reason: str) -> None:
    problems: list[Problem] = []
    parse_discount_policy(POLICY, table, problems)
    assert [p.key for p in problems] == [f"{POLICY}.{key}"]
    assert reason in problems[0].reason


def test_a_cashier_limit_of_zero_means_no_discount_alone() -> None:
    problems: list[Problem] = []
    policy = parse_discount_policy(POLICY, {"manual_percent_limit": {"cashier": "0"}}, problems)
    assert problems == [] and policy.manual_limit("cashier") == 0


def test_the_roles_are_those_people_have() -> None:
    assert ROLES == PEOPLE_ROLES


CHANNEL_FILE = """\
version = 1

[hub]
name = "Les Paniers du Marais"

[channels."pickup point"]
label = "Pick-up point"
""" + GOOD.replace('"shop counter"', '"pickup point"')


def test_the_channel_file_carries_the_rules_and_the_policy_to_the_channel() -> None:
    rules = parse_channels(CHANNEL_FILE.encode()).channels["pickup point"]
    assert [rule.name for rule in rules.discounts] == ["Saturday veg", "Members"]
    assert rules.discount_policy.combine is Combine.FIRST
    assert (
        parse_channels(CHANNEL_FILE.split('[channels."pickup point".discount_policy]')[0].encode())
        .channels["pickup point"]
        .discount_policy
        == DiscountPolicy()
    )


def test_a_bad_rule_refuses_the_whole_file_with_every_key(tmp_path: Path) -> None:
    bad = CHANNEL_FILE.replace('percent = "10"', 'percent = "10"\namount = "1.00"').replace('"sat", "Sun"', '"sam"')
    with pytest.raises(ConfigError) as refused:
        parse_channels(bad.encode())
    assert [p.key for p in refused.value.problems] == [
        'channels."pickup point".discounts[0].weekdays',
        'channels."pickup point".discounts[0].amount',
    ]
    not_tables = CHANNEL_FILE.replace('label = "Pick-up point"', 'label = "Pick-up point"\ndiscounts = "none"')
    not_tables = not_tables.split('[[channels."pickup point".discounts]]')[0]
    with pytest.raises(ConfigError) as refused:
        parse_channels(not_tables.encode())
    assert [p.key for p in refused.value.problems] == ['channels."pickup point".discounts']


def test_config_check_names_a_bad_discount_with_its_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = demo_config_text().replace("/var/lib/ofn-checkout/demo.db", str(tmp_path / "till.db"))
    text = text.replace("/var/lib/ofn-checkout/demo-api.key", str(tmp_path / "api.key"))
    config_file = tmp_path / "config.toml"
    config_file.write_text(text, encoding="utf-8")
    channels = tmp_path / "channels.toml"
    channels.write_text(CHANNEL_FILE.replace('hours = "08:00-12:00"', 'hours = "12:00-08:00"'), encoding="utf-8")
    assert main(["config", "check", "--config", str(config_file), "--channels", str(channels)]) == 1
    out = capsys.readouterr().out
    assert f"{channels}: 1 problem" in out
    assert """channels."pickup point".discounts[0].hours = '12:00-08:00': must end after it starts""" in out
    channels.write_text(CHANNEL_FILE, encoding="utf-8")
    assert main(["config", "check", "--config", str(config_file), "--channels", str(channels)]) == 0


def test_the_fleet_example_reads_with_its_discounts() -> None:
    example = Path(__file__).resolve().parents[1] / "provisioning" / "fleet" / "channels.toml"
    rules = parse_channels(example.read_bytes()).channels["shop counter"]
    assert [rule.name for rule in rules.discounts] == ["Saturday market"]
    assert rules.discount_policy.manual_limit("manager") == Decimal("50")
