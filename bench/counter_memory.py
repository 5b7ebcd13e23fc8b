"""Memory of the counter over a day of trading: RSS after 500 sales rung up through the UI.

Starts the real ``ofn-checkout run`` on a pty (as ``bench/counter_scan.py`` does: a store with a
50,000-variant catalogue, the devices' twins, a serial scanner on a pty) and rings up sales as a
cashier does: ``--lines`` scans of products not yet sold, then ``+`` (payment), Enter (exact
cash), Enter (no receipt), each step waiting until the screen shows its result. The app's
resident memory (VmRSS in /proc) is read at its first frame, once it settled, and every
``--every`` sales; the bare Textual app's at its first frame is the baseline, from the same run.

    .venv/bin/python bench/counter_memory.py [--sales 500] [--lines 5] [--via serial|keyboard] [--quick]

Target: under 120 MB after 500 sales.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from counter_box import BARE_READY, SALE_READY, counter_box, load, start_bare, wait_ready  # noqa: E402
from counter_driver import Cashier, scanner_port  # noqa: E402
from figures import quantiles  # noqa: E402  (bench/, the script's own folder)

MB = 1000 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, default=50_000)
    parser.add_argument("--sales", type=int, default=500)
    parser.add_argument("--lines", type=int, default=5, help="scans per sale")
    parser.add_argument("--via", choices=("serial", "keyboard"), default="serial", help="the scanner's path")
    parser.add_argument("--term", default="linux")
    parser.add_argument("--every", type=int, default=100, help="read the RSS every this many sales")
    parser.add_argument("--quick", action="store_true", help="a short run: 5,000 variants, 20 sales")
    args = parser.parse_args()
    if args.quick:
        args.variants, args.sales = min(args.variants, 5000), min(args.sales, 20)
    readings: list[tuple[str, int]] = []
    sale_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, scanner_port() as (scanner, port):
        with counter_box(Path(tmp), args.variants, scanner_port=port) as box:
            if args.sales * args.lines > len(box.products):
                parser.error(f"{args.sales} sales of {args.lines} lines need more than {len(box.products)} products")
            bare = start_bare(Path(tmp), args.term)
            try:
                wait_ready(bare, BARE_READY)
                bare_kib = bare.rss_kib()
            finally:
                bare.close()
            app = box.start_app(args.term)
            try:
                wait_ready(app, *SALE_READY)
                readings.append(("at the first frame", app.rss_kib()))
                app.drain(2.0)
                readings.append(("2 s later (its polls started)", app.rss_kib()))
                cashier = Cashier(app, scanner)
                products = iter(box.products)
                for sale in range(1, args.sales + 1):
                    started = time.perf_counter()
                    while cashier.lines < args.lines:
                        cashier.scan(next(products), args.via)  # a refused scan is scanned again, as a cashier does
                    cashier.checkout()
                    sale_times.append(time.perf_counter() - started)
                    if sale % args.every == 0 or sale == args.sales:
                        readings.append((f"after {sale} sales", app.rss_kib()))
            finally:
                app.close()
    print(
        f"{args.sales} sales of {args.lines} scans ({args.via} scanner), {args.variants} variants,"
        f" TERM={args.term}, {load()}"
    )
    print(f"{'bare Textual app at its first frame':50} {bare_kib * 1024 / MB:7.1f} MB")
    previous = None
    for label, kib in readings:
        step = f"{(kib - previous) * 1024 / MB:+6.1f} MB" if previous is not None else ""
        print(f"{'counter ' + label:50} {kib * 1024 / MB:7.1f} MB {kib / bare_kib:5.2f}x the bare app  {step}")
        previous = kib
    if len(readings) > 3:
        (first_label, first), (last_label, last) = readings[-2], readings[-1]
        sales = int(last_label.split()[1]) - int(first_label.split()[1])
        print(f"growth over the last {sales} sales: {(last - first) * 1024 / sales / 1000:+.1f} kB per sale")
    median, p99 = quantiles(sale_times)
    print(
        f"one whole sale through the UI (scans, +, Enter, Enter): median {median * 1e3:.0f} ms, p99 {p99 * 1e3:.0f} ms"
    )
    if missed := sum(cashier.missed.values()):
        print(f"scans refused and scanned again: {missed}")
    print(f"RSS after {args.sales} sales against the target of 120 MB: {readings[-1][1] * 1024 / MB:.1f} MB")


if __name__ == "__main__":
    main()
