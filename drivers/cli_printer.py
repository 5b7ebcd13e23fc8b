"""``ofn-checkout printer``: print a test page and read a receipt printer's status, for setup and support.

With a config (``--config``, or the box's own), the printer and its settings default to its
``[devices.printer]`` and ``[devices.drawer]`` sections (drivers/cli_config.py).

Exit codes follow the rest of the CLI: 0 done, 1 the printer answered and something is wrong
(paper out, cover open), 3 a person must act before it can work (no such device, permission,
offline, out of paper when printing).
"""

from __future__ import annotations

from pathlib import Path

import click

from .cli_config import config_option, device_sections, note_disabled, setting
from .printer import Printer, PrinterError, PrinterSettings, PrinterStatus
from .printer.sample_page import sample_page

EXIT_CANNOT = 3


class PrinterUnavailable(click.ClickException):
    """The printer cannot be used as asked: one line saying what to do, no traceback."""

    exit_code = EXIT_CANNOT


def _printer(url: str, profile: str, columns: int | None, pin: str = "both", pulse_ms: int = 50) -> Printer:
    try:
        settings = PrinterSettings(profile=profile, columns=columns or 42, drawer_pin=pin, pulse_ms=pulse_ms)
        return Printer.from_url(url, settings)
    except PrinterError as exc:
        raise PrinterUnavailable(str(exc)) from None


def describe(status: PrinterStatus) -> list[str]:
    if not status.known:
        return [f"status: unknown ({status.note})"]
    yes_no = {True: "yes", False: "no"}
    lines = [
        f"status: {status.state}",
        f"online: {yes_no[status.online]}",
        f"cover open: {yes_no[status.cover_open]}",
        f"paper: {'out' if status.paper_out else 'near end' if status.paper_near_end else 'ok'}",
    ]
    if status.drawer_signal is not None:
        lines.append(f"drawer connector pin 3: {'high' if status.drawer_signal else 'low'}")
    return lines


@click.group(name="printer")
def printer() -> None:
    """Print a test page on a receipt printer and read its status."""


DEVICE_HELP = (
    "usb:VID:PID, serial:/dev/ttyUSB0[?baud=N], tcp://HOST[:9100] or file:PATH (e.g. file:/dev/usb/lp0) "
    "[default: devices.printer.url of the config]"
)


def _configured_url(url: str | None, section: dict[str, object]) -> str:
    chosen = url or str(section.get("url") or "")
    if not chosen:
        raise click.UsageError("give --device URL, or a config whose devices.printer.url is set (--config)")
    return chosen


@printer.command("test")
@click.option("--device", "url", help=DEVICE_HELP)
@click.option("--columns", type=click.Choice(["32", "42", "48"]), default="42", show_default=True)
@click.option("--profile", default="default", show_default=True, help="python-escpos printer profile")
@click.option("--kick", is_flag=True, help="Also open the cash drawer wired to the printer")
@click.option("--pin", type=click.Choice(["both", "2", "5"]), default="both", show_default=True)
@click.option("--pulse-ms", type=click.IntRange(10, 500), default=50, show_default=True)
@config_option
@click.pass_context
def print_test_page(
    ctx: click.Context,
    url: str | None,
    columns: str,
    profile: str,
    kick: bool,
    pin: str,
    pulse_ms: int,
    config_path: Path | None,
) -> None:
    """Print a test page: accents, €, a column ruler, a barcode; optionally kick the drawer.

    The device, columns and profile default to the config's [devices.printer], the drawer's pin
    and pulse to [devices.drawer]; an option given here wins.
    """
    sections = device_sections(config_path)
    section, drawer = sections.get("printer", {}), sections.get("drawer", {})
    note_disabled(section, "printer")
    url = _configured_url(url, section)
    width = setting(ctx, "columns", int(columns), section, "columns")
    profile = setting(ctx, "profile", profile, section, "profile")
    pin = setting(ctx, "pin", pin, drawer, "pin")
    pulse_ms = setting(ctx, "pulse_ms", pulse_ms, drawer, "pulse_ms")
    device = _printer(url, profile, width, pin, pulse_ms)
    page = sample_page(device.columns, f"{device.code_page.name} (ESC t {device.code_page.number})", kick=kick)
    data = device.render(page)
    try:
        status = device.send(data, needs_paper=True)
    except PrinterError as exc:
        raise PrinterUnavailable(str(exc)) from None
    click.echo(
        f"Test page sent to {device.description}: {len(data)} bytes, code page {device.code_page.name}, "
        f"{device.columns} columns{', drawer kicked' if kick else ''}"
    )
    click.echo(describe(status)[0])


@printer.command("status")
@click.option("--device", "url", help=DEVICE_HELP)
@click.option("--profile", default="default", show_default=True, help="python-escpos printer profile")
@config_option
@click.pass_context
def status(ctx: click.Context, url: str | None, profile: str, config_path: Path | None) -> None:
    """Ask the printer for its status (DLE EOT): online, cover, paper."""
    section = device_sections(config_path).get("printer", {})
    note_disabled(section, "printer")
    device = _printer(_configured_url(url, section), setting(ctx, "profile", profile, section, "profile"), None)
    try:
        current = device.status()
    except PrinterError as exc:
        raise PrinterUnavailable(str(exc)) from None
    click.echo(f"printer: {device.description}")
    for line in describe(current):
        click.echo(line)
    problem = current.problem()
    if problem is not None:
        click.echo(f"Error: {problem}", err=True)
        ctx.exit(1)
