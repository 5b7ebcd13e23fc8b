"""`ofn-checkout report channels` (one box's channels side by side) and `report hub` (every box's exports).

``report hub`` is the one report that speaks to OFN: it reads each lane's counter order through
the OFN client, imported only when it runs, so ``report x`` and ``report z`` never load the HTTP
stack. ``--no-ofn`` leaves OFN out (totals and returns only).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from appliance.cli.options import EXIT_PROBLEMS, echo_json, formatter, load_config, open_till, store_options
from appliance.core.money import from_cents
from appliance.core.text import counted
from appliance.reports.channels import ReportError, channels_text, compare_channels, parse_period
from appliance.reports.formatting import TRAINING_BANNER
from appliance.reports.hub import (
    Difference,
    LaneExport,
    ReturnFlag,
    check_lanes,
    counter_expectations,
    hub_totals,
    not_yet_counted,
    ofn_differences,
    read_export,
    return_flags,
)


@click.command("channels")
@store_options
@click.option("--from", "first_text", required=True, metavar="YYYY-MM-DD", help="First local date")
@click.option("--to", "last_text", required=True, metavar="YYYY-MM-DD", help="Last local date (included)")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON (amounts in cents)")
def report_channels(
    config_path: Path | None, db_path: Path | None, first_text: str, last_text: str, as_json: bool
) -> int:
    """Compare the channels this box sold in: sales, baskets, average basket, discounts by rule, returns."""
    first, last = parse_period(first_text, last_text)
    config, till = open_till(config_path, db_path, write=False)
    try:
        figures = compare_channels(till.connection, first, last, till.zone)
    finally:
        till.close()
    if as_json:
        record: dict[str, Any] = {"from": first.isoformat(), "to": last.isoformat(), "lane_id": config.lane_id}
        record["channels"] = [channel.as_record() for channel in figures]
        echo_json({**record, "training": True} if till.training else record)
        return 0
    heading = f"CHANNELS {first.isoformat()} to {last.isoformat()} — lane {config.lane_id} {config.lane_name}"
    text = channels_text(figures, formatter(config), heading)
    click.echo(f"{TRAINING_BANNER}\n{text}" if till.training else text)
    return 0


@click.command("hub")
@click.argument("exports", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config whose [ofn] base_url and api_key_file reach the hub's OFN",
)
@click.option("--no-ofn", is_flag=True, help="Leave OFN out: totals and returns only")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (amounts in cents)")
def report_hub(exports: tuple[Path, ...], config_path: Path | None, no_ofn: bool, as_json: bool) -> int:
    """Every box's export together: per-lane and per-channel totals, returns at two lanes, OFN's counter orders.

    Exits 1 when a lane's export and its counter order in OFN differ, a line was given back at two
    lanes beyond what was sold, or a box had not yet counted a sale into OFN when it exported.
    """
    if len(set(map(Path.resolve, exports))) != len(exports):
        raise ReportError("the same export is given twice: give each box's file once")
    read = [_read(path) for path in exports]
    check_lanes(read)
    totals = hub_totals(read)
    flags = return_flags(read)
    waiting = {} if no_ofn else not_yet_counted(read)
    differences = () if no_ofn else _against_ofn(read, config_path)
    problems = bool(differences) or bool(waiting) or any(flag.over_returned for flag in flags)
    if as_json:
        echo_json(
            {
                **totals.as_record(),
                "files": {export.name: export.lane_id for export in read},
                "returns_at_two_lanes": [_flag_record(flag) for flag in flags],
                "not_yet_in_ofn": {str(lane): count for lane, count in sorted(waiting.items())},
                "ofn_checked": not no_ofn,
                "ofn_differences": [asdict(d) for d in differences],
            }
        )
    else:
        click.echo(_hub_text(read, totals.as_record(), flags, waiting, differences, checked=not no_ofn))
    return EXIT_PROBLEMS if problems else 0


def _read(path: Path) -> LaneExport:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return read_export(str(path), handle)
    except UnicodeDecodeError:
        raise ReportError(f"{path} is not UTF-8 text: not an accounting export of OFN Checkout") from None
    except OSError as exc:
        raise click.FileError(str(path), exc.strerror or type(exc).__name__) from None


def _against_ofn(read: list[LaneExport], config_path: Path | None) -> tuple[Difference, ...]:
    """Each counter order the exports name, read from OFN and compared variant by variant."""
    from appliance.ofn.client import NotFound, OfnClient  # only this report speaks to OFN
    from appliance.store.keys import load_api_key

    config = load_config(config_path)
    expected = counter_expectations(read)
    held: dict[str, dict[int, int] | str] = {}
    with OfnClient(config.ofn_base_url, load_api_key(config.api_key_file)) as client:
        for number in sorted(expected):
            try:
                held[number] = client.order(number).quantities()
            except NotFound as missing:
                held[number] = f"the order is not in OFN ({missing.message})"
    return ofn_differences(expected, held)


def _flag_record(flag: ReturnFlag) -> dict[str, object]:
    return {**asdict(flag), "over_returned": flag.over_returned}


def _hub_text(
    read: list[LaneExport],
    totals: dict[str, Any],
    flags: tuple[ReturnFlag, ...],
    waiting: dict[int, int],
    differences: tuple[Difference, ...],
    *,
    checked: bool,
) -> str:
    lines = [f"HUB REPORT — {counted(len(read), 'export')}"]
    lines += [
        f"  {export.name}: lane {export.lane_id if export.lane_id is not None else '— (no rows)'}" for export in read
    ]
    for title, parts in (("BY LANE", totals["lanes"]), ("BY CHANNEL", totals["channels"])):
        lines += ["", title]
        for name, figures in parts.items():
            lines += _figure_lines(f"lane {name}" if title == "BY LANE" else name, figures)
    lines += ["", "HUB TOTAL", *_figure_lines("hub", totals["hub"])]
    for key, rate in totals["hub"]["vat"].items():
        lines.append(f"  VAT {key} %: gross {from_cents(rate['gross'])}, VAT {from_cents(rate['vat'])}")
    lines += ["", "RETURNS AT TWO LANES"]
    lines += [_flag_text(flag) for flag in flags] or ["  none"]
    lines += ["", "OFN COUNTER ORDERS"]
    for lane, count in sorted(waiting.items()):
        lines.append(
            f"  lane {lane}: {counted(count, 'line')} not yet counted into OFN when exported: sync, then export again"
        )
    if not checked:
        lines.append("  not checked (--no-ofn)")
    else:
        lines += [_difference_text(d) for d in differences] or ["  every order holds what the exports say"]
    return "\n".join(lines)


def _figure_lines(label: str, figures: dict[str, Any]) -> list[str]:
    payments = ", ".join(f"{method} {from_cents(amount)}" for method, amount in figures["payments"].items())
    return [
        f"  {label}: sales ({figures['sales_count']}) {from_cents(figures['sales_total'])},"
        f" returns ({figures['returns_count']}) {from_cents(figures['returns_total'])},"
        f" net {from_cents(figures['total'])}",
        f"    payments: {payments or 'none'}",
    ]


def _flag_text(flag: ReturnFlag) -> str:
    sold = "the sale is in none of these exports" if flag.sold is None else f"{flag.sold} {flag.unit} sold"
    verdict = " — MORE RETURNED THAN SOLD" if flag.over_returned else ""
    lanes = " and ".join(map(str, flag.lanes))
    return (
        f"  sale {flag.sale_uuid} line {flag.line_no} ({flag.description}): returned at lanes {lanes},"
        f" {flag.returned} {flag.unit} in all; {sold}{verdict}"
    )


def _difference_text(difference: Difference) -> str:
    lanes = ", ".join(map(str, difference.lanes)) or "—"
    if difference.ofn_holds is None:
        return f"  lane {lanes}, order {difference.order}: {difference.reason}"
    what = f"variant {difference.variant_id}" + (f" ({difference.description})" if difference.description else "")
    reason = f" — {difference.reason}" if difference.reason else ""
    return (
        f"  lane {lanes}, order {difference.order}, {what}: export says {difference.export_says},"
        f" OFN holds {difference.ofn_holds}{reason}"
    )
