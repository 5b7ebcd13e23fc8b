"""The channel file is checked in full, like the config: every problem with its key, value and reason."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.cli.main import main
from appliance.config import Config, ConfigError
from appliance.config.channels import box_problems, channel_rules, default_channel, load_channels, parse_channels
from appliance.core.assortment import ShelfItem

EXAMPLE = """\
version = 1

[hub]
name = "Les Paniers du Marais"
receipt_key_file = "/etc/ofn-checkout/hub-receipt.key"

[channels."pickup point"]
label = "Pick-up point"

[channels."pickup point".payment]
methods = ["card", "cash", "cheque"]
cash_limit = "1000.00"
needs_customer = ["cheque"]

[channels."pickup point".assortment]
exclude_categories = [12]
exclude_tags = ["Wholesale"]
exclude_variants = [345]

[[channels."pickup point".assortment.shelf]]
code = "2000000000015"
name = "Paper bag"
price = "0.10"
vat = "C"

[channels."market stall".payment]
methods = ["cash"]
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_channels(text.encode())
    return [str(problem) for problem in error.value.problems]


def demo_config() -> Config:
    return config_module.parse(demo_config_text())


def test_the_example_reads_into_rules() -> None:
    hub = parse_channels(EXAMPLE.encode())
    assert hub.digest == hashlib.sha256(EXAMPLE.encode()).hexdigest()
    assert hub.version == 1 and hub.hub_name == "Les Paniers du Marais"
    assert str(hub.receipt_key_file) == "/etc/ofn-checkout/hub-receipt.key"
    pickup = hub.channels["pickup point"]
    assert pickup.label == "Pick-up point" and pickup.digest == hub.digest
    assert pickup.payment.methods == ("card", "cash", "cheque")
    assert pickup.payment.cash_limit == 100000 and pickup.payment.needs_customer == {"cheque"}
    assert pickup.assortment.exclude_categories == {12} and pickup.assortment.exclude_variants == {345}
    assert pickup.assortment.shelf == (ShelfItem("2000000000015", "Paper bag", Decimal("0.10"), "C"),)
    stall = hub.channels["market stall"]
    assert stall.label == "market stall" and stall.payment.cash_limit is None
    assert stall.assortment.shelf == () and not stall.assortment.exclude_tags
    assert box_problems(hub, demo_config()) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("version = 1", "version = 2", "version = 2: this box reads version 1 of the channel file"),
        ("version = 1", "", "version: is required (version = 1)"),
        ("version = 1", "version = true", "version = True: this box reads version 1"),
        ('name = "Les', 'nme = "Les', "hub.nme = 'Les Paniers du Marais': unknown key; did you mean 'name'?"),
        ('receipt_key_file = "/etc', 'receipt_key_file = "etc', "hub.receipt_key_file = 'etc/ofn-checkout/hub-re"),
        ('label = "Pick-up point"', 'label = ""', "channels.\"pickup point\".label = '': must not be empty"),
        ('["card", "cash", "cheque"]', '["card", "card"]', "payment.methods = ['card', 'card']: lists a name twice"),
        ('["card", "cash", "cheque"]', "[]", 'channels."pickup point".payment.methods = []: must name at least one'),
        ('["card", "cash", "cheque"]', '"cash"', "payment.methods = 'cash': must be a list of names in quotes"),
        ('cash_limit = "1000.00"', "cash_limit = 1000", "payment.cash_limit = 1000: must be an amount written as"),
        ('cash_limit = "1000.00"', 'cash_limit = "0"', "payment.cash_limit = '0': must be more than 0"),
        ('needs_customer = ["cheque"]', 'needs_customer = ["voucher"]', "names 'voucher', which is not in"),
        ("exclude_categories = [12]", 'exclude_categories = ["veg"]', "assortment.exclude_categories = ['veg']"),
        ("exclude_variants = [345]", "exclude_variants = [0]", "must hold only OFN ids: whole numbers greater than 0"),
        ('exclude_tags = ["Wholesale"]', 'exclude_tags = [""]', "assortment.exclude_tags = ['']: must not hold an"),
        ('code = "2000000000015"', 'code = "20 00"', "shelf[0].code = '20 00': must be printable characters"),
        ('price = "0.10"', 'price = "0.105"', "shelf[0].price = '0.105': '0.105' has more than two decimals"),
        ('vat = "C"', "vat = false", "shelf[0].vat = False: must be the code or the tax_category_id"),
        ('name = "Paper bag"\n', "", 'channels."pickup point".assortment.shelf[0].name: is required'),
        ('[channels."market stall".payment]', '[channels."market stall".paymnt]', "paymnt = {'methods'"),
        ("[hub]", "[hubs]\n[hub]", "hubs: unknown key"),
    ],
)
def test_each_bad_value_names_key_value_and_reason(old: str, new: str, expected: str) -> None:
    assert old in EXAMPLE
    problems = problems_of(EXAMPLE.replace(old, new, 1))
    assert any(expected in problem for problem in problems), problems


