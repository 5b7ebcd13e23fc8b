"""Cold start of the command line: `ofn-checkout report x` on a small store, whole process.

A manager over SSH, a support script and the screens' helpers all pay the CLI's start-up on every
command, so the start must stay small: the root command imports only what the named command
needs (no HTTP stack, no device library). This times the whole process, from exec to exit, against
a baseline measured in the same run, interleaved one by one:

- the bare interpreter (``python -c pass``): what no Python program can go below;
- ``python -c "import click"``: the command-line library alone;
- ``ofn-checkout report x`` and ``ofn-checkout report x --json`` on a store of 50 sales.

    .venv/bin/python bench/cli_start.py [--runs 40] [--against OTHER/.venv/bin/ofn-checkout]

``--against`` times another checkout's install too, interleaved with this one on a store of its
own (e.g. the same command before and after a change), and prints its ratio to this one's.
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
    work.mkdir(parents=True)
    config = work / "config.toml"
    demo = (ROOT / "appliance" / "data" / "demo-config.toml").read_text(encoding="utf-8")
    config.write_text(demo.replace("/var/lib/ofn-checkout/demo.db", str(work / "till.db")), encoding="utf-8")
    env = {**os.environ, "OFN_CHECKOUT_CONFIG": str(config), "OFN_CHECKOUT_LOG_DIR": str(work / "logs")}
    for args in (["store", "init", "--training"], ["simulate", "--sales", "50", "--seed", "3", "--leave-open"]):
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
    parser.add_argument("--against", type=Path, help="another install's ofn-checkout, timed alongside")
    args = parser.parse_args()
    python = args.exe.parent / "python"
    lines: dict[str, tuple[list[str], str]] = {
        "python -c pass": ([str(python), "-c", "pass"], "here"),
        "python -c 'import click'": ([str(python), "-c", "import click"], "here"),
        "ofn-checkout report x": ([str(args.exe), "report", "x"], "here"),
        "ofn-checkout report x --json": ([str(args.exe), "report", "x", "--json"], "here"),
    }
    if args.against:
        lines["the other install: report x"] = ([str(args.against), "report", "x"], "other")
        lines["the other install: report x --json"] = ([str(args.against), "report", "x", "--json"], "other")
    with tempfile.TemporaryDirectory() as tmp:
        envs = {"here": _small_store(args.exe, Path(tmp) / "here")}
        if args.against:
            envs["other"] = _small_store(args.against, Path(tmp) / "other")
        samples: dict[str, list[float]] = {name: [] for name in lines}
        names = list(lines)
        for _ in range(3):  # warm the page cache and the bytecode caches
            for name in names:
                _time(lines[name][0], envs[lines[name][1]])
        for run in range(args.runs):
            order = names[run % len(names) :] + names[: run % len(names)]
            for name in order:
                command, where = lines[name]
                samples[name].append(_time(command, envs[where]))
    floor = quantiles(samples["python -c pass"])[0]
    print(f"{'':36} {'median':>9} {'p99':>9} {'ratio':>7}   ({args.runs} runs each, interleaved)")
    for name in names:
        median, p99 = quantiles(samples[name])
        print(f"{name:36} {median * 1e3:7.1f}ms {p99 * 1e3:7.1f}ms {median / floor:6.2f}x")
    if args.against:
        for suffix in ("", " --json"):
            here = quantiles(samples[f"ofn-checkout report x{suffix}"])[0]
            other = quantiles(samples[f"the other install: report x{suffix}"])[0]
            print(f"report x{suffix}: this install / the other = {here / other:.3f}")


if __name__ == "__main__":
    main()
