"""``ofn-checkout``: the command line support staff and managers use over SSH.

This module is the root command; how a run ends is outcome.py's: errors a person can act on print
one line and exit 3; an unexpected failure prints where the traceback was logged and exits 70. The
commands live one group a module beside it (options.py holds what they share); the commands of
other layers join through entry points. Exit 1 means "checked, and something is wrong" (a bad
config, a broken journal).
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Mapping
from importlib import import_module
from pathlib import Path
from typing import Any

import click

from appliance.cli.exit_codes import EXIT_CANNOT, EXIT_INTERNAL, EXIT_PROBLEMS
from appliance.cli.outcome import run_command

log = logging.getLogger(__name__)


#: Whether :func:`main` paused Python's cyclic collector, to start it again once the command is
#: loaded (PluginGroup.resolve_command says why).
_collector_paused = False

#: The commands of other layers :func:`main` was told of (its ``known``), for the run it is in.
_known: dict[str, str] = {}


def main(argv: list[str] | None = None, *, known: Mapping[str, str] | None = None) -> int:
    """Run the command line on ``argv`` (the process's arguments by default).

    ``known`` names commands of the layers above this one, ``name -> "module:attribute"`` as their
    entry points do, so that the command named is found without reading the install's metadata
    (``tui/command.py``, the console script, passes the counter's ``run``); any other comes from
    the entry points as before.
    """
    global _collector_paused, _known
    _collector_paused = gc.isenabled()
    gc.disable()
    _known = dict(known or {})
    try:
        return run_command(lambda: _click(argv), argv)
    finally:
        _known = {}
        _resume_collector()


def _resume_collector() -> None:
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.enable()


def _click(argv: list[str] | None) -> int:
    """The command ``argv`` names, run by click; click's own errors said as click says them. What
    else fails is :func:`~appliance.cli.outcome.run_command`'s to say."""
    try:
        result = cli.main(args=argv, prog_name="ofn-checkout", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.FileError as exc:
        exc.show()
        return EXIT_CANNOT
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_PROBLEMS


PLUGIN_GROUP = "ofn_checkout.commands"

#: The command groups of this package, each imported only when named: ``run`` needs none of them,
#: and importing them all cost the counter's start a tenth of a second (docs/benchmarks.md).
COMMANDS = {
    "config": "appliance.cli.config:config_group",
    "store": "appliance.cli.store:store_group",
    "journal": "appliance.cli.journal:journal_group",
    "report": "appliance.cli.report:report_group",
    "receipt": "appliance.cli.receipt:receipt_group",
    "invoice": "appliance.cli.invoice:invoice_group",
    "customers": "appliance.cli.customers:customers_group",
    "shift": "appliance.cli.shift:shift_group",
    "people": "appliance.cli.people:people_group",
    "simulate": "appliance.cli.simulation:simulate",
}


class PluginGroup(click.Group):
    """The root command; commands of the other layers join it through entry points.

    The CLI lives in ``appliance``, which may not import ``drivers``, ``sandbox`` or ``tui``. Those
    packages declare their commands under the ``ofn_checkout.commands`` entry point group in
    pyproject.toml, and they are imported only when named, so ``ofn-checkout report z`` never loads
    a device library or the HTTP stack. This package's own groups (:data:`COMMANDS`) are imported
    when named too. A command :func:`main` was told of (its ``known``: the console script names
    ``run``) is imported without reading the entry points, which means reading every installed
    distribution's metadata.
    """

    def _plugins(self) -> dict[str, Any]:
        from importlib.metadata import entry_points

        return {entry.name: entry for entry in entry_points(group=PLUGIN_GROUP)}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS, *self._plugins()})

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command named, its modules imported; then Python's cyclic collector runs again.

        :func:`main` pauses the collector until here: what loading a command builds (modules,
        classes, tables) lives as long as the process, so a collection in the middle of it walks
        only live objects, in vain; a full one costs 20-30 ms of ``run``'s start. A command that
        starts more of the same keeps it paused itself (``run``, until its first frame is out).
        """
        try:
            return super().resolve_command(ctx, args)
        finally:
            _resume_collector()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in COMMANDS:
            module, _, name = COMMANDS[cmd_name].partition(":")
            command = getattr(import_module(module), name)
        if command is None and cmd_name in _known:
            command = _load(cmd_name, _known[cmd_name])
        if command is None and (entry := self._plugins().get(cmd_name)) is not None:
            command = _load(cmd_name, entry.value)
        return command


def _load(name: str, value: str) -> click.Command:
    """The command an entry point's ``module:attribute`` names, or one that says it is broken."""
    module, _, attribute = value.partition(":")
    try:
        command: click.Command = getattr(import_module(module), attribute)
    except Exception:  # a broken install must not take the other commands down with it
        log.exception("command %s (%s) could not be loaded", name, value)
        return _unavailable(name)
    return command


def _unavailable(name: str) -> click.Command:
    def run() -> int:
        click.echo(f"Error: the {name} command is not installed correctly (details in the log); reinstall", err=True)
        return EXIT_INTERNAL

    return click.Command(name, callback=run, help="Not available: this command could not be loaded.")


#: Where the root command leaves :func:`device_sections` for the device commands (click's ``ctx.meta``).
DEVICE_SECTIONS = "ofn_checkout.device_sections"


def device_sections(config_path: Path | None) -> dict[str, dict[str, Any]]:
    """The config's ``[devices.*]`` sections as plain dicts, for the device commands of ``drivers``.

    Those commands may not import this package, so the root command hands them this loader through
    ``ctx.meta`` (a dict click shares with every sub-command, meant for such keys) rather than an
    entry point: it needs no packaging change, and a command run without the root (a test of the
    bare click command) simply has no config. The config is found as for every other command
    (``--config``, $OFN_CHECKOUT_CONFIG, /etc/ofn-checkout/config.toml); with none there, ``{}``:
    the commands use their own defaults. A bad config raises ConfigError, shown as for any command.
    """
    from appliance import config as config_module

    path = config_module.resolve_path(config_path)
    if config_path is None and not path.exists():
        return {}
    return config_module.load(path).devices


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ofn-checkout")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """OFN Checkout: a checkout box for food hubs that sell on the Open Food Network."""
    ctx.meta[DEVICE_SECTIONS] = device_sections


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