def test_every_problem_at_once() -> None:
    text = EXAMPLE.replace("version = 1", "version = 3").replace('"0.10"', '"free"')
    text = text.replace("[12]", "[-1]").replace('methods = ["cash"]', 'methods = ["cash"]\ncash_limit = "x"')
    problems = problems_of(text)
    assert len(problems) == 4, problems
    assert problems[0].startswith("version = 3")
    assert any(p.startswith('channels."market stall".payment.cash_limit') for p in problems)


def test_not_toml_and_no_channel() -> None:
    assert "not valid TOML" in problems_of("[channels\n")[0]
    assert problems_of("version = 1\n") == ['channels: at least one channel is required ([channels."NAME"])']
    assert "is not UTF-8" in problems_of_bytes(b"version = 1\n# \xff\n")[0]


def problems_of_bytes(data: bytes) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_channels(data)
    return [str(problem) for problem in error.value.problems]


def toml_value(value: object) -> str:
    """A value as TOML writes it (JSON's strings and numbers are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


SCALARS = st.one_of(
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=4))
KEYS = [
    ("payment", "methods"),
    ("payment", "cash_limit"),
    ("payment", "needs_customer"),
    ("assortment", "exclude_categories"),
    ("assortment", "exclude_tags"),
    ("assortment", "include_only_tags"),
    ("assortment", "exclude_variants"),
    ("shelf", "code"),
    ("shelf", "name"),
    ("shelf", "price"),
    ("shelf", "vat"),
]
SECTION_OF = {"payment": 'channels."x".payment', "assortment": 'channels."x".assortment'}


@given(place=st.sampled_from(KEYS), value=VALUES)
def test_any_value_is_taken_or_refused_under_its_own_key(place: tuple[str, str], value: object) -> None:
    """Whatever is written for a key, the file is read, or every problem names that key (or, for a
    list of methods, the key that depends on it)."""
    section, key = place
    payment = {"methods": ["cash"], "needs_customer": []}
    assortment: dict[str, object] = {}
    shelf: dict[str, object] = {"code": "123", "name": "Bag", "price": "0.10", "vat": "C"}
    {"payment": payment, "assortment": assortment, "shelf": shelf}[section][key] = value
    lines = ["version = 1", '[channels."x".payment]']
    lines += [f"{k} = {toml_value(v)}" for k, v in payment.items()]
    lines += ['[channels."x".assortment]'] + [f"{k} = {toml_value(v)}" for k, v in assortment.items()]
    lines += ['[[channels."x".assortment.shelf]]'] + [f"{k} = {toml_value(v)}" for k, v in shelf.items()]
    try:
        hub = parse_channels("\n".join(lines).encode())
    except ConfigError as exc:
        full = f'channels."x".assortment.shelf[0].{key}' if section == "shelf" else f"{SECTION_OF[section]}.{key}"
        allowed = {full}
        if key == "methods":
            allowed.add('channels."x".payment.needs_customer')
        assert exc.problems and {problem.key for problem in exc.problems} <= allowed, exc.problems
        assert any(problem.key == full for problem in exc.problems)
    else:
        rules = hub.channels["x"]
        if section == "payment" and key == "cash_limit":
            assert rules.payment.cash_limit is not None and rules.payment.cash_limit > 0
        if section == "shelf" and key == "price":
            assert rules.assortment.shelf[0].price >= 0


def test_the_box_and_the_file_against_each_other() -> None:
    config = demo_config()
    hub = parse_channels(
        EXAMPLE.replace('"cheque"]', '"cheque", "bitcoin"]', 1).replace('vat = "C"', 'vat = "Z"').encode()
    )
    problems = [str(problem) for problem in box_problems(hub, config)]
    assert problems == [
        "channels.\"pickup point\".payment.methods = 'bitcoin': is not a [[payment]] code of the box's config"
        " (cash, card, cheque, voucher)",
        "channels.\"pickup point\".assortment.shelf[0].vat = 'Z': names no [[vat]] entry of the box's config"
        " (give its code or its tax_category_id)",
    ]
    elsewhere = replace(config, channel="shop counter")
    assert [str(p) for p in box_problems(hub, elsewhere)] == [
        "lane.channel = 'shop counter': is not a channel of the channel file (it has 'pickup point', 'market stall')"
    ]
    by_category = parse_channels(EXAMPLE.replace('vat = "C"', "vat = 3").encode())
    assert box_problems(by_category, config) == []


def test_a_box_without_a_file_has_the_default_rules(tmp_path: Path) -> None:
    config = demo_config()
    rules = channel_rules(config)
    assert rules == default_channel("pickup point", config)
    assert rules.payment.methods == () and rules.assortment.shelf == () and len(rules.digest) == 64
    fewer = replace(config, payments=config.payments[:2])
    assert channel_rules(fewer).digest != rules.digest  # other default rules, another digest
    path = tmp_path / "channels.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    from_file = channel_rules(replace(config, channels_file=path))
    assert from_file.digest == hashlib.sha256(path.read_bytes()).hexdigest() == load_channels(path).digest
    assert from_file.payment.cash_limit == 100000


def write_box(tmp_path: Path, channels: str | None) -> Path:
    text = demo_config_text().replace("/var/lib/ofn-checkout/demo.db", str(tmp_path / "till.db"))
    text = text.replace("/var/lib/ofn-checkout/demo-api.key", str(tmp_path / "api.key"))
    if channels is not None:
        (tmp_path / "channels.toml").write_text(channels, encoding="utf-8")
        text = text.replace(
            'channel = "pickup point"', f'channel = "pickup point"\nchannels_file = "{tmp_path}/channels.toml"'
        )
    config_file = tmp_path / "config.toml"
    config_file.write_text(text, encoding="utf-8")
    return config_file


def test_config_check_checks_the_channel_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file = write_box(tmp_path, EXAMPLE)
    assert main(["config", "check", "--config", str(config_file)]) == 0
    out = capsys.readouterr().out
    digest = hashlib.sha256(EXAMPLE.encode()).hexdigest()
    assert (
        f'channels.toml: OK (version 1, 2 channels, this lane\'s channel "pickup point", sha256 {digest[:12]})' in out
    )
    other = tmp_path / "new-channels.toml"
    other.write_text(EXAMPLE.replace('"1000.00"', '"lots"').replace('["cash"]', '["cash", "gold"]'), encoding="utf-8")
    assert main(["config", "check", "--config", str(config_file), "--channels", str(other)]) == 1
    out = capsys.readouterr().out
    assert f"{other}: 1 problem" in out and "payment.cash_limit = 'lots'" in out
    assert "OK (lane 1" in out  # the config itself is fine, and says so
    other.write_text(EXAMPLE.replace('"cheque"]', '"cheque", "gold"]', 1), encoding="utf-8")
    assert main(["config", "check", "--config", str(config_file), "--channels", str(other)]) == 1
    assert "payment.methods = 'gold': is not a [[payment]] code of the box's config" in capsys.readouterr().out
    assert main(["config", "check", "--config", str(config_file), "--channels", str(tmp_path / "none.toml")]) == 1
    assert "none.toml: file not found" in capsys.readouterr().out


def test_commands_refuse_to_start_on_a_broken_channel_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A command that writes the till's journal refuses a broken file; one that only reads, or
    posts to OFN what is sealed already, goes on (a broken file must not hold sales back from OFN)."""
    config_file = write_box(tmp_path, EXAMPLE)
    assert main(["store", "init", "--config", str(config_file)]) == 0
    capsys.readouterr()
    (tmp_path / "channels.toml").write_text(EXAMPLE.replace("version = 1", "version = 9"), encoding="utf-8")
    assert main(["shift", "open", "--config", str(config_file), "--float", "50", "--cashier", "Alice"]) == 3
    err = capsys.readouterr().err
    assert f"the config {tmp_path / 'channels.toml'} cannot be used" in err
    assert "version = 9: this box reads version 1" in err and "Traceback" not in err
    assert main(["report", "x", "--config", str(config_file)]) == 3
    assert capsys.readouterr().err.strip() == "Error: No shift is open: open one with a cash float first"
    assert main(["journal", "verify", "--config", str(config_file)]) == 0
    capsys.readouterr()
    assert main(["sync", "--config", str(config_file), "status"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "Sync has not run yet\nstate starting; last success: never; pending 0; needs attention 0\n"
    assert captured.err == ""


def test_the_doctor_reads_the_channel_file_as_the_till_will(tmp_path: Path) -> None:
    from appliance.cli.box_checks import channels

    config = config_module.load(write_box(tmp_path, EXAMPLE))
    verdict, name, message = channels(config)
    assert (verdict, name) == ("ok", "channels") and "channel 'Pick-up point'" in message
    (tmp_path / "channels.toml").write_text(EXAMPLE.replace('"0.10"', '"free"'), encoding="utf-8")
    verdict, name, message = channels(config)
    assert verdict == "fail" and "shelf[0].price = 'free'" in message


def test_a_channels_discounts_and_policy_are_read_with_the_file() -> None:
    text = (
        EXAMPLE
        + """
[channels."market stall".discount_policy]
combine = "first"
manual_percent_limit = { cashier = "5" }

[[channels."market stall".discounts]]
name = "Saturday veg"
percent = "10"
tags = ["veg"]
weekdays = ["sat"]
"""
    )
    hub = parse_channels(text.encode())
    stall = hub.channels["market stall"]
    assert [rule.name for rule in stall.discounts] == ["Saturday veg"]
    assert stall.discount_policy.combine == "first"
    assert stall.discount_policy.manual_limit("cashier") == Decimal("5")
    assert hub.channels["pickup point"].discounts == ()


def test_a_bad_discount_rule_is_a_problem_of_the_file_with_its_key() -> None:
    text = (
        EXAMPLE
        + """
[[channels."market stall".discounts]]
name = "Too much"
percent = "150"

[channels."market stall".discount_policy]
combine = "cheapest"
"""
    )
    problems = problems_of(text)
    assert any(p.startswith('channels."market stall".discounts[0].percent') for p in problems), problems
    assert any(p.startswith('channels."market stall".discount_policy.combine') for p in problems), problems


def test_a_channels_return_rules_and_the_hubs_receipt_key_are_read_with_the_file() -> None:
    text = (
        EXAMPLE
        + """
[channels."market stall".returns]
from_channels = ["market stall", "pickup point"]
max_days = 14
receipt_required = true
no_pin_below = "20.00"
restock = false
"""
    )
    hub = parse_channels(text.encode())
    stall = hub.channels["market stall"].returns
    assert (stall.from_channels, stall.max_days, stall.receipt_required, stall.restock) == (
        ("market stall", "pickup point"),
        14,
        True,
        False,
    )
    assert stall.needs_pin(1999) is False and stall.needs_pin(2000) is True
    assert {rules.receipt_key_file for rules in hub.channels.values()} == {Path("/etc/ofn-checkout/hub-receipt.key")}


def test_returns_from_a_channel_the_file_does_not_have_is_a_problem_with_its_key() -> None:
    text = (
        EXAMPLE
        + """
[channels."market stall".returns]
from_channels = ["market stal"]
max_days = -3
"""
    )
    problems = problems_of(text)
    assert any(p.startswith('channels."market stall".returns.from_channels[0]') for p in problems), problems
    assert any(p.startswith('channels."market stall".returns.max_days') for p in problems), problems
