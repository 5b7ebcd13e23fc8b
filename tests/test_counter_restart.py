"""The basket survives the till's process: the app killed with SIGKILL in the middle of a basket (as
a frozen UI is by its watchdog, or a process by the kernel) starts again with the basket back, and
the sale it becomes is sealed once. Run for real: ``ofn-checkout run`` in a tmux terminal, scans
typed as the keyboard-scanner sends them, the process killed by its pid.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
from decimal import Decimal
from pathlib import Path

from appliance.config import Config
from appliance.store.sales import load_sale
from appliance.till import Till

from .conftest import env_without_config
from .counter_kit import FLOUR, PASTA, seed_plus
from .ofn_sandbox import BIN
from .terminal import Terminal, demo_processes, until


def counter_config(config_file: Path) -> Path:
    config_file.write_text(
        config_file.read_text() + '\n[counter]\ncashier = "Alice"\nkeyboard_scanner = true\nscan_gap_ms = 100\n'
    )
    return config_file


def sales(till: Till) -> list[int]:
    return [row[0] for row in till.connection.execute("SELECT number FROM sale ORDER BY number")]


def test_a_basket_killed_mid_way_comes_back_and_is_sealed_once(till: Till, config_file: Path, tmp_path: Path) -> None:
    seed_plus(till)
    run = f"{shlex.quote(str(BIN))} run --config {shlex.quote(str(counter_config(config_file)))}"
    term = Terminal(env_without_config(tmp_path))
    try:
        term.start(run)
        term.wait_for("scan, or type a code", 60)
        for code in (FLOUR, PASTA, PASTA):
            term.keys(code, "Enter")
            term.wait_for(lambda text, code=code: "Added" in text)
        # The third scan says "Added Pasta…" as the second did: wait for its quantity, not its words,
        # so that the kill comes after it is rung up.
        term.wait_for(
            lambda text: "TOTAL  (2 lines)" in text and re.search(r"Pasta fusilli.*\s2\s+\d+,\d\d", text) is not None
        )
        (pid,) = [pid for pid in demo_processes(config_file) if Path(f"/proc/{pid}/comm").read_text().strip() != "sh"]
        os.kill(pid, signal.SIGKILL)
        until(term.dead, "the app to die")
        assert sales(till) == []  # nothing was sealed: the basket was not paid

        term.respawn(run)
        term.wait_for(("is back (2 lines)", "Flour T65", "Pasta fusilli"), 60)
        term.keys("+")
        term.wait_for("TO PAY")
        term.keys("Enter")
        term.wait_for("No change to give")
        term.keys("Enter")
        term.wait_for(lambda text: "TOTAL  (" not in text and "scan, or type a code" in text)
        term.keys("C-q")
        until(term.dead, "the app to end")
    finally:
        term.kill()
    assert sales(till) == [1]
    sale = load_sale(till.connection, number=1)
    assert sale is not None and [(line.sku, line.quantity) for line in sale.sale.lines] == [(FLOUR, 1), (PASTA, 2)]
    assert till.verify().ok
    assert not (tmp_path / "till.db.basket").exists()  # the kept basket goes once the sale is sealed


def test_a_basket_sealed_before_the_stop_is_not_brought_back(till: Till) -> None:
    """Killed after the commit but before the kept basket was dropped: the sale is not made twice."""
    sale = till.new_sale("Alice")
    sale.add(till.item(1071), 2)
    till.keep_basket(sale)
    sale.tender(till.payment("cash"), Decimal("100"))
    till.complete(sale)
    assert till.kept_basket() is None
    assert not Path(str(till.path) + ".basket").exists()


def test_a_cancelled_basket_is_not_brought_back(till: Till) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(1071), 1)
    till.keep_basket(sale)
    till.cancel(sale, "customer left")
    assert till.kept_basket() is None


def test_a_kept_basket_comes_back_as_it_was_rung_up(till: Till) -> None:
    """Prices as the customer saw them, discounts, voids and tenders: a catalogue change meanwhile does not count."""
    from appliance.core.sale import Discount, DiscountKind

    sale = till.new_sale("Alice")
    sale.add(till.item(1071), 2)
    sale.add_weighed(till.item(1001), 734)
    sale.add(till.item(1072), 1)
    sale.void(3)
    sale.discount_line(1, Discount(DiscountKind.PERCENT, Decimal("10"), "damaged"))
    sale.tender(till.payment("card"), Decimal("5.00"))
    till.keep_basket(sale)
    till.connection.execute("UPDATE variant SET price = price * 2")  # a refresh between the crash and the restart
    back = till.kept_basket()
    assert back is not None and back.uuid == sale.uuid
    assert back.totals() == sale.totals()
    assert [(line.voided, line.discount) for line in back.lines] == [
        (line.voided, line.discount) for line in sale.lines
    ]


def test_an_unreadable_kept_basket_is_set_aside_not_fatal(till: Till, config: Config) -> None:
    path = Path(str(till.path) + ".basket")
    path.write_text('{"version": 1, "lines": [')
    assert till.kept_basket() is None
    assert Path(str(path) + ".unreadable").exists() and not path.exists()
    assert till.new_sale("Alice").lines == []  # selling goes on with an empty basket
