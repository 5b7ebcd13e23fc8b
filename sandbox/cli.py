"""``ofn-checkout sandbox``: run the local OFN for the demo, the tests and the benchmarks."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from types import FrameType

import click

from .server import Faults, Sandbox
from .state import CLOSED_OC, HUB_ID, OPEN_OC, Store


def _rates(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    rates = {}
    for value in values:
        name, _, rate = value.rpartition("=")
        try:
            rates[name or "*"] = float(rate)
        except ValueError:
            raise click.BadParameter(f"{value!r}: expected ROUTE=RATE, e.g. shipments.add=0.1 or *=0.1") from None
    return rates


@click.command("sandbox")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 picks a free port")
@click.option("--host", type=click.Choice(["127.0.0.1", "::1"]), default="127.0.0.1", show_default=True)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory of the sandbox's SQLite file; kept across restarts",
)
@click.option("--seed", type=click.Choice(["demo"]), default="demo", show_default=True)
@click.option(
    "--variants",
    type=click.IntRange(1, 200_000),
    default=320,
    show_default=True,
    help="Size of the demo catalogue (first start only)",
)
@click.option("--lanes", default="1,2", show_default=True, help="Lane ids that get a counter order")
@click.option("--latency-ms", type=click.IntRange(0, 60_000), default=0, help="Added to every API request")
@click.option(
    "--error-rate",
    "error_rates",
    multiple=True,
    callback=_rates,
    metavar="ROUTE=RATE",
    help="Answer 500/502/504 at this rate; ROUTE is a route name or *",
)
@click.option(
    "--drop-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Drop the connection after a change was applied, at this rate",
)
@click.option(
    "--late-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Drop the answer to a write at once and apply the write only --late-ms later, at this rate",
)
@click.option("--late-ms", type=click.IntRange(0, 600_000), default=0, help="How late a late write lands")
@click.option("--down-for", type=click.FloatRange(0), default=0.0, help="Refuse to answer for N seconds from start")
@click.option("--legacy-add", is_flag=True, help="Answer 200 to an add beyond stock, as OFN did before mid-2026")
@click.option("--fault-seed", type=int, default=0, show_default=True)
def sandbox(
    port: int,
    host: str,
    data_dir: Path,
    seed: str,
    variants: int,
    lanes: str,
    latency_ms: int,
    error_rates: dict[str, float],
    drop_rate: float,
    late_rate: float,
    late_ms: int,
    down_for: float,
    legacy_add: bool,
    fault_seed: int,
) -> int:
    """Run a local OFN that answers like the real one (see docs/ofn-setup.md)."""
    try:
        lane_ids = [int(part) for part in lanes.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{lanes!r}: expected lane ids such as 1,2", param_hint="--lanes") from None
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir / "sandbox.db")
    seeded = store.seed_demo(lane_ids, variants, seed=7)
    faults = Faults(
        latency_ms=latency_ms, error_rates=error_rates, drop_rate=drop_rate, late_rate=late_rate, late_ms=late_ms
    )
    faults.update({"down_for": down_for})
    server = Sandbox((host, port), store, faults, fault_seed, legacy_add=legacy_add)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    line = {
        "url": server.url,
        "hub_id": HUB_ID,
        "open_order_cycle_id": OPEN_OC,
        "closed_order_cycle_id": CLOSED_OC,
        "api_key": seeded.api_key,
        "lanes": {str(lane): number for lane, number in sorted(seeded.lanes.items())},
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        store.close()
    return 0
