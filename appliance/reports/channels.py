"""``report channels``: the box's channels side by side over a range of local dates.

A hub compares its points of sale (docs/channels.md, "Reports"): how much each sold, in how many
baskets, the average basket, the discounts it gave (by the rule that applied, or by hand) and what
came back. Everything is read from the sealed sale and return entries through the views, so the
figures are those of the X/Z reports and the export; a channel's discounts by rule add up to the
"Discounts given" of its Z figures.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from appliance.core.clock import local_day_bounds
from appliance.core.money import round_div
from appliance.reports.columns import pair
from appliance.reports.errors import ReportError
from appliance.reports.formatting import Formatter

#: How a discount given by hand (a line's or the whole sale's) is listed beside the rules.
MANUAL = "manual"


@dataclass(frozen=True)
class ChannelFigures:
    channel: str
    baskets: int = 0  # completed sales (returns are counted apart)
    sales: int = 0  # cents the sales came to, discounts taken off
    returns_count: int = 0
    returns: int = 0  # cents refunded (negative)
    discounts: dict[str, int] = field(default_factory=dict)  # rule name (or "manual") -> cents off

    @property
    def average_basket(self) -> int:
        """Cents per basket, half away from zero; 0 without a basket."""
        return round_div(self.sales, self.baskets) if self.baskets else 0

    @property
    def net(self) -> int:
        return self.sales + self.returns

    def as_record(self) -> dict[str, object]:
        return {
            "channel": self.channel,
            "baskets": self.baskets,
            "sales": self.sales,
            "average_basket": self.average_basket,
            "returns_count": self.returns_count,
            "returns": self.returns,
            "net": self.net,
            "discounts": dict(self.discounts),
            "discounts_total": sum(self.discounts.values()),
        }


def parse_period(first: str, last: str) -> tuple[date, date]:
    """``--from`` and ``--to`` as local dates (YYYY-MM-DD), in order, between 2000 and 2999."""
    days = []
    for option, text in (("--from", first), ("--to", last)):
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise ReportError(f"{option} {text!r} is not a date: give it as YYYY-MM-DD, e.g. 2026-11-30") from None
        if len(text.strip()) != 10 or not 2000 <= day.year <= 2999:
            raise ReportError(f"{option} {text!r}: give a date as YYYY-MM-DD between 2000-01-01 and 2999-12-31")
        days.append(day)
    if days[1] < days[0]:
        raise ReportError(f"--to {last} is before --from {first}: give the earlier date first")
    return days[0], days[1]


def compare_channels(
    connection: sqlite3.Connection, first: date, last: date, zone: ZoneInfo
) -> tuple[ChannelFigures, ...]:
    """Per channel, in name order, the figures of the entries completed from ``first`` to ``last``."""
    span = local_day_bounds(first, last, zone)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    discounts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for channel, kind, count, total, by_hand in connection.execute(
        "SELECT channel, kind, COUNT(*), SUM(total), SUM(discount_cents) FROM sale"
        " WHERE completed_at >= ? AND completed_at < ? GROUP BY channel, kind",
        span,
    ):
        if kind == "sale":
            totals[channel]["baskets"] += count
            totals[channel]["sales"] += total or 0
            if by_hand:
                discounts[channel][MANUAL] += by_hand
        else:
            totals[channel]["returns_count"] += count
            totals[channel]["returns"] += total or 0
    for channel, rule, rules, cents in connection.execute(
        "SELECT channel, discount_rule, discount_rules, SUM(discount_cents) FROM sale_line"
        " WHERE completed_at >= ? AND completed_at < ? AND sale_kind = 'sale' AND discount_cents != 0"
        " GROUP BY channel, discount_rule, discount_rules",
        span,
    ):
        discounts[channel][rule_label(rule, rules)] += cents
    return tuple(
        ChannelFigures(
            channel=name,
            baskets=totals[name]["baskets"],
            sales=totals[name]["sales"],
            returns_count=totals[name]["returns_count"],
            returns=totals[name]["returns"],
            discounts=dict(sorted(discounts[name].items())),
        )
        for name in sorted(set(totals) | set(discounts))
    )


def rule_label(rule: str | None, rules: str | None) -> str:
    """The rule a line's discount was sealed with (stacked rules joined by ``+``), or ``manual``."""
    names = json.loads(rules) if rules else []
    if names:
        return " + ".join(str(name) for name in names)
    return rule or MANUAL


def channels_text(figures: tuple[ChannelFigures, ...], fmt: Formatter, heading: str, width: int = 42) -> str:
    """The comparison as the terminal shows it: one block a channel."""
    lines = [heading]
    if not figures:
        return "\n".join([*lines, "No sales in these dates."])
    for channel in figures:
        lines += [
            "-" * width,
            channel.channel[:width],
            pair("  Sales", fmt.money(channel.sales), width),
            pair("  Baskets", str(channel.baskets), width),
            pair("  Average basket", fmt.money(channel.average_basket), width),
            pair(f"  Returns ({channel.returns_count})", fmt.money(channel.returns), width),
            pair("  Net", fmt.money(channel.net), width),
            pair("  Discounts given", fmt.money(sum(channel.discounts.values())), width),
        ]
        lines += [pair(f"    {name}", fmt.money(cents), width) for name, cents in channel.discounts.items()]
    return "\n".join(lines)
