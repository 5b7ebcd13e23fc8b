"""What a channel's automatic discounts cost the basket: ``Sale.totals()`` with rules, against none.

The sale derives every line's automatic discount in ``totals()`` (docs/channels.md, "Discounts"),
and the screen asks for the totals after each scan, so a hub with many rules pays for them on every
key. This times ``totals()`` on baskets of 10, 50 and 200 lines (half of them weighed), interleaved
run by run:

- without rules (the baseline, measured in the same run);
- with 20 rules (categories, tags, weekdays, hours, customer tags, some stacking), best for the
  customer;
- with the same 20 rules, first match.

    .venv/bin/python bench/discount_rules.py [--runs 200]

Prints the median and p99 of each, in microseconds, and each one's ratio to the baseline.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import quantiles  # noqa: E402  (bench/, the script's own folder)

from appliance.core.discount_rules import AutoDiscounts, Combine, DiscountPolicy, DiscountRule  # noqa: E402
from appliance.core.sale import Item, PricedBy, Sale  # noqa: E402
from appliance.core.tax import VatRate  # noqa: E402

VAT = VatRate("A", Decimal("5.5"), "5.5 %")
SATURDAY = datetime(2026, 3, 7, 9, 30, tzinfo=UTC)
TAGS = ("veg", "fruit", "bulk", "dairy", "bakery")


def _rules() -> tuple[DiscountRule, ...]:
    rules = []
    for index in range(20):
        kind = {"percent": Decimal(5 + index % 10)} if index % 2 else {"amount": Decimal("0.20")}
        rules.append(
            DiscountRule(
                f"rule {index}",
                categories=frozenset({index % 7 + 1}),
                tags=frozenset({TAGS[index % len(TAGS)]}),
                weekdays=frozenset({index % 7, 5}),
                hours=(8 * 60, 20 * 60) if index % 3 else None,
                customer_tags=frozenset({"member"}) if index % 4 == 0 else frozenset(),
                stack=index % 5 == 0,
                **kind,  # type: ignore[arg-type]
            )
        )
    return tuple(rules)


def _basket(lines: int, auto: AutoDiscounts) -> Sale:
    sale = Sale(lane_id=1, channel="shop counter", cashier="Bench", started_at=SATURDAY, auto_discounts=auto)
    sale.customer_tags = frozenset({"member"})
    for index in range(lines):
        weighed = index % 2 == 1
        item = Item(
            variant_id=index + 1,
            name=f"Variant {index + 1}",
            price=Decimal(100 + index) / 100,
            priced_by=PricedBy.WEIGHT if weighed else PricedBy.EACH,
            vat=VAT,
            category_id=index % 9 + 1,
            tags=frozenset({TAGS[index % len(TAGS)]}),
        )
        if weighed:
            sale.add_weighed(item, 250 + index)
        else:
            sale.add(item, 1 + index % 3)
    return sale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    zone = ZoneInfo("Europe/Paris")
    best = AutoDiscounts(_rules(), DiscountPolicy(Combine.BEST), zone)
    kinds = {
        "no rules": AutoDiscounts(),
        "20 rules, best": best,
        "20 rules, first": replace(best, policy=DiscountPolicy(Combine.FIRST)),
    }
    print(f"Sale.totals(), {args.runs} runs each, interleaved; microseconds (median / p99), ratio to no rules")
    for lines in (10, 50, 200):
        baskets = {name: _basket(lines, auto) for name, auto in kinds.items()}
        samples: dict[str, list[float]] = {name: [] for name in kinds}
        for _ in range(args.runs):
            for name, sale in baskets.items():
                start = time.perf_counter()
                sale.totals()
                samples[name].append((time.perf_counter() - start) * 1e6)
        base = quantiles(samples["no rules"])[0]
        for name, values in samples.items():
            median, p99 = quantiles(values)
            print(f"  {lines:>3} lines  {name:<16} {median:9.1f} / {p99:9.1f}  x{median / base:.2f}")


if __name__ == "__main__":
    main()
