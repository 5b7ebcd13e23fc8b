"""``ofn-checkout``, the console script: the root command, told where the counter's ``run`` is.

The root command lives in ``appliance`` (``appliance/cli/main.py``), which may not import ``tui``;
the commands of the layers above it join through entry points, and finding one means reading the
metadata of every installed distribution: ``importlib.metadata`` and the scan cost the counter's
start ~20 ms (docs/benchmarks.md). This module is above both, so it names ``run`` itself, in the
entry point's own ``module:attribute`` form (a test keeps the two the same), and the root command
imports it without the scan. Every other command, and ``python -m appliance.cli``, goes the
usual way.
"""

from __future__ import annotations

from appliance.cli.main import main as root_main

#: The commands of this layer the root command is told of: the kiosk's own, whose start is timed.
KNOWN = {"run": "tui.run:run"}


def main(argv: list[str] | None = None) -> int:
    return root_main(argv, known=KNOWN)
