"""``ofn-checkout``, the console script: the root command, told where the counter's ``run`` is.

The root command lives in ``appliance`` (``appliance/cli/main.py``), which may not import ``tui``;
the commands of the layers above it join through entry points, and finding one means reading the
metadata of every installed distribution: ``importlib.metadata`` and the scan cost the counter's
start ~20 ms (docs/benchmarks.md). This module is above both, so it names ``run`` itself, in the
entry point's own ``module:attribute`` form (a test keeps the two the same), and the root command
imports it without the scan. Every other command, and ``python -m appliance.cli``, goes the
usual way.

The kiosk's own command line (``run --kiosk --config …``, systemd/ofn-checkout-kiosk.service) does
not even go through click, whose import is 6 ms of the counter's start: :func:`counter_options`
reads ``run``'s three options in their plain forms, and :func:`main` starts the counter as the root
command would run it (appliance/cli/outcome.py: the umask, the log, the exit codes). Anything else
(``--help``, an option given twice or unknown, a value that looks like an option) is click's to
read, so its answers and messages stay click's; tests/test_cli.py holds the two readings to the
same values.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: The commands of this layer the root command is told of: the kiosk's own, whose start is timed.
KNOWN = {"run": "tui.run:run"}


def main(argv: list[str] | None = None) -> int:
    options = counter_options(sys.argv[1:] if argv is None else argv)
    if options is None:
        from appliance.cli.main import main as root_main

        return root_main(argv, known=KNOWN)
    return _start_counter(options, argv)


def counter_options(args: Sequence[str]) -> dict[str, Any] | None:
    """``run``'s options as its click command reads them (``config_path``, ``cashier``, ``kiosk``),
    when ``args`` are ``run`` and those options in their plain forms, each once; None otherwise."""
    if not args or args[0] != "run":
        return None
    options: dict[str, Any] = {"config_path": None, "cashier": "", "kiosk": False}
    seen: set[str] = set()
    rest = list(args[1:])
    while rest:
        arg = rest.pop(0)
        name, equals, value = arg.partition("=")
        if name in seen:
            return None
        seen.add(name)
        if arg == "--kiosk":
            options["kiosk"] = True
            continue
        if name not in ("--config", "--cashier"):
            return None
        if not equals:
            if not rest:
                return None
            value = rest.pop(0)
        if not value or value.startswith("-"):
            return None
        if name == "--config":
            options["config_path"] = Path(value)
        else:
            options["cashier"] = value
    return options


def _start_counter(options: dict[str, Any], argv: list[str] | None) -> int:
    """The counter, run as the root command runs a command, its modules imported with Python's cyclic
    collector paused (as appliance/cli/main.py loads a command: what they build lives as long as the
    process); an install that cannot import them fails as any command does (exit 70, logged)."""
    from appliance.cli.outcome import run_command

    from .collector import collector_paused

    def start() -> int:
        from .start import start_counter

        return start_counter(**options)

    with collector_paused():
        return run_command(start, argv)
