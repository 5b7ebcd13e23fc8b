"""Scan to line on screen at the counter, from outside the app, against a bare Textual app's key.

Starts the real ``ofn-checkout run`` on a pty (80 x 25, ``TERM=linux`` as on the box's console)
over a store with a 50,000-variant catalogue, with the devices' twins (scale, printer) and two
scanners: the keyboard as scanner (a burst of digits ended by Enter, written into the terminal
in one write) and a USB-serial scanner on a pty (the code and CR). Beside it, on a pty of its
own, the bare baseline (``bench/bare_app.py``: one Static that shows the key it got).

Each round, in turn (each goes first in its turn, so all see the same machine): a key to the
bare app until its text shows; a scan by each path until the product's line is drawn; a digit
typed into the counter's entry until it shows, and Backspace until the entry is empty again.
Every ``--lines`` lines the sale is paid (exact cash, no receipt), and those keys are timed too.
Samples are ``--gap`` seconds apart, about a quick cashier's pace.

    .venv/bin/python bench/counter_scan.py [--variants 50000] [--rounds 400] [--against OTHER/ofn-checkout] [--quick]

``--against`` runs another install beside this one (e.g. the commit before a change), on a box of
its own built the same way, and puts its scans (serial and keyboard) into every round: a change of
a few tenths of a millisecond shows in the same run, where runs one after the other differ by more
than that.

Target: scan to line p50 and p99 within 2x the bare app's key to render.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from counter_box import BARE_READY, SALE_READY, Product, counter_box, load, start_bare, wait_ready  # noqa: E402
from counter_driver import BareKeys, Cashier, cpu_per_action, idle_cpu_rate, scanner_port  # noqa: E402
from figures import quantiles  # noqa: E402  (bench/, the script's own folder)
from terminal import PtyProgram  # noqa: E402

BASELINE = "bare app: key -> text"
OTHER = {via: f"the other install: scan ({via}) -> line" for via in ("keyboard", "serial")}
ORDER = ("bare", "keyboard", "serial", "digit")


def print_figures(samples: dict[str, list[float]]) -> None:
    base_median, base_p99 = quantiles(samples[BASELINE])
    print(f"{'':40} {'n':>5} {'median':>9} {'p99':>9}   ratio to the bare app (median, p99)")
    for label, values in samples.items():
        if not values:
            continue
        median, p99 = quantiles(values)
        print(
            f"{label:40} {len(values):>5} {median * 1e3:7.2f}ms {p99 * 1e3:7.2f}ms"
            f"   {median / base_median:5.2f}x {p99 / base_p99:5.2f}x"
        )


def cpu_figures(
    bare: BareKeys, app: PtyProgram, cashier: Cashier, products: Iterator[Product], rounds: int
) -> dict[str, float]:
    """CPU per action, each kind in a block of its own (pay keys between sales left out)."""
    count = max(20, min(rounds, 100))
    bare_idle, app_idle = idle_cpu_rate([bare.app, app])
    cpu = {BASELINE: cpu_per_action(bare.app, bare_idle, count, bare.key)}
    cpu["counter: digit + Backspace"] = cpu_per_action(app, app_idle, count, cashier.digit)
    for via in ("keyboard", "serial"):
        used = 0.0
        for _ in range(count // 10):
            used += cpu_per_action(app, app_idle, 10, lambda: cashier.scan(next(products), via)) * 10
            cashier.checkout()
        cpu[f"counter: scan ({via})"] = used / (count // 10 * 10)
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=400, help="samples of each kind")
    parser.add_argument("--lines", type=int, default=12, help="lines per sale before it is paid")
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between two samples")
    parser.add_argument("--term", default="linux", help="TERM of both apps (linux: the box's console)")
    parser.add_argument("--exe", type=Path, help="another install's ofn-checkout (e.g. before a change)")
    parser.add_argument(
        "--against", type=Path, help="another install's ofn-checkout: its scans timed in the same rounds"
    )
    parser.add_argument("--quick", action="store_true", help="a short run: 5,000 variants, 20 rounds")
    args = parser.parse_args()
    if args.quick:
        args.variants, args.rounds = min(args.variants, 5000), min(args.rounds, 20)
    samples: dict[str, list[float]] = defaultdict(list)
    order = ORDER + ("other",) if args.against else ORDER
    with tempfile.TemporaryDirectory() as tmp, scanner_port() as (scanner, port), ExitStack() as others:
        started = time.perf_counter()
        with counter_box(Path(tmp), args.variants, scanner_port=port) as box:
            print(f"store with {args.variants} variants built in {time.perf_counter() - started:.1f} s")
            if args.exe:
                box.exe = args.exe.absolute()
            products = iter(box.products)
            bare, app = start_bare(Path(tmp), args.term), box.start_app(args.term)
            other = other_products = None
            if args.against:
                other, other_products = others.enter_context(other_counter(args, Path(tmp) / "other"))
            try:
                wait_ready(bare, BARE_READY)
                cashier, bare_keys = warmed_up(app, scanner, products), BareKeys(bare)
                for round_no in range(args.rounds):
                    turn = round_no % len(order)
                    for kind in order[turn:] + order[:turn]:
                        if kind == "other":
                            assert other is not None and other_products is not None
                            for via in ("serial", "keyboard")[:: 1 if round_no % 2 else -1]:
                                took = other.scan(next(other_products), via)
                                if took is not None:
                                    samples[OTHER[via]].append(took)
                                if other.lines >= args.lines:
                                    other.checkout()
                                other.app.drain(args.gap)
                            continue
                        if kind == "bare":
                            samples[BASELINE].append(bare_keys.key())
                        elif kind == "digit":
                            typed, cleared = cashier.digit()
                            samples["counter: digit -> entry"].append(typed)
                            samples["counter: Backspace -> entry empty"].append(cleared)
                        else:
                            took = cashier.scan(next(products), kind)
                            if took is not None:
                                samples[f"counter: scan ({kind}) -> line"].append(took)
                        app.drain(args.gap)
                        bare.drain(0)
                    if cashier.lines >= args.lines:
                        pay, cash, done = cashier.checkout()
                        samples["counter: + -> payment screen"].append(pay)
                        samples["counter: Enter -> sale sealed, change"].append(cash)
                        samples["counter: Enter -> next sale"].append(done)
                        app.drain(args.gap)
                cpu = cpu_figures(bare_keys, app, cashier, products, args.rounds)
                rss = app.rss_kib()
            finally:
                app.close()
                bare.close()
    print(f"{args.rounds} rounds, TERM={args.term}, {load()}; counter RSS at the end {rss / 1024:.1f} MiB")
    print_figures(samples)
    print("\nCPU time of each process per action, its idle use taken out (not slowed by a busy machine):")
    for label, seconds in cpu.items():
        print(f"{label:40} {seconds * 1e3:7.2f}ms   {seconds / cpu[BASELINE]:5.2f}x")
    for via, count in cashier.missed.items():
        if count:
            print(
                f"{via} scans refused: {count} (the burst reached the app with a gap over scan_gap_ms,"
                " so it was read as typing; the cashier scans again)"
            )
    for via in ("keyboard", "serial"):
        median, p99 = quantiles(samples[f"counter: scan ({via}) -> line"])
        base_median, base_p99 = quantiles(samples[BASELINE])
        print(
            f"scan ({via}) against the bare key (target <= 2x):"
            f" median {median / base_median:.2f}x, p99 {p99 / base_p99:.2f}x"
        )
    for via, label in OTHER.items():
        if samples[label]:
            median, p99 = quantiles(samples[f"counter: scan ({via}) -> line"])
            other_median, other_p99 = quantiles(samples[label])
            print(
                f"{via} scan, this install / the other: median {median / other_median:.3f}, p99 {p99 / other_p99:.3f}"
            )


@contextmanager
def other_counter(args: argparse.Namespace, directory: Path) -> Iterator[tuple[Cashier, Iterator[Product]]]:
    """``--against``: the other install's counter on a box of its own, ready for its first scan."""
    directory.mkdir()
    with scanner_port() as (scanner, port), counter_box(directory, args.variants, scanner_port=port) as box:
        box.exe = args.against.absolute()
        products = iter(box.products)
        app = box.start_app(args.term)
        try:
            yield warmed_up(app, scanner, products), products
        finally:
            app.close()


def warmed_up(app: PtyProgram, scanner: int, products: Iterator[Product]) -> Cashier:
    """A cashier at ``app`` once its sale screen is up and a first sale has warmed it (first
    lookups, first rows of the table)."""
    wait_ready(app, *SALE_READY)
    app.drain(1.0)
    cashier = Cashier(app, scanner)
    for _ in range(10):
        cashier.scan(next(products), "serial")
    cashier.checkout()
    return cashier


if __name__ == "__main__":
    main()
