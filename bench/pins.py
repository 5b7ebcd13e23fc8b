"""What a PIN check costs: one scrypt verification at several costs, and a whole login (the PIN
checked against every person's hash, as the PIN screen does) on a real store with 1 to 10 people.

A login has no index to use: a PIN alone says who logs in, and each person's hash has its own salt,
so a wrong PIN (the slowest case) costs one scrypt per active person. The baseline, measured in the
same run, is reading the people's rows without checking any hash. CPU time is printed beside wall
time: on a busy machine the wall-clock tail is waiting for a core.

    .venv/bin/python bench/pins.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import quantiles  # noqa: E402  (bench/, the script's own folder)

from appliance import config as config_module  # noqa: E402
from appliance.cli.demo import demo_config_text  # noqa: E402
from appliance.core.lockout import Tick  # noqa: E402
from appliance.core.pins import CURRENT, Cost, hash_pin, verify_pin  # noqa: E402
from appliance.store.people import PinLocked, PinRefused, everyone  # noqa: E402
from appliance.till import Till  # noqa: E402


def timed(action: object, rounds: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        action()  # type: ignore[operator]
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def line(label: str, walls: list[float], cpus: list[float]) -> str:
    median, p99 = quantiles(walls)
    return (
        f"{label:<38} median {median * 1000:8.1f} ms  p99 {p99 * 1000:8.1f} ms  cpu {quantiles(cpus)[0] * 1000:8.1f} ms"
    )


def one_hash(rounds: int) -> None:
    print("One verification (scrypt, 32-byte key):")
    for n in (2**12, 2**13, 2**14, 2**15):
        cost = Cost(n, 8, 1)
        stored = hash_pin("482913", cost)
        walls, cpus = timed(lambda stored=stored: verify_pin("482913", stored), rounds)
        mark = "  <- current" if cost == CURRENT else ""
        print(line(f"  n=2^{n.bit_length() - 1} r=8 p=1 ({cost.memory // 2**20} MiB)", walls, cpus) + mark)


def logins(rounds: int) -> None:
    print("A login with a wrong PIN (every hash checked), on a real store:")
    folder = Path(tempfile.mkdtemp(prefix="bench-pins-"))
    config = replace(config_module.parse(demo_config_text()), store_path=folder / "till.db")
    till = Till.create(config)
    pins = iter(f"{1000 + n * 111:04d}" for n in range(20))
    clock = iter(range(10**9))
    till.add_person("Manager", "manager", next(pins), "bench")
    try:
        for count in (1, 5, 10):
            while len(till.people()) < count:
                till.add_person(f"Cashier {len(till.people())}", "cashier", next(pins), "bench")

            def wrong() -> None:
                try:
                    till.log_in("99999999", Tick(float(next(clock) * 100), "bench"))
                except (PinRefused, PinLocked):
                    pass

            base = timed(lambda: everyone(till.connection), rounds)
            walls, cpus = timed(wrong, rounds)
            ratio = quantiles(walls)[0] / quantiles(base[0])[0]
            print(line(f"  {count:>2} people", walls, cpus) + f"  ({ratio:,.0f} x reading the rows)")
    finally:
        till.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    one_hash(rounds)
    logins(max(rounds // 4, 3))


if __name__ == "__main__":
    main()
