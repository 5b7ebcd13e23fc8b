"""The counter's answer to keys and scans while the sync daemon refreshes a big catalogue.

The whole box of the demo (``tui/demo.py``'s DemoBox): the sandbox seeded with ``--variants``
variants (20,000 by default), a store that fetched them once, the scale and printer twins, and a
real ``ofn-checkout sync`` daemon; then the real ``ofn-checkout run`` on a pty, with the keyboard
as scanner and a serial scanner on a pty. The daemon runs at nice 10, as its systemd unit runs it,
and so does the sandbox, which stands for OFN (another machine in the field).

Rounds of four samples, in turn: a key to the bare Textual app (the machine's own weather), a
scan by each path until its line is drawn, a digit until the entry shows it (and Backspace). The
sale is paid every ``--lines`` lines, and the daemon posts it to the sandbox as on the box.
Phases: idle rounds; then ``ofn-checkout sync refresh`` asks the daemon for a refresh of the
whole catalogue, which it reads page by page from the sandbox and writes into the store the app
reads on every scan, in chunks of 100 rows; rounds run until it is done (the store's
``sync_status`` says so), ``--refreshes`` times, with idle rounds between and after. A sample is
"writing" when it started between the first chunk written and the end of the refresh, "reading"
when it started after the request but before that first chunk.

    .venv/bin/python bench/counter_sync.py [--variants 20000] [--refreshes 8] [--idle-rounds 100] [--quick]

Target: the sale screen's key-to-render p99 during the refresh within 2x its p99 idle.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from counter_box import BARE_READY, SALE_READY, VENV_BIN, Product, load, start_bare, terminal_env, wait_ready  # noqa: E402
from counter_driver import BareKeys, Cashier, scanner_port  # noqa: E402
from figures import quantiles  # noqa: E402  (bench/, the script's own folder)
from terminal import KEY_BYTES, PtyProgram  # noqa: E402

from tui.demo import DEMO_PEOPLE, DemoBox  # noqa: E402

KINDS = ("bare", "keyboard", "serial", "digit")
#: idle: no refresh asked; reading: asked, the daemon's pass before its first write (the sandbox
#: builds the first page of the shopfront); writing: from the first chunk written to the end.
PHASES = ("idle", "reading", "writing")
LABELS = {
    "bare": "bare app: key -> text",
    "keyboard": "scan (keyboard) -> line",
    "serial": "scan (serial) -> line",
    "digit": "digit -> entry",
    "backspace": "Backspace -> entry empty",
}


def renice_children(niceness: int) -> list[str]:
    """Put the sandbox and the daemon (this process's children, every thread) at ``niceness``."""
    done = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(stat[1]) != os.getpid() or not re.search(r"appliance\.cli (sandbox|sync)", command):
            continue
        for task in (entry / "task").iterdir():
            os.setpriority(os.PRIO_PROCESS, int(task.name), niceness)
        done.append(command.split("appliance.cli ", 1)[1].split()[0])
    return done


def products_of(store: Path) -> list[Product]:
    """Packaged goods of the demo catalogue: their EAN, and the start of their name (long names wrap)."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT sku, name FROM variant WHERE priced_by = 'each' AND length(sku) = 13 ORDER BY id"
        ).fetchall()
    return [Product(sku, name[:10], whole=False) for sku, name in rows]


class Refresh:
    """Where a catalogue refresh the daemon was asked for stands, read from the store."""

    def __init__(self, store: Path):
        self.connection = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)
        self.asked_at = 0.0
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self._written = ""

    def ask(self, config: Path, env: dict[str, str]) -> None:
        self._written = self._newest_write()
        self.asked_at, self.started_at, self.ended_at = time.perf_counter(), None, None
        command = [str(VENV_BIN / "ofn-checkout"), "sync", "--config", str(config), "refresh"]
        subprocess.run(command, env=env, check=True, capture_output=True)

    def poll(self) -> bool:
        """True while the refresh is asked for or running."""
        if self.ended_at is not None:
            return False
        if self.started_at is None and self._newest_write() != self._written:
            self.started_at = time.perf_counter()
        if not self.connection.execute("SELECT refresh_requested FROM sync_status").fetchone()[0]:
            self.ended_at = time.perf_counter()
            return False
        return True

    def _newest_write(self) -> str:
        return str(self.connection.execute("SELECT max(updated_at) FROM variant").fetchone()[0])


Taken = list[tuple[float, dict[str, float]]]  # when each sample started, and its seconds by kind


def rounds(take: Callable[[str], dict[str, float]], until: Callable[[int], bool]) -> Taken:
    """Rounds of the four kinds (each goes first in turn) until ``until(round number)``."""
    done: Taken = []
    number = 0
    while not until(number):
        for kind in KINDS[number % 4 :] + KINDS[: number % 4]:
            done.append((time.perf_counter(), take(kind)))
        number += 1
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, default=20_000)
    parser.add_argument("--refreshes", type=int, default=8)
    parser.add_argument("--idle-rounds", type=int, default=100, help="idle rounds before and after (a fifth between)")
    parser.add_argument("--lines", type=int, default=12, help="lines per sale before it is paid")
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between two samples")
    parser.add_argument("--nice", type=int, default=10, help="niceness of the sandbox and the daemon")
    parser.add_argument("--term", default="linux")
    parser.add_argument("--quick", action="store_true", help="a short run: 2,000 variants, 1 refresh, 10 idle rounds")
    args = parser.parse_args()
    if args.quick:
        args.variants, args.refreshes, args.idle_rounds = min(args.variants, 2000), 1, min(args.idle_rounds, 10)
    with tempfile.TemporaryDirectory() as tmp, scanner_port() as (scanner, port):
        started = time.perf_counter()
        with DemoBox(Path(tmp) / "box", latency_ms=20, variants=args.variants) as box:
            took = time.perf_counter() - started
            print(f"sandbox with {args.variants} variants, store synced, daemon up in {took:.0f} s")
            print(f"at nice {args.nice}: {', '.join(renice_children(args.nice))}")
            with open(box.config_path, "a", encoding="utf-8") as config:
                config.write(f'\n[devices.scanner]\nenabled = true\nserial_port = "{port}"\n')
            store = box.config().store_path
            products = iter(products_of(store))
            env = {**box.environment(), **terminal_env(args.term, box.logs)}
            argv = [str(VENV_BIN / "ofn-checkout"), "run", "--config", str(box.config_path)]
            app, bare = PtyProgram(argv, env, cwd=box.data), start_bare(Path(tmp), args.term)
            try:
                log_in(app)
                wait_ready(app, *SALE_READY)
                wait_ready(bare, BARE_READY)
                app.drain(2.0)
                samples, refreshes = measure(
                    app, Cashier(app, scanner), BareKeys(bare), products, store, box, args, env
                )
            finally:
                app.close()
                bare.close()
    report(samples, refreshes, args)


def log_in(app: PtyProgram) -> None:
    """The demo's store has people, so the app opens on the PIN screen: the demo's cashier logs in."""
    (pin,) = [pin for _, role, pin in DEMO_PEOPLE if role == "cashier"]
    wait_ready(app, "type your PIN")
    app.write(pin.encode() + KEY_BYTES["enter"])


def measure(
    app: PtyProgram,
    cashier: Cashier,
    bare: BareKeys,
    products: Iterator[Product],
    store: Path,
    box: DemoBox,
    args: argparse.Namespace,
    env: dict[str, str],
) -> tuple[dict[str, dict[str, list[float]]], list[tuple[float, float]]]:
    """Idle rounds, then rounds during each refresh; samples by phase and kind, and each refresh's
    (seconds from the request to its first write, seconds of writing)."""

    def take(kind: str) -> dict[str, float]:
        if kind == "bare":
            taken = {kind: bare.key()}
        elif kind == "digit":
            typed, cleared = cashier.digit()
            taken = {"digit": typed, "backspace": cleared}
        else:
            took = cashier.scan(next(products), kind)
            taken = {kind: took} if took is not None else {}
        if cashier.lines >= args.lines:
            cashier.checkout()
        app.drain(args.gap)
        return taken

    for _ in range(10):  # warm-up
        cashier.scan(next(products), "serial")
    cashier.checkout()
    refresh = Refresh(store)
    windows: list[tuple[float, float, float]] = []  # asked, first write, done
    taken: Taken = rounds(take, lambda n: n >= args.idle_rounds)
    for number in range(args.refreshes):
        refresh.ask(box.config_path, env)
        taken += rounds(take, lambda n: not refresh.poll())
        assert refresh.started_at is not None and refresh.ended_at is not None
        windows.append((refresh.asked_at, refresh.started_at, refresh.ended_at))
        last = number == args.refreshes - 1
        taken += rounds(take, lambda n: n >= (args.idle_rounds if last else args.idle_rounds // 5))
    samples: dict[str, dict[str, list[float]]] = {phase: defaultdict(list) for phase in PHASES}
    for at, sample in taken:
        phase = next(
            ("writing" if at >= started else "reading" for asked, started, ended in windows if asked <= at < ended),
            "idle",
        )
        for kind, seconds in sample.items():
            samples[phase][kind].append(seconds)
    return samples, windows


def report(
    samples: dict[str, dict[str, list[float]]], windows: list[tuple[float, float, float]], args: argparse.Namespace
) -> None:
    print(f"{args.refreshes} refreshes of {args.variants} variants, TERM={args.term}, {load()}")
    for asked, started, ended in windows:
        print(
            f"  refresh: the daemon read {started - asked:.1f} s before its first write (its pass, the first"
            f" page from the sandbox), then read and wrote for {ended - started:.1f} s"
        )
    print(
        f"{'':26} " + "   ".join(f"{phase + ': n':>11} {'median':>8} {'p99':>8}" for phase in PHASES) + "   p99 ratio"
    )
    for kind, label in LABELS.items():
        idle_p99 = quantiles(samples["idle"][kind])[1]
        cells = []
        for phase in PHASES:
            median, p99 = quantiles(samples[phase][kind]) if samples[phase][kind] else (float("nan"),) * 2
            cells.append(f"{len(samples[phase][kind]):11} {median * 1e3:6.2f}ms {p99 * 1e3:6.2f}ms")
        writing_p99 = quantiles(samples["writing"][kind])[1] if samples["writing"][kind] else float("nan")
        print(f"{label:26} " + "   ".join(cells) + f"   {writing_p99 / idle_p99:5.2f}x")
    print(
        "p99 ratio: writing against idle; target: the sale screen's <= 2x (the bare app shows the machine's own share)"
    )


if __name__ == "__main__":
    main()
