"""What a channel file costs the till, against the same till without one, measured in the same run.

- ``new_sale``: starting a sale looks at the channel file's stamp (one ``stat``), the moment a
  changed file would be taken up; without a file there is nothing to look at.
- ``rules``: what sealing a 4-line sale adds: every line checked against the assortment (on the
  category and tags its item carries), the payments against the payment rules;
- ``complete``: ``Till.complete`` as a whole (the rules, the journal, the outbox, the fsync).
- ``reload``: reading and checking a changed file of 20 channels (what the first sale after a
  change pays once).

The two tills are on stores of their own on the same disk; their sales alternate one by one, so
both see the same disk weather.

    .venv/bin/python bench/channels.py [--sales 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from figures import quantiles  # noqa: E402

from appliance import config as config_module  # noqa: E402
from appliance.cli.demo import demo_config_text, demo_variants  # noqa: E402
from appliance.config.channels import parse_channels  # noqa: E402
from appliance.core.money import from_cents  # noqa: E402
from appliance.store.catalogue import upsert_variants  # noqa: E402
from appliance.store.database import write_transaction  # noqa: E402
from appliance.till import Till  # noqa: E402

CHANNELS = """
[channels."pickup point"]
label = "Pick-up point"

[channels."pickup point".payment]
methods = ["cash", "card", "cheque", "voucher"]
cash_limit = "1000.00"

[channels."pickup point".assortment]
exclude_tags = ["alcohol", "wholesale"]
exclude_categories = [15]
exclude_variants = [1, 2, 3]
"""


def many_channels(count: int) -> str:
    text = "version = 1\n" + CHANNELS
    for index in range(count - 1):
        text += CHANNELS.replace('"pickup point"', f'"lane {index}"')
    return text


def make_till(directory: Path, channels: str | None) -> Till:
    directory.mkdir()
    config = replace(config_module.parse(demo_config_text()), store_path=directory / "till.db")
    if channels is not None:
        (directory / "channels.toml").write_text(channels, encoding="utf-8")
        config = replace(config, channels_file=directory / "channels.toml")
    till = Till.create(config)
    with write_transaction(till.db) as connection:
        upsert_variants(connection, demo_variants(), till.clock.now())
    till.open_shift("Bench", Decimal("100.00"))
    return till


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sales", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-channels-", dir=os.environ.get("BENCH_DIR")) as work:
        tills = {
            "no file": make_till(Path(work) / "plain", None),
            "channel file": make_till(Path(work) / "channels", many_channels(20)),
        }
        packed = [v for v in demo_variants() if v.priced_by.value == "each" and v.category_id == 13][:40]
        timings: dict[str, dict[str, list[float]]] = {
            name: {"new_sale": [], "rules": [], "complete": []} for name in tills
        }
        for number in range(args.sales):
            order = list(tills.items()) if number % 2 else list(reversed(tills.items()))
            for name, till in order:
                started = time.perf_counter()
                sale = till.new_sale("Bench")
                timings[name]["new_sale"].append(time.perf_counter() - started)
                for index in range(4):
                    sale.add(till.item(packed[(number + index) % len(packed)].id))
                sale.tender(till.payment("cash"), from_cents(sale.totals().total))
                started = time.perf_counter()
                till.check_rules(sale)  # the part of complete() the rules add, alone
                timings[name]["rules"].append(time.perf_counter() - started)
                started = time.perf_counter()
                till.complete(sale)
                timings[name]["complete"].append(time.perf_counter() - started)
        data = many_channels(20).encode()
        reloads = []
        for _ in range(200):
            started = time.perf_counter()
            parse_channels(data)
            reloads.append(time.perf_counter() - started)
        for till in tills.values():
            till.close()
    print(f"{args.sales} sales of 4 lines per till, interleaved; medians and p99 in microseconds")
    for what in ("new_sale", "rules", "complete"):
        base, _ = quantiles(timings["no file"][what])
        for name in tills:
            median, p99 = quantiles(timings[name][what])
            print(f"  {what:9} {name:13} median {median * 1e6:8.1f}  p99 {p99 * 1e6:8.1f}  ratio {median / base:5.2f}")
    median, p99 = quantiles(reloads)
    print(f"  reload    20 channels   median {median * 1e6:8.1f}  p99 {p99 * 1e6:8.1f}  (once, after a change)")


if __name__ == "__main__":
    main()
