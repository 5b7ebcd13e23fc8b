"""Cold start of the command line: `ofn-checkout report x` on a small store, whole process.

A manager over SSH, a support script and the screens' helpers all pay the CLI's start-up on every
command, so the start must stay small: the root command imports only what the named command
needs (no HTTP stack, no device library). This times the whole process, from exec to exit, against
a baseline measured in the same run, interleaved one by one:

- the bare interpreter (``python -c pass``): what no Python program can go below;
- ``python -c "import click"``: the command-line library alone;
- ``ofn-checkout report x`` and ``ofn-checkout report x --json`` on a store of 50 sales.

    .venv/bin/python bench/cli_start.py [--runs 40] [--exe .venv/bin/ofn-checkout]

``--exe`` lets the same bench time another checkout's install (e.g. before and after a change).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import quantiles  # noqa: E402  (bench/, the script's own folder)

ROOT = Path(__file__).resolve().parents[1]


def _small_store(exe: Path, work: Path) -> dict[str, str]:
    """A store of 50 sales in an open shift, made through the CLI itself; returns the environment."""
    config = work / "config.toml"
    demo = (ROOT / "appliance" / "data" / "demo-config.toml").read_text(encoding="utf-8")
    config.write_text(demo.replace("/var/lib/ofn-checkout/demo.db", str(work / "till.db")), encoding="utf-8")
    env = {**os.environ, "OFN_CHECKOUT_CONFIG": str(config), "OFN_CHECKOUT_LOG_DIR": str(work / "logs")}
    for args in (["store", "init"], ["simulate", "--sales", "50", "--seed", "3", "--leave-open"]):
        subprocess.run([str(exe), *args], env=env, check=True, capture_output=True)
    return env


def _time(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--exe", type=Path, default=ROOT / ".venv" / "bin" / "ofn-checkout")
    args = parser.parse_args()
    python = args.exe.parent / "python"
    lines = {
        "python -c pass": [str(python), "-c", "pass"],
        "python -c 'import click'": [str(python), "-c", "import click"],
        "ofn-checkout report x": [str(args.exe), "report", "x"],
        "ofn-checkout report x --json": [str(args.exe), "report", "x", "--json"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        env = _small_store(args.exe, Path(tmp))
        samples: dict[str, list[float]] = {name: [] for name in lines}
        names = list(lines)
        for _ in range(3):  # warm the page cache and the bytecode caches
            for name in names:
                _time(lines[name], env)
        for run in range(args.runs):
            order = names[run % len(names) :] + names[: run % len(names)]
            for name in order:
                samples[name].append(_time(lines[name], env))
    floor = quantiles(samples["python -c pass"])[0]
    print(f"{'':32} {'median':>9} {'p99':>9} {'ratio':>7}   ({args.runs} runs each, interleaved)")
    for name in names:
        median, p99 = quantiles(samples[name])
        print(f"{name:32} {median * 1e3:7.1f}ms {p99 * 1e3:7.1f}ms {median / floor:6.2f}x")


if __name__ == "__main__":
    main()
