"""End to end in a real terminal: ``ofn-checkout demo`` inside tmux, a sale typed as a cashier types
it, the screen read as a cashier reads it, and OFN (the sandbox) read through its own routes.

Every tmux command names a server of this test's own (``-L``), so tests run in parallel; the test
waits by polling ``capture-pane`` for the text it expects, never by sleeping.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

from .conftest import env_without_config
from .counter_kit import APPLES_ID, APPLES_PLU, FLOUR, PASTA, variant_of
from .ofn_sandbox import BIN
from .terminal import Terminal, demo_processes, tail, until

START_TIMEOUT = 120.0  # the demo starts a sandbox and syncs once before the first frame: slow on a busy machine


@contextmanager
def demo_in_terminal(tmp_path: Path, *, status_line: bool = False) -> Iterator[tuple[Terminal, Path]]:
    """``ofn-checkout demo --data DIR`` in a terminal of its own; whatever happens, nothing is left."""
    data = tmp_path / "demo"
    term = Terminal(env_without_config(tmp_path))
    try:
        term.start(f"{shlex.quote(str(BIN))} demo --data {shlex.quote(str(data))}", status_line=status_line)
        yield term, data
    finally:
        term.kill()
        for pid in demo_processes(data):  # only after a failed test: this test's own processes
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def log_in(term: Terminal) -> None:
    """The demo opens on the PIN screen, with its people's PINs on it: Chloé, its cashier, logs in."""
    term.wait_for("demo: cashier 1111, manager 9999", START_TIMEOUT)
    term.type("1111")
    term.wait_for("> ****")  # shown as stars, never the digits
    term.keys("Enter")
    term.wait_for("scan, or type a code")


def test_a_cashier_rings_up_a_sale_in_the_demo_and_ofn_receives_it(tmp_path: Path) -> None:
    with demo_in_terminal(tmp_path, status_line=True) as (term, data):
        log_in(term)
        term.wait_for(("Till 1 · Chloé", "+ Pay", "F9 Last receipt"))  # the footer whole at 80 columns
        sandbox = json.loads((data / "sandbox.json").read_text(encoding="utf-8"))
        counter_order = f"{sandbox['url']}/__sandbox/orders/{sandbox['lanes']['1']}"

        def held() -> dict[int, int]:
            lines = httpx.get(counter_order, timeout=10).raise_for_status().json()["lines"]
            return {int(variant): quantity for variant, quantity in lines.items()}

        before = held()
        running = demo_processes(data).values()
        assert any("appliance.cli sandbox" in command for command in running), running
        assert any(command.endswith("appliance.cli sync") for command in running), running

        term.keys(FLOUR, "Enter")  # the keyboard doubles as the scanner: a burst ended by Enter
        term.wait_for("Added Flour T65")
        term.keys(FLOUR, "Enter")
        term.wait_for(lambda text: re.search(r"Flour T65.*\s2\s+\d+,\d\d", text) is not None)
        term.keys(PASTA, "Enter")
        term.wait_for("Added Pasta")
        term.type(APPLES_PLU)  # sold by the kg: the weigh dialog waits for the scale
        term.keys("Enter")
        term.wait_for(("Weigh: Apples", "F8 Weigh"))  # the demo's scale key is shown where it is needed
        term.keys("F8")  # grams on the simulated pan
        term.wait_for("Demo scale")
        term.type("2600")
        term.keys("Enter")
        term.wait_for("2,600 kg")
        term.type("+")
        term.wait_for("TO PAY")
        term.keys("Enter")  # exact cash
        term.wait_for("No change to give")
        term.keys("Enter")  # no receipt
        term.wait_for(
            lambda text: (
                "scan, or type a code" in text
                and "TOTAL  (" not in text
                and re.search(r"Sale \d+: \d+,\d\d € paid\. Next customer", text) is not None
            )
        )

        # 2.6 kg of a 1 kg unit: the counter order holds round(2600 / 1000) = 3 (docs/sync.md, "Weighed goods")
        sold = {variant_of(FLOUR): 2, variant_of(PASTA): 1, APPLES_ID: 3}
        expected = {variant: before.get(variant, 0) + sold.get(variant, 0) for variant in {*before, *sold}}
        until(lambda: held() == expected, "the counter order to hold the sale", 60)
        term.wait_for(lambda text: "OFN online" in text and "waiting" not in text)  # nothing left to post
        assert held() == expected  # exactly once: nothing more came after the box said it was done

        term.keys("C-q")
        until(
            term.dead,
            "the demo to end",
            explain=lambda: term.screen() + tail(data / "logs" / "counter.log"),
        )
        assert "exited with status 0" in term.screen(), term.screen() + tail(data / "logs" / "counter.log")
        assert "Demo stopped" in term.screen()
        assert demo_processes(data) == {}  # no sandbox, sync daemon or app of the demo outlives it


def test_closing_the_demo_s_terminal_stops_everything_it_started(tmp_path: Path) -> None:
    with demo_in_terminal(tmp_path) as (term, data):
        log_in(term)
        running = demo_processes(data).values()
        assert any("appliance.cli sandbox" in command for command in running), running
        assert any(command.endswith("appliance.cli sync") for command in running), running
        term.kill()  # the terminal goes away under the app, as when an SSH session drops
        until(lambda: demo_processes(data) == {}, "every process of the demo to end")
