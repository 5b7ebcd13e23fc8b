"""Cold start of the counter: exec of ``ofn-checkout run`` to its first interactive frame.

The real command on a pty (80 x 25, ``TERM=linux``), on a store with a 50,000-variant catalogue
and an open shift, with the devices' twins (scale, printer) and a serial scanner port: the clock
runs from the fork until the sale screen's entry hint and footer are in the bytes the app wrote.
The baseline is the bare Textual app (``bench/bare_app.py``), exec to its first frame, in the same
run; the two are interleaved one by one (each goes first in turn). Each start is a fresh process
with warm disk caches, as a restart of the kiosk service is; a first start after boot also reads
every file from the SD card, which this does not measure. The resident memory (VmRSS) of each at
its first frame is printed too.

``--imports`` runs the app once more with ``PYTHONPROFILEIMPORTTIME=1`` and prints the heaviest
imports up to the first frame (the ones over 15 ms, cumulative), and whether a module the first
frame has no use for was imported (the printer's, the barcode parser's, the HTTP libraries, the
migration library, click).

    .venv/bin/python bench/counter_start.py [--runs 20] [--imports] [--first-scan] [--quick]
        [--against OTHER/.venv/bin/ofn-checkout]

``--against`` starts another checkout's install too, interleaved with this one on the same store
(e.g. the commit before a change), and prints the ratio of the two.

``--first-scan`` also scans a product (a keyboard-wedge burst: its digits and Enter) as soon as the
first frame is out, and times it to its line on screen: what start-up work left for after the first
frame costs the first scan (the bare app: a key to its answer).

Target: the counter's exec to first frame within 2x the bare app's.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from counter_box import (  # noqa: E402
    BARE_READY,
    SALE_READY,
    CounterBox,
    counter_box,
    load,
    start_bare,
    terminal_env,
    wait_ready,
)
from counter_driver import BareKeys, Cashier, scanner_port  # noqa: E402
from figures import quantiles  # noqa: E402  (bench/, the script's own folder)
from terminal import PtyProgram  # noqa: E402

from tui.start import NOT_AT_START  # noqa: E402  (what the first frame leaves for later)

IMPORT_LINE = re.compile(rb"import time:\s+(\d+) \|\s+(\d+) \| ( *)([^\r\n]+)")


def start_once(
    kind: str, box: CounterBox, directory: Path, term: str, other: Path | None, scan: int | None = None
) -> tuple[float, float, int, float | None]:
    """Seconds from fork to the first frame, the CPU seconds the program used by then, its RSS (KiB);
    with ``scan`` (a product's index), the seconds from that product's scan, sent as soon as the
    first frame is out, to its line on screen (the bare app: a key to its answer)."""
    if kind == "bare":
        program = start_bare(directory, term)
    elif kind == "other":
        assert other is not None
        program = PtyProgram(
            [str(other.absolute()), *box.app_argv()[1:]], terminal_env(term, box.log_dir), cwd=box.directory
        )
    else:
        program = box.start_app(term)
    try:
        took = wait_ready(program, *(BARE_READY,) if kind == "bare" else SALE_READY)
        used, kib = program.cpu_seconds(), program.rss_kib()
        if scan is None:
            return took, used, kib, None
        if kind == "bare":
            return took, used, kib, BareKeys(program).key()
        return took, used, kib, Cashier(program).scan(box.products[scan % len(box.products)])
    finally:
        program.close()
        if scan is not None:  # the sale in progress the app kept for its next start: each starts empty
            (box.directory / "till.db.basket").unlink(missing_ok=True)


def imports(box: CounterBox, term: str) -> None:
    """The heaviest imports of ``run`` up to its first frame, from Python's own import timer."""
    env = terminal_env(term, box.log_dir)
    env["PYTHONPROFILEIMPORTTIME"] = "1"
    program = PtyProgram(box.app_argv(), env, cwd=box.directory)
    try:
        wait_ready(program, *SALE_READY)
        raw = bytes(program.output)  # the import timer writes to stderr, the app's terminal
    finally:
        program.close()
    rows = [(int(own), int(total), len(indent), name.decode()) for own, total, indent, name in IMPORT_LINE.findall(raw)]
    print(f"\nimports up to the first frame (PYTHONPROFILEIMPORTTIME, which slows them): {len(rows)} modules")
    print(f"{'cumulative':>11}  module (indented: imported by the one above it)")
    for _own, total, indent, name in rows:
        if total >= 15_000 and indent <= 6:
            print(f"{total / 1000:9.1f}ms  {' ' * indent}{name}")
    loaded = {name.strip().split(".")[0] for *_, name in rows}
    unwanted = [module for module in NOT_AT_START if module in loaded]
    print(f"modules the first frame does not need, imported: {', '.join(unwanted) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--term", default="linux")
    parser.add_argument("--imports", action="store_true", help="also list the heaviest imports")
    parser.add_argument("--against", type=Path, help="another install's ofn-checkout, timed alongside on the same box")
    parser.add_argument("--quick", action="store_true", help="a short run: 5,000 variants, 3 runs")
    parser.add_argument("--first-scan", action="store_true", help="also time a scan sent right after the first frame")
    args = parser.parse_args()
    if args.quick:
        args.variants, args.runs = min(args.variants, 5000), min(args.runs, 3)
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    rss: dict[str, list[int]] = defaultdict(list)
    scans: dict[str, list[float]] = defaultdict(list)
    labels = {"bare": "bare app: exec -> first frame", "counter": "counter: exec -> sale screen ready"}
    if args.against:
        labels["other"] = "the other install: exec -> sale screen"
    with tempfile.TemporaryDirectory() as tmp, scanner_port() as (_, port):
        with counter_box(Path(tmp), args.variants, scanner_port=port) as box:
            for kind in labels:  # warm the page cache and the bytecode caches
                start_once(kind, box, Path(tmp), args.term, args.against)
            kinds = list(labels)
            for run in range(args.runs):
                for kind in kinds[run % len(kinds) :] + kinds[: run % len(kinds)]:
                    took, used, kib, scan = start_once(
                        kind, box, Path(tmp), args.term, args.against, run if args.first_scan else None
                    )
                    times[kind].append(took)
                    cpu[kind].append(used)
                    rss[kind].append(kib)
                    if scan is not None:
                        scans[kind].append(scan)
            if args.imports:
                imports(box, args.term)
    print(f"\n{args.runs} starts each, interleaved, TERM={args.term}, {load()}")
    base_median, base_p99 = quantiles(times["bare"])
    base_cpu = quantiles(cpu["bare"])[0]
    print(f"{'':38} {'median':>8} {'p99':>8} {'ratio':>6}   {'CPU (median)':>12} {'ratio':>6}   RSS then")
    for kind, label in labels.items():
        median, p99 = quantiles(times[kind])
        used = quantiles(cpu[kind])[0]
        print(
            f"{label:38} {median * 1e3:6.0f}ms {p99 * 1e3:6.0f}ms {median / base_median:5.2f}x"
            f"   {used * 1e3:10.0f}ms {used / base_cpu:5.2f}x"
            f"   {quantiles([float(k) for k in rss[kind]])[0] / 1024:.1f} MiB"
        )
    median = quantiles(times["counter"])[0]
    print(
        f"counter against the bare app (target <= 2x): median {median / base_median:.2f}x"
        f" (CPU time {quantiles(cpu['counter'])[0] / base_cpu:.2f}x)"
    )
    if scans:
        print("a scan sent as soon as the first frame is out, to its line on screen (the bare app: a key):")
        for kind, label in labels.items():
            scan_median, scan_p99 = quantiles(scans[kind])
            missed, name = args.runs - len(scans[kind]), label.split(":")[0]
            print(f"  {name:36} median {scan_median * 1e3:5.1f} ms, p99 {scan_p99 * 1e3:5.1f} ms, refused {missed}")
    if args.against:
        print(
            f"this install / the other: median {median / quantiles(times['other'])[0]:.3f},"
            f" CPU time {quantiles(cpu['counter'])[0] / quantiles(cpu['other'])[0]:.3f}"
        )


if __name__ == "__main__":
    main()
