"""`ofn-checkout config`: check the configuration file before the till starts on it."""

from __future__ import annotations

from pathlib import Path

import click

from appliance import config as config_module
from appliance.cli.options import (
    EXIT_PROBLEMS,
    config_option,
)
from appliance.config import Config, ConfigError
from appliance.config.channels import check_file
from appliance.core.text import counted
from appliance.store.keys import permission_warning


@click.group("config")
def config_group() -> None:
    """Check the configuration file."""


@config_group.command("check")
@config_option
@click.option(
    "--channels",
    "channels_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Channel file to check [default: [lane] channels_file of the config]",
)
def config_check(config_path: Path | None, channels_path: Path | None) -> int:
    """Print every problem of the config and of the channel file (key, value, reason); exit 1 if
    there is one."""
    path = config_module.resolve_path(config_path)
    config: Config | None = None
    try:
        config = config_module.load(path)
    except ConfigError as exc:
        problems = [str(problem) for problem in exc.problems]
    else:
        problems = _file_problems(config)
    if problems:
        click.echo(f"{path}: {counted(len(problems), 'problem')}")
        for problem in problems:
            click.echo(f"  {problem}")
    elif config is not None:
        for warning in _config_warnings(config):
            click.echo(f"warning: {warning}")
        click.echo(
            f'{path}: OK (lane {config.lane_id} "{config.lane_name}", {len(config.vat)} VAT rates, '
            f"{len(config.payments)} payment methods)"
        )
    channels_ok = _check_channels(channels_path or (config.channels_file if config else None), config)
    return EXIT_PROBLEMS if problems or not channels_ok else 0


def _check_channels(path: Path | None, config: Config | None) -> bool:
    """Check the channel file, and against the config when that one could be read; print the verdict."""
    if path is None:
        return True
    hub, problems = check_file(path, config)
    if problems or hub is None:
        click.echo(f"{path}: {counted(len(problems), 'problem')}")
        for problem in problems:
            click.echo(f"  {problem}")
        return False
    own = f', this lane\'s channel "{config.channel}"' if config is not None else ""
    click.echo(
        f"{path}: OK (version {hub.version}, {counted(len(hub.channels), 'channel')}{own}, sha256 {hub.digest[:12]})"
    )
    return True


def _file_problems(config: Config) -> list[str]:
    """Key files that exist but cannot be what they are for: a directory, or an empty file."""
    problems = []
    files = (("journal.key_file", config.key_file_for(config.store_path)), ("ofn.api_key_file", config.api_key_file))
    for key, path in files:
        if path.is_dir():
            problems.append(f"{key} = {str(path)!r}: is a directory, not a key file")
        elif path.is_file() and not path.read_bytes().strip():
            problems.append(f"{key} = {str(path)!r}: the file is empty (restore or provision the key)")
    return problems


def _config_warnings(config: Config) -> list[str]:
    """Things that do not stop the till from selling, but will stop something else."""
    warnings = []
    if not config.api_key_file.exists():
        warnings.append(f"ofn.api_key_file {config.api_key_file}: file not found (sync to OFN will not work)")
    for what, path in (("journal key", config.key_file_for(config.store_path)), ("API key file", config.api_key_file)):
        if (warning := permission_warning(path, what)) is not None:
            warnings.append(warning)
    if not any(method.is_cash for method in config.payments):
        warnings.append("no payment method has cash = true: the drawer will never be counted")
    return warnings
