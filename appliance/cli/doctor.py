"""``ofn-checkout doctor``: one verdict per line for what a box needs, and exit 1 if any fails.

What support staff run first over SSH. The box's own checks (config, store, disk, clock, the
journal, the last sync, the backups, the version, the API key, OFN, the counter order) are in
:mod:`appliance.cli.box_checks`, which the counter's diagnostics screen runs too; device checks
come from the drivers through the ``ofn_checkout.checks`` entry point, so this module imports no
device library.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
import httpx

from appliance import config as config_module
from appliance.cli.box_checks import Verdict, backup_snapshots, box_checks
from appliance.cli.demo import demo_config_text
from appliance.cli.options import EXIT_PROBLEMS, config_option, db_option
from appliance.config import Config, ConfigError

CHECK_GROUP = "ofn_checkout.checks"
_backups = backup_snapshots  # the name the backup tests know it by


def _device_checks(config: Config) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for entry in entry_points(group=CHECK_GROUP):
        try:
            check: Callable[[dict[str, dict[str, Any]]], list[Verdict]] = entry.load()
            verdicts.extend(check(config.devices))
        except Exception as exc:  # a broken driver install is a verdict, not a crash of the doctor
            verdicts.append(("fail", entry.name, f"the check could not run ({type(exc).__name__}): reinstall"))
    return verdicts


def run_checks(
    config: Config,
    db_path: Path,
    *,
    transport: httpx.BaseTransport | None = None,
    config_verdict: Verdict | None = None,
) -> list[Verdict]:
    return [
        *box_checks(config, db_path, transport=transport, config_verdict=config_verdict),
        *_device_checks(config),
    ]


def config_or_demo(config_path: Path | None) -> tuple[Config, Verdict | None]:
    """The config, or the demo hub's settings with a failing verdict saying why: the other checks
    still run, one verdict per line."""
    path = config_module.resolve_path(config_path)
    try:
        return config_module.load(path), None
    except ConfigError as exc:
        problems = "; ".join(str(problem) for problem in exc.problems)
        return config_module.parse(demo_config_text()), (
            "fail",
            "config",
            f"{path}: {problems} (checks below use the demo settings)",
        )


def verdict_lines(verdicts: list[Verdict]) -> list[str]:
    """One line a verdict, in columns: ``FAIL  store  what is wrong and what to do``."""
    width = max(len(name) for _, name, _ in verdicts)
    return [f"{verdict.upper():4}  {name:<{width}}  {message}" for verdict, name, message in verdicts]


@click.command("doctor")
@config_option
@db_option
def doctor(config_path: Path | None, db_path: Path | None) -> int:
    """Check the box: config, store, disk, clock, journal, sync, OFN, each device; exit 1 if anything fails."""
    config, config_verdict = config_or_demo(config_path)
    verdicts = run_checks(config, db_path or config.store_path, config_verdict=config_verdict)
    for line in verdict_lines(verdicts):
        click.echo(line)
    return EXIT_PROBLEMS if any(v == "fail" for v, _, _ in verdicts) else 0
