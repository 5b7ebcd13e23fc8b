"""SVG snapshots of each counter screen at 80×25 (pytest-textual-snapshot), and the sale screen as
the Linux console shows it (``TERM=linux``, 16 colours).

A changed screen fails here with an HTML report of the difference (``snapshot_report.html``); when
the change is wanted, review the report, then run ``bash tests/run.sh --snapshot-update -k
snapshots`` and commit the new SVGs under ``tests/__snapshots__/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from appliance.config import Config
from appliance.till import Till

from .counter_kit import app_for, counter_kit
from .counter_tour import TOUR


def shoot(snap_compare: Any, name: str, till: Till, config: Config, tmp_path: Path) -> bool:
    steps, grams, shift = TOUR[name]
    if not shift:
        from decimal import Decimal

        till.close_shift(Decimal("100.00"), "Alice")
    with counter_kit(till, config, tmp_path, scale=grams is not None, printer=False) as kit:
        if kit.scale is not None and grams is not None:
            kit.scale.show(grams, motion=True)
        return bool(snap_compare(app_for(kit), run_before=steps, terminal_size=(80, 25)))


@pytest.mark.parametrize("name", list(TOUR))
def test_screen(name: str, snap_compare: Any, till: Till, config: Config, tmp_path: Path) -> None:
    assert shoot(snap_compare, name, till, config, tmp_path)


def test_sale_screen_on_the_linux_console(
    snap_compare: Any, till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "standard")
    assert shoot(snap_compare, "sale", till, config, tmp_path)
