"""Make the pictures of the counter screen in docs/pictures/ from the app's own SVG screenshots.

    .venv/bin/python docs/pictures/make_pictures.py

Runs the real app headless on a throw-away training store with the demo catalogue: rings up a
basket (the sale screen), then counts the drawer for the Z closure and shows the difference (the
manager's screens), and saves each screen as PNG (``rsvg-convert``, from Debian's
``librsvg2-bin``, with ``fonts-dejavu-core`` for a monospace font) from Textual's SVG export; the
sale screen's SVG is kept too. The needs-attention and diagnostics screens are taken from the
tests' screen tour (``tests/counter_tour.py``), in the state the SVG snapshots check. Run it again
after a change of those screens, and commit the pictures.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from appliance import config as config_module  # noqa: E402
from appliance.cli.demo import demo_config_text, demo_variants  # noqa: E402
from appliance.store.catalogue import upsert_variants  # noqa: E402
from appliance.store.database import write_transaction  # noqa: E402
from appliance.till import Till  # noqa: E402
from tui.messages import ScanRead  # noqa: E402
from tui.start import make_app  # noqa: E402

HERE = Path(__file__).resolve().parent
BASKET = ["3760000010719", "3760000010733", "3760000010733", "3760000010740", "3760000010788"]


async def shoot(till: Till, config: config_module.Config, steps: Any, title: str) -> str:
    app = make_app(till, config, cashier="Chloé")
    async with app.run_test(size=(80, 25)) as pilot:
        await steps(app, pilot)
        await pilot.pause(0.3)
        return app.export_screenshot(title=f"OFN Checkout — {title}")


async def basket(app: Any, pilot: Any) -> None:
    for code in BASKET:
        app.post_message(ScanRead(code))
        await pilot.pause()


async def z_count(app: Any, pilot: Any) -> None:
    """A basket paid in cash, then the manager's menu, Shift, Close: 18 × 5 €, 5 × 20 €, 40 × 2 €."""
    await basket(app, pilot)
    await pilot.press("plus", "5", "0", "enter")
    await pilot.pause(0.3)
    await pilot.press("enter", "slash", "8", "1", "5")
    await pilot.pause(0.3)
    await pilot.press(*["down"] * 8, "4", "0", "down", "1", "8", "down", "down", "5")


async def z_difference(app: Any, pilot: Any) -> None:
    await z_count(app, pilot)
    await pilot.press("enter")


#: picture name → (what the app does, the window's title, whether the SVG is kept beside the PNG)
PICTURES = {
    "sale-screen": (basket, "the sale screen", True),
    "shift-count": (z_count, "counting the drawer for the Z closure", False),
    "shift-difference": (z_difference, "the difference before the Z closure", False),
}


#: picture name → (the tour's screen, the window's title)
TOUR_PICTURES = {
    "attention-screen": ("attention", "needs attention"),
    "diagnostics-screen": ("diagnostics", "diagnostics"),
    "manager-menu": ("manager_menu", "the manager's menu"),
    "pin-screen": ("pin", "the PIN screen"),
}


async def tour_screen(name: str, title: str, folder: Path) -> str:
    """A screen of the tests' tour, on a till set up as the tests' fixtures set it up."""
    from appliance.core.clock import SteppingClock
    from tests.conftest import MONDAY_MORNING
    from tests.counter_kit import app_for, counter_kit
    from tests.counter_tour import TOUR

    steps, _, _ = TOUR[name]
    config = replace(
        config_module.parse(demo_config_text()), store_path=folder / f"{name}.db", api_key_file=folder / "api.key"
    )
    till = Till.create(config, clock=SteppingClock(MONDAY_MORNING))
    try:
        with write_transaction(till.db) as connection:
            upsert_variants(connection, demo_variants(), till.clock.now())
        till.open_shift("Alice", Decimal("100.00"))
        with counter_kit(till, config, folder, scale=False, printer=False) as kit:
            app = app_for(kit)
            async with app.run_test(size=(80, 25)) as pilot:
                await steps(pilot)
                await pilot.pause(0.3)
                return app.export_screenshot(title=f"OFN Checkout — {title}")
    finally:
        till.close()


def for_rsvg(svg: str) -> str:
    """rsvg-convert drops leading no-break spaces (right-aligned columns shift left): plain spaces,
    kept as they are, draw the columns where the terminal draws them."""
    return svg.replace("&#160;", " ").replace("<svg ", '<svg xml:space="preserve" ', 1)


def main() -> int:
    converter = shutil.which("rsvg-convert")
    if converter is None:
        print("rsvg-convert is missing: apt-get install librsvg2-bin fonts-dejavu-core", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        config = replace(config_module.parse(demo_config_text()), store_path=Path(folder) / "till.db")
        till = Till.create(config, training=True)
        try:
            with write_transaction(till.db) as connection:
                upsert_variants(connection, demo_variants(), till.clock.now())
            till.open_shift("Chloé", Decimal("150.00"))
            for name, (steps, title, keep_svg) in PICTURES.items():
                svg = HERE / f"{name}.svg" if keep_svg else Path(folder) / f"{name}.svg"
                svg.write_text(for_rsvg(asyncio.run(shoot(till, config, steps, title))), encoding="utf-8")
                png = HERE / f"{name}.png"
                subprocess.run([converter, "-w", "1000", str(svg), "-o", str(png)], check=True)
                print(f"wrote {png}")
        finally:
            till.close()
        for name, (screen, title) in TOUR_PICTURES.items():
            own = Path(folder) / name  # a store per screen, each with its own journal key
            own.mkdir()
            svg = own / f"{name}.svg"
            svg.write_text(for_rsvg(asyncio.run(tour_screen(screen, title, own))), encoding="utf-8")
            png = HERE / f"{name}.png"
            subprocess.run([converter, "-w", "1000", str(svg), "-o", str(png)], check=True)
            print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
