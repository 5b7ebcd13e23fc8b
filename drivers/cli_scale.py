"""``ofn-checkout scale``: read and drive a serial scale from a shell, for setup and support.

Exit codes follow the rest of the CLI: 0 the scale answered, 1 it answered something wrong (an
unreadable frame, a refused zero), 3 a person must act (no answer, no such port, no permission).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from drivers.scale import PROTOCOLS, CommandResult, Reading, SerialScale, State, Unsupported, protocol_for
from drivers.scale.protocol import ScaleProtocol
from drivers.weighing import kilograms

from .cli_config import config_option, device_sections, note_disabled, setting

EXIT_CANNOT = 3


class ScaleUnavailable(click.ClickException):
    """The scale cannot be reached: a person has to plug, power or configure something."""

    exit_code = EXIT_CANNOT


def scale_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option(
            "--port",
            help="Serial port, e.g. /dev/serial/by-id/usb-...  (or a twin's link) [default: devices.scale.port]",
        ),
        click.option(
            "--protocol",
            type=click.Choice(sorted(PROTOCOLS)),
            help="What the scale is set to speak: toledo8217, nci, cas or cas-pd2 [default: devices.scale.protocol]",
        ),
        click.option("--timeout", type=click.FloatRange(0.05, 30), default=1.0, show_default=True, help="Seconds"),
        click.option("--baud", type=click.IntRange(300, 115200), default=None, help="Override the protocol's 9600"),
        click.option("--json", "as_json", is_flag=True, help="Print JSON"),
        config_option,
        click.pass_context,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def configured(
    ctx: click.Context, config_path: Path | None, port: str | None, protocol: str | None
) -> tuple[str, ScaleProtocol]:
    """The port and protocol as given, else as the config's [devices.scale] says.

    The protocol comes tuned by the section's variant keys (``toledo_status_bit5``…), so a
    command reads the scale exactly as the till does.
    """
    section = device_sections(config_path).get("scale", {})
    note_disabled(section, "scale")
    port = setting(ctx, "port", port, section, "port") or None
    protocol = setting(ctx, "protocol", protocol, section, "protocol")
    if not port or not protocol:
        missing = " and ".join(name for name, value in (("--port", port), ("--protocol", protocol)) if not value)
        raise click.UsageError(f"give {missing}, or a config whose [devices.scale] sets them (--config)")
    return port, protocol_for(section, protocol)


@click.group(name="scale")
def scale() -> None:
    """Read and drive a serial weighing scale (Toledo 8217, NCI SCP-01, CAS ECR, CAS PD-II).

    The port and protocol default to the config's [devices.scale]; an option given here wins.
    """


@scale.command("read")
@scale_options
def read(
    ctx: click.Context,
    port: str | None,
    protocol: str | None,
    timeout: float,
    baud: int | None,
    as_json: bool,
    config_path: Path | None,
) -> None:
    """Ask the scale for one weight and print it."""
    port, speaker = configured(ctx, config_path, port, protocol)
    with SerialScale(port, speaker, timeout=timeout, baudrate=baud) as device:
        reading = device.read()
    if as_json:
        click.echo(json.dumps(reading.as_dict(), sort_keys=True))
    elif reading.state is not State.NO_ANSWER:
        click.echo(describe(reading))
    if reading.state is State.NO_ANSWER:
        raise ScaleUnavailable(reading.detail)
    if reading.state is State.ERROR:
        raise click.ClickException(f"the scale's answer is unusable: {reading.detail}")
    if reading.state is State.GARBLED:
        raise click.ClickException(reading.detail)


def _command(name: str, action: Callable[[SerialScale], CommandResult], doc: str) -> None:
    @scale_options
    def command(
        ctx: click.Context,
        port: str | None,
        protocol: str | None,
        timeout: float,
        baud: int | None,
        as_json: bool,
        config_path: Path | None,
    ) -> None:
        port, speaker = configured(ctx, config_path, port, protocol)
        run_command(port, speaker, timeout, baud, as_json, action)

    command.__doc__ = doc
    scale.command(name)(command)


_command("zero", SerialScale.zero, "Zero the scale (the pan must be empty and still).")
_command("tare", SerialScale.tare, "Tare the container on the pan (Toledo 8217 only).")
_command("clear-tare", SerialScale.clear_tare, "Clear the tare (Toledo 8217 only).")


@scale.command("probe")
@scale_options
def probe(
    ctx: click.Context,
    port: str | None,
    protocol: str | None,
    timeout: float,
    baud: int | None,
    as_json: bool,
    config_path: Path | None,
) -> None:
    """Check that PORT answers in PROTOCOL (a well-formed reply, not just an open port)."""
    port, speaker = configured(ctx, config_path, port, protocol)
    with SerialScale(port, speaker, timeout=timeout, baudrate=baud) as device:
        claimed = device.probe()
        problem = device.last_problem
        title = device.protocol.title
    if as_json:
        click.echo(json.dumps({"port": port, "protocol": speaker.name, "answers": claimed, "problem": problem}))
    if problem:
        raise ScaleUnavailable(problem)
    if not claimed:
        raise click.ClickException(f"no {title} reply on {port}: check the scale's protocol setting and the cable")
    if not as_json:
        click.echo(f"{port} answers as {title}")


def run_command(
    port: str,
    protocol: ScaleProtocol,
    timeout: float,
    baud: int | None,
    as_json: bool,
    action: Callable[[SerialScale], CommandResult],
) -> None:
    with SerialScale(port, protocol, timeout=timeout, baudrate=baud) as device:
        try:
            result = action(device)
        except Unsupported as exc:
            raise ScaleUnavailable(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.as_dict(), sort_keys=True))
    elif result.accepted:
        click.echo(f"{result.command.replace('_', ' ')}: done")
    if not result.answered:
        raise ScaleUnavailable(result.detail)
    if not result.accepted:
        raise click.ClickException(f"the scale refused: {result.detail}")


def describe(reading: Reading) -> str:
    """One line for a terminal: the weight when there is one, the state, and why."""
    parts = []
    if reading.grams is not None:
        parts.append(f"{reading.grams} g ({kilograms(reading.grams)})")
    parts.append(reading.state.value + (" net" if reading.net else ""))
    if reading.detail and reading.state is not State.STABLE:
        parts.append(f"- {reading.detail}")
    return " ".join(parts)
