"""Reports by channel on one box: X/Z and closure totals broken down by channel, `report channels`.

The breakdown's promise is that the channels add up to the whole to the cent, whatever was sold:
hypothesis draws the sales (channels, baskets, weighed goods, discounts, returns, methods) and
every figure of the channels is summed against the whole's.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appliance import config as config_module
from appliance.cli.demo import demo_config_text, demo_variants
from appliance.cli.main import main
from appliance.core.clock import SteppingClock
from appliance.core.money import from_cents
from appliance.core.sale import Discount, DiscountKind, PricedBy
from appliance.reports.formatting import Formatter
from appliance.reports.text import shift_report_text
from appliance.store.sales import StoredSale
from appliance.store.totals import SalesTotals
from appliance.till import Till

from .conftest import MONDAY_MORNING
from .sales_kit import pay
from .store_kit import demo_till

CHANNELS = ("shop counter", "market stall", "pickup point")
VARIANTS = demo_variants()
EACH = [v.id for v in VARIANTS if v.priced_by is PricedBy.EACH and v.price > 0][:12]
WEIGHED = next(v.id for v in VARIANTS if v.priced_by is PricedBy.WEIGHT)


@dataclass(frozen=True)
class RuleDiscount(Discount):
    """A discount as the channel's rules seal it (docs/channels.md): the rule's name, or stacked rules'."""

    rule: str = ""
    stacked: tuple[str, ...] = ()

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {**super().as_record(), "rule": self.rule}
        if self.stacked:
            record["rules"] = list(self.stacked)
        return record


def sell(till: Till, channel: str, basket: dict[str, Any]) -> StoredSale:
    """One sale in ``channel`` (a box reassigned between two sales sells in its new channel)."""
    sale = till.new_sale("Alice")
    sale.channel = channel
    for index, quantity in basket["items"]:
        sale.add(till.item(EACH[index]), quantity, merge=False)
    if basket["grams"]:
        sale.add_weighed(till.item(WEIGHED), basket["grams"])
    if basket["line_percent"]:
        kind = RuleDiscount if basket["rule"] else Discount
        extra = {"rule": basket["rule"]} if basket["rule"] else {}
        sale.discount_line(1, kind(DiscountKind.PERCENT, Decimal(basket["line_percent"]), "offer", **extra))
    if basket["sale_percent"]:
        sale.discount_sale(Discount(DiscountKind.PERCENT, Decimal(basket["sale_percent"]), "member"))
    if basket["void"] and len(sale.lines) > 1:
        sale.void(len(sale.lines))
    till.clock.advance(60)  # type: ignore[attr-defined]
    return pay(till, sale, basket["method"])


def give_back(till: Till, channel: str, original: StoredSale, method: str) -> StoredSale | None:
    """Part of an earlier sale's first line still returnable, given back in ``channel``."""
    left = till.returnable(original)
    if not left:
        return None
    line_no, rest = sorted(left.items())[0]
    sale = till.new_return(original, "Alice")
    sale.channel = channel
    if rest.quantity > 0:
        till.add_return_line(sale, original, line_no, quantity=1)
    else:
        till.add_return_line(sale, original, line_no, weight_g=max(rest.weight_g // 2, 1))
    return pay(till, sale, "cash" if method == "cheque" else method)


BASKETS = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(CHANNELS),
        "items": st.lists(st.tuples(st.integers(0, len(EACH) - 1), st.integers(1, 3)), min_size=1, max_size=4),
        "grams": st.sampled_from([0, 0, 1, 333, 1250]),
        "line_percent": st.sampled_from([None, 5, 12.5, 100]),
        "rule": st.sampled_from(["", "Saturday veg"]),
        "sale_percent": st.sampled_from([None, None, 10]),
        "void": st.booleans(),
        "method": st.sampled_from(["cash", "card", "cheque"]),
        "return_after": st.booleans(),
    }
)


def assert_channels_add_up(totals: SalesTotals, used: set[str]) -> None:
    channels = totals.channels
    assert {c.channel for c in channels} == used
    for name in ("sales_count", "returns_count", "sales_total", "returns_total", "discounts", "total"):
        assert sum(getattr(c, name) for c in channels) == getattr(totals, name), name
    by_method: dict[str, int] = {}
    for channel in channels:
        for method, amount in channel.payments.items():
            by_method[method] = by_method.get(method, 0) + amount
    assert by_method == totals.payments
    by_rate: Counter[tuple[str, int, str]] = Counter()
    for channel in channels:
        for vat in channel.vat:
            by_rate[(vat.code, vat.rate_bp, "gross")] += vat.gross
            by_rate[(vat.code, vat.rate_bp, "vat")] += vat.vat
    whole = Counter({(v.code, v.rate_bp, "gross"): v.gross for v in totals.vat})
    whole.update({(v.code, v.rate_bp, "vat"): v.vat for v in totals.vat})
    assert by_rate == whole


