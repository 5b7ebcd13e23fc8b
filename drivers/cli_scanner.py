"""``ofn-checkout scanner``: check a barcode scanner from the command line.

``scanner listen`` prints each scan on its own line as it arrives, until Ctrl-C, so support staff
can see what the till will see: the right layout, the terminator, GS in GS1 codes. Status changes
(unplugged, wrong layout suspected, a partial scan dropped) go to stderr.

Every setting defaults to the box's config (``[devices.scanner]``, see drivers/cli_config.py), so
it reads the scanner as the till does; an option given on the line wins for that run.

``--device`` takes an evdev node (/dev/input/by-id/…-event-kbd), or a FIFO, a file or ``-``
(stdin) holding raw ``struct input_event`` records, such as the scanner twin writes
(``python -m drivers.scanner_twin``): any path that is not a character device is read as such a
stream (``fifo:PATH`` and ``file:PATH`` say so explicitly), to its end.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import click

from .cli_config import config_option, device_sections, given, note_disabled, setting
from .discovery import input_devices
from .keymaps import LAYOUT_NAMES
from .scanner import (
    DEFAULT_INTER_KEY_TIMEOUT,
    TERMINATORS,
    DeviceUnavailable,
    Dropped,
    Opener,
    ScannerReader,
    ScannerStatus,
    SerialScanner,
    evdev_opener,
    path_opener,
    stream_opener,
)

CONTROL_NAMES = {"\x1d": "<GS>", "\x1e": "<RS>", "\x1c": "<FS>", "\x1f": "<US>", "\x04": "<EOT>", "\x1b": "<ESC>"}
CONTROL_NAMES |= {"\t": "<TAB>", "\n": "<LF>", "\r": "<CR>"}


class ScannerProblem(click.ClickException):
    """Something a person can fix (plug it in, join a group, choose a device): one line, exit 3."""

    exit_code = 3


def visible(text: str) -> str:
    """Control characters as <GS>, <RS>…: a terminal shows GS as nothing at all."""
    return "".join(CONTROL_NAMES.get(char, f"<0x{ord(char):02X}>") if ord(char) < 32 else char for char in text)


@click.group("scanner")
def scanner() -> None:
    """Barcode scanner: read scans to check its setup."""


@scanner.command("listen")
@click.option("--device", help="Evdev device, or a FIFO/file/- of raw input events [default: found by name]")
@click.option("--serial", "serial_port", help="Read a scanner in USB-serial mode from this port instead")
@click.option("--layout", type=click.Choice(LAYOUT_NAMES), default="us", show_default=True, help="Layout it types in")
@click.option("--terminator", type=click.Choice(tuple(TERMINATORS)), default="enter", show_default=True)
@click.option("--name", "names", multiple=True, help="Part of the scanner's name, to find it under /dev/input/by-id")
@click.option("--gs-substitute", help="Character(s) the scanner sends in place of GS (0x1D)")
@click.option(
    "--timeout",
    "inter_key_timeout",
    type=click.FloatRange(min=0.01, max=10),
    default=DEFAULT_INTER_KEY_TIMEOUT,
    show_default=True,
    help="Seconds between two keys of one scan",
)
@click.option("--baudrate", type=int, default=9600, show_default=True, help="With --serial")
@click.option("--raw", is_flag=True, help="Print control characters as they are, not as <GS>")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("/"), hidden=True)
@config_option
@click.pass_context
def listen(
    ctx: click.Context,
    device: str | None,
    serial_port: str | None,
    layout: str,
    terminator: str,
    names: tuple[str, ...],
    gs_substitute: str | None,
    inter_key_timeout: float,
    baudrate: int,
    raw: bool,
    root: Path,
    config_path: Path | None,
) -> int:
    """Print each scan, one per line, until Ctrl-C.

    Every setting defaults to the config's [devices.scanner] (path, serial_port, layout,
    terminator, names, gs_substitute, inter_key_timeout_ms, baudrate); an option given here wins.
    """
    section = device_sections(config_path).get("scanner", {})
    note_disabled(section, "scanner")
    if not given(ctx, "device") and not given(ctx, "serial_port"):
        device = section.get("path") or None
        serial_port = section.get("serial_port") or None
    layout = setting(ctx, "layout", layout, section, "layout")
    terminator = setting(ctx, "terminator", terminator, section, "terminator")
    names = tuple(setting(ctx, "names", names, section, "names"))
    gs_substitute = setting(ctx, "gs_substitute", gs_substitute, section, "gs_substitute") or None
    inter_key_timeout = setting(
        ctx, "inter_key_timeout", inter_key_timeout, section, "inter_key_timeout_ms", lambda ms: ms / 1000
    )
    baudrate = setting(ctx, "baudrate", baudrate, section, "baudrate")
    if device and serial_port:
        raise click.UsageError("give --device or --serial, not both")
    reader: ScannerReader | SerialScanner
    try:
        if serial_port:
            reader = SerialScanner(
                serial_port,
                baudrate=baudrate,
                terminator=terminator,
                inter_key_timeout=inter_key_timeout,
                gs_substitute=gs_substitute,
                on_status=_show_status,
                on_dropped=_show_dropped,
            )
        else:
            reader = ScannerReader(
                _opener(device, names, root),
                layout=layout,
                terminator=terminator,
                inter_key_timeout=inter_key_timeout,
                gs_substitute=gs_substitute,
                on_status=_show_status,
                on_dropped=_show_dropped,
            )
    except KeyboardInterrupt:  # while waiting for a FIFO's writer
        return 0
    try:
        reader.open()
    except DeviceUnavailable as exc:
        reader.close()
        raise ScannerProblem(str(exc)) from None
    try:
        for scan in reader:
            click.echo(scan.text if raw else visible(scan.text))
    except KeyboardInterrupt:
        pass
    finally:
        reader.close()
    return 0


def _opener(device: str | None, names: tuple[str, ...], root: Path) -> Opener:
    if device is None:
        return path_opener(names=names, root=root)  # found by name at every (re)open, as the till does
    if device == "-":
        return stream_opener(os.dup(sys.stdin.fileno()), "stdin")
    kind, sep, rest = device.partition(":")
    if sep and kind in ("fifo", "file"):
        return _stream(rest)
    try:
        mode = os.stat(device).st_mode
    except FileNotFoundError:
        raise ScannerProblem(f"{device} does not exist; {_inputs_seen(root)}") from None
    except PermissionError:
        raise ScannerProblem(f"cannot look at {device}: permission denied") from None
    if stat.S_ISCHR(mode):
        return evdev_opener(device)
    if stat.S_ISFIFO(mode) or stat.S_ISREG(mode):
        return _stream(device)
    raise ScannerProblem(f"{device} is neither an input device nor a file of input events")


def _stream(path: str) -> Opener:
    """Open a FIFO (waiting for its writer, as a device waits to be plugged) or a file of events."""
    if Path(path).is_fifo():
        click.echo(f"waiting for a writer on {path}…", err=True)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise ScannerProblem(f"{path} does not exist") from None
    except PermissionError:
        raise ScannerProblem(f"cannot read {path}: permission denied") from None
    return stream_opener(fd, path)


def _inputs_seen(root: Path) -> str:
    seen = [f"{found.path} ({found.role})" for found in input_devices(root)]
    listing = "input devices seen: " + ", ".join(seen) if seen else "no input device is connected"
    return f"{listing}; pass --device /dev/input/by-id/… or set devices.scanner.path (or names)"


def _show_status(status: ScannerStatus) -> None:
    click.echo(status.message, err=True)


def _show_dropped(dropped: Dropped) -> None:
    click.echo(f"scanner: incomplete scan {visible(dropped.text)!r} ignored ({dropped.reason}); scan again", err=True)
