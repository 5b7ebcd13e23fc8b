"""``ofn-checkout scale``: read and drive a serial scale from a shell, for setup and support.

Exit codes follow the rest of the CLI: 0 the scale answered, 1 it answered something wrong (an
unreadable frame, a refused zero), 3 a person must act (no answer, no such port, no permission).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from drivers.scale import PROTOCOLS, CommandResult, Reading, SerialScale, State, Unsupported
from drivers.weighing import kilograms

EXIT_CANNOT = 3


class ScaleUnavailable(click.ClickException):
    """The scale cannot be reached: a person has to plug, power or configure something."""

    exit_code = EXIT_CANNOT


def scale_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--port", required=True, help="Serial port, e.g. /dev/serial/by-id/usb-...  (or a twin's link)"),
        click.option(
            "--protocol",
            required=True,
            type=click.Choice(sorted(PROTOCOLS)),
            help="What the scale is set to speak: toledo8217, nci or cas",
        ),
        click.option("--timeout", type=click.FloatRange(0.05, 30), default=1.0, show_default=True, help="Seconds"),
        click.option("--baud", type=click.IntRange(300, 115200), default=None, help="Override the protocol's 9600"),
        click.option("--json", "as_json", is_flag=True, help="Print JSON"),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(name="scale")
def scale() -> None:
    """Read and drive a serial weighing scale (Toledo 8217, NCI SCP-01, CAS ECR)."""


@scale.command("read")
@scale_options
def read(port: str, protocol: str, timeout: float, baud: int | None, as_json: bool) -> None:
    """Ask the scale for one weight and print it."""
    with SerialScale(port, protocol, timeout=timeout, baudrate=baud) as device:
        reading = device.read()
    if as_json:
        click.echo(json.dumps(reading.as_dict(), sort_keys=True))
    elif reading.state is not State.NO_ANSWER:
        click.echo(describe(reading))
    if reading.state is State.NO_ANSWER:
        raise ScaleUnavailable(reading.detail)
    if reading.state is State.ERROR:
        raise click.ClickException(f"the scale's answer is unusable: {reading.detail}")


@scale.command("zero")
@scale_options
def zero(port: str, protocol: str, timeout: float, baud: int | None, as_json: bool) -> None:
    """Zero the scale (the pan must be empty and still)."""
    run_command(port, protocol, timeout, baud, as_json, SerialScale.zero)


@scale.command("tare")
@scale_options
def tare(port: str, protocol: str, timeout: float, baud: int | None, as_json: bool) -> None:
    """Tare the container on the pan (Toledo 8217 only)."""
    run_command(port, protocol, timeout, baud, as_json, SerialScale.tare)


@scale.command("clear-tare")
@scale_options
def clear_tare(port: str, protocol: str, timeout: float, baud: int | None, as_json: bool) -> None:
    """Clear the tare (Toledo 8217 only)."""
    run_command(port, protocol, timeout, baud, as_json, SerialScale.clear_tare)


@scale.command("probe")
@scale_options
def probe(port: str, protocol: str, timeout: float, baud: int | None, as_json: bool) -> None:
    """Check that PORT answers in PROTOCOL (a well-formed reply, not just an open port)."""
    with SerialScale(port, protocol, timeout=timeout, baudrate=baud) as device:
        claimed = device.probe()
        problem = device.last_problem
        title = device.protocol.title
    if as_json:
        click.echo(json.dumps({"port": port, "protocol": protocol, "answers": claimed, "problem": problem}))
    if problem:
        raise ScaleUnavailable(problem)
    if not claimed:
        raise click.ClickException(f"no {title} reply on {port}: check the scale's protocol setting and the cable")
    if not as_json:
        click.echo(f"{port} answers as {title}")


def run_command(
    port: str,
    protocol: str,
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
