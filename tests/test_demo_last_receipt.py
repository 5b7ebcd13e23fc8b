"""The demo's F9: the last receipt the printer twin cut, whole (tui/demo.py ``last_printed``)."""

from __future__ import annotations

from pathlib import Path

from appliance.config import Config
from appliance.till import Till
from tui.demo import last_printed

from .counter_kit import FLOUR, PASTA, app_for, counter_kit, pay_exact_cash, scan, type_keys, until


async def test_the_last_receipt_shown_is_the_whole_of_the_last_one_printed(
    till: Till, config: Config, tmp_path: Path
) -> None:
    """A receipt has rules of its own (dashes across the paper): the text shown runs from the hub's
    name at its head to the footer, goods included, and is the second receipt, not the first."""
    assert last_printed(None) == "Nothing printed yet"
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        printer = kit.printer
        assert last_printed(printer) == "Nothing printed yet"
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            for count, code in enumerate((FLOUR, PASTA), start=1):
                await scan(pilot, code)
                await pay_exact_cash(pilot)
                await type_keys(pilot, "+")  # the receipt, printed
                await until(pilot, lambda: len(printer.printout().pieces()) == count, what="the receipt")
    paper = printer.printout().pieces()[-1]
    shown = last_printed(printer)
    assert shown == "\n".join(paper).rstrip()
    assert sum("-" * 20 in line for line in paper) >= 2, "the receipt has no rules of its own: the test proves nothing"
    assert "Pasta" in shown and "Flour" not in shown
    assert paper[0].strip() and paper[0] in shown  # its head, not only what follows its last rule
