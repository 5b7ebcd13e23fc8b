"""Make the pictures of the counter screen in docs/pictures/ from the app's own SVG screenshots.

    .venv/bin/python docs/pictures/make_pictures.py

Runs the real app headless on a throw-away training store with the demo catalogue, rings up a
basket, and saves the screen as SVG (Textual's export) and as PNG (``rsvg-convert``, from Debian's
``librsvg2-bin``, with ``fonts-dejavu-core`` for a monospace font). Run it again after a change of
the screen, and commit the pictures.
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

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from appliance import config as config_module  # noqa: E402
from appliance.cli.demo import demo_config_text, demo_variants  # noqa: E402
from appliance.store.catalogue import upsert_variants  # noqa: E402
from appliance.store.database import write_transaction  # noqa: E402
from appliance.till import Till  # noqa: E402
from tui.messages import ScanRead  # noqa: E402
from tui.run import make_app  # noqa: E402

HERE = Path(__file__).resolve().parent
BASKET = ["3760000010719", "3760000010733", "3760000010733", "3760000010740", "3760000010788"]


async def sale_screen(till: Till, config: config_module.Config) -> str:
    app = make_app(till, config, cashier="Chloé")
    async with app.run_test(size=(80, 25)) as pilot:
        for code in BASKET:
            app.post_message(ScanRead(code))
            await pilot.pause()
        await pilot.pause(0.3)
        return app.export_screenshot(title="OFN Checkout — the sale screen")


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
            svg = asyncio.run(sale_screen(till, config))
        finally:
            till.close()
    (HERE / "sale-screen.svg").write_text(for_rsvg(svg), encoding="utf-8")
    subprocess.run([converter, "-w", "1000", str(HERE / "sale-screen.svg"), "-o", str(HERE / "sale-screen.png")], check=True)
    print(f"wrote {HERE / 'sale-screen.svg'} and {HERE / 'sale-screen.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