@settings(max_examples=30)  # each example sets a store up
@given(baskets=st.lists(BASKETS, min_size=1, max_size=8))
def test_any_sales_channel_totals_add_up_to_the_whole_to_the_cent(baskets: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        config = replace(
            config_module.parse(demo_config_text()),
            api_key_file=Path(directory) / "api.key",
            store_path=Path(directory) / "till.db",
        )
        with demo_till(config, SteppingClock(MONDAY_MORNING)) as till:
            used = set()
            for basket in baskets:
                stored = sell(till, basket["channel"], basket)
                used.add(basket["channel"])
                if basket["return_after"]:
                    back = CHANNELS[(CHANNELS.index(basket["channel"]) + 1) % 3]
                    if give_back(till, back, stored, basket["method"]) is not None:
                        used.add(back)
            assert_channels_add_up(till.x_report().totals, used)
            z = till.close_shift(from_cents(till.x_report().expected_cash), "Alice")
            assert_channels_add_up(z.totals, used)


def a_day_in_two_channels(till: Till) -> None:
    """Two rule discounts and manual ones in the shop, a stacked pair and a return at the market."""
    plain = {"grams": 0, "sale_percent": None, "void": False, "method": "cash", "line_percent": None, "rule": ""}
    sell(till, "shop counter", {**plain, "items": [(0, 2)], "line_percent": 10, "rule": "Saturday veg"})
    sell(till, "shop counter", {**plain, "items": [(1, 1)], "line_percent": 5, "rule": "Saturday veg"})
    sell(till, "shop counter", {**plain, "items": [(2, 1), (3, 1)], "line_percent": 20, "sale_percent": 10})
    sale = till.new_sale("Bruno")
    sale.channel = "market stall"
    sale.add(till.item(EACH[4]), 3)
    sale.discount_line(
        1, RuleDiscount(DiscountKind.PERCENT, Decimal(15), "offer", rule="Bulk", stacked=("Bulk", "Members"))
    )
    stored = pay(till, sale, "card")
    give_back(till, "market stall", stored, "card")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_channels_compares_sales_baskets_discounts_by_rule_and_returns(
    till: Till, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_day_in_two_channels(till)
    x = till.x_report().totals
    day = MONDAY_MORNING.date().isoformat()
    code, out, _ = run(capsys, "report", "channels", "--config", str(config_file), "--from", day, "--to", day, "--json")
    assert code == 0
    report = {c["channel"]: c for c in json.loads(out)["channels"]}
    assert set(report) == {"shop counter", "market stall"}
    shop, market = report["shop counter"], report["market stall"]
    assert (shop["baskets"], shop["returns_count"], market["baskets"], market["returns_count"]) == (3, 0, 1, 1)
    assert set(shop["discounts"]) == {"Saturday veg", "manual"} and set(market["discounts"]) == {"Bulk + Members"}
    assert all(cents > 0 for c in report.values() for cents in c["discounts"].values())
    for figures in x.channels:
        mine = report[figures.channel]
        assert mine["sales"] == figures.sales_total and mine["returns"] == figures.returns_total
        assert mine["discounts_total"] == figures.discounts
        assert mine["average_basket"] == round(Decimal(figures.sales_total) / figures.sales_count)
    code, out, _ = run(capsys, "report", "channels", "--config", str(config_file), "--from", day, "--to", day)
    assert code == 0 and "Saturday veg" in out and "Average basket" in out and "Bulk + Members" in out
    next_day = (MONDAY_MORNING.date() + timedelta(days=1)).isoformat()
    code, out, _ = run(
        capsys, "report", "channels", "--config", str(config_file), "--from", next_day, "--to", next_day, "--json"
    )
    assert code == 0 and json.loads(out)["channels"] == []


@pytest.mark.parametrize(
    ("first", "last", "said"),
    [
        ("2026-02-30", "2026-03-01", "--from '2026-02-30' is not a date"),
        ("yesterday", "2026-03-01", "--from 'yesterday' is not a date"),
        ("2026-03-01", "2026-3-1", "--to '2026-3-1'"),
        ("0999-01-01", "2026-03-01", "between 2000-01-01 and 2999-12-31"),
        ("2026-03-02", "2026-03-01", "--to 2026-03-01 is before --from 2026-03-02"),
    ],
)
def test_report_channels_refuses_bad_dates_in_one_line(
    till: Till, config_file: Path, capsys: pytest.CaptureFixture[str], first: str, last: str, said: str
) -> None:
    code, out, err = run(capsys, "report", "channels", "--config", str(config_file), "--from", first, "--to", last)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and said in err and "Traceback" not in err


def test_the_z_report_prints_and_seals_the_breakdown_by_channel(till: Till) -> None:
    a_day_in_two_channels(till)
    z = till.close_shift(from_cents(till.x_report().expected_cash), "Alice")
    record = z.as_record()
    assert [c["channel"] for c in record["totals"]["channels"]] == ["market stall", "shop counter"]  # type: ignore[index]
    fmt = Formatter("EUR", "fr_FR", till.zone)
    text = shift_report_text(record, fmt, "Till 1")
    section = text[text.index("BY CHANNEL") :].splitlines()
    assert section[1] == "market stall" and "shop counter" in section
    assert sum(1 for line in section if line.startswith("  Sales (")) == 2
    older = json.loads(json.dumps(record))
    del older["totals"]["channels"]  # a Z sealed before the breakdown existed prints as it did
    assert "BY CHANNEL" not in shift_report_text(older, fmt, "Till 1")
