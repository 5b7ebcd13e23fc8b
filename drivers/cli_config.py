"""The device commands read the box's config, so support staff test a device as the till will use it.

Each option of ``scanner listen``, ``printer test``, ``scale read``… takes its default from the
config's ``[devices.*]`` section; an option typed on the command line wins. The config is the one
``--config`` names, else the one every command finds ($OFN_CHECKOUT_CONFIG, then
/etc/ofn-checkout/config.toml); with none, the commands keep their built-in defaults.

Drivers may not import the config module, so they do not read the file themselves: the root
command of ``ofn-checkout`` (appliance/cli.py) leaves a loader in click's ``ctx.meta`` under
:data:`SECTIONS_KEY`, and the loader hands back the sections as plain dicts, checked the way the
till checks them (a bad config stops the command with every problem listed). ``ctx.meta`` is
shared by every sub-command's context and meant for such dotted keys, which keeps the hook to a
line in the root command and needs no new entry point.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

SECTIONS_KEY = "ofn_checkout.device_sections"

Sections = dict[str, dict[str, Any]]

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Take the settings from this config's [devices.*] sections; options given here win "
    "[default: $OFN_CHECKOUT_CONFIG or /etc/ofn-checkout/config.toml, if there]",
)


def device_sections(config_path: Path | None) -> Sections:
    """The config's device sections; ``{}`` with no config (or outside the ``ofn-checkout`` command)."""
    loader: Callable[[Path | None], Sections] | None = click.get_current_context().meta.get(SECTIONS_KEY)
    if loader is None:
        if config_path is not None:
            raise click.UsageError("--config is read by the ofn-checkout command: run this as ofn-checkout …")
        return {}
    return loader(config_path)


def given(ctx: click.Context, name: str) -> bool:
    """Whether the option ``name`` was given (command line, environment), not left at its default."""
    return ctx.get_parameter_source(name) in (
        ParameterSource.COMMANDLINE,
        ParameterSource.ENVIRONMENT,
        ParameterSource.PROMPT,
    )


def setting(
    ctx: click.Context,
    name: str,
    value: Any,
    section: dict[str, Any],
    key: str,
    convert: Callable[[Any], Any] | None = None,
) -> Any:
    """The option as typed; else the config's ``key``; else the option's own default."""
    if given(ctx, name) or key not in section:
        return value
    return convert(section[key]) if convert else section[key]


def note_disabled(section: dict[str, Any], device: str) -> None:
    """A device that works here but is switched off in the config would puzzle whoever tests it."""
    if section and "enabled" in section and not section["enabled"]:
        click.echo(f"note: devices.{device}.enabled = false in the config: the till does not use it", err=True)
