"""A till whose lane belongs to a channel of a channel file in the test's temp dir (docs/channels.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from appliance.cli.demo import demo_variants
from appliance.config import Config
from appliance.core.clock import Clock
from appliance.till import Till

from .store_kit import demo_till

#: The demo hub's pick-up point: no card, cash up to 20.00 a sale, a cheque needs a customer; no
#: alcohol, nothing prepared (category 15), not the flour T80; paper bags from the shelf.
PICKUP = """\
version = 1

[hub]
name = "Les Paniers du Marais"

[channels."pickup point"]
label = "Pick-up point"

[channels."pickup point".payment]
methods = ["cash", "voucher", "cheque"]
cash_limit = "20.00"
needs_customer = ["cheque"]

[channels."pickup point".assortment]
exclude_tags = ["Alcohol"]
exclude_categories = [15]
exclude_variants = [FLOUR_T80_ID]

[[channels."pickup point".assortment.shelf]]
code = "2000000000015"
name = "Paper bag"
price = "0.10"
vat = "C"

[channels."market stall".payment]
methods = ["cash"]
"""

PAPER_BAG = "2000000000015"

#: The demo lane's channel with the paper bag on its shelf, and the defaults for all else (every
#: payment method of the config, the whole catalogue).
SHELF_ONLY = f"""\
version = 1

[hub]
name = "Les Paniers du Marais"

[[channels."pickup point".assortment.shelf]]
code = "{PAPER_BAG}"
name = "Paper bag"
price = "0.10"
vat = "C"
"""


def flour_t80_id() -> int:
    return next(v.id for v in demo_variants() if v.name.startswith("Flour T80"))


def pickup_rules() -> str:
    return PICKUP.replace("FLOUR_T80_ID", str(flour_t80_id()))


@contextmanager
def channel_till(config: Config, clock: Clock, tmp_path: Path, text: str | None = None) -> Iterator[Till]:
    """A new store's till (demo catalogue, a shift open with 100.00) under the channel file ``text``."""
    path = tmp_path / "channels.toml"
    path.write_text(pickup_rules() if text is None else text, encoding="utf-8")
    (tmp_path / "channel-till").mkdir(exist_ok=True)  # a store and its key of its own
    config = replace(config, channels_file=path, store_path=tmp_path / "channel-till" / "till.db")
    with demo_till(config, clock) as till:
        yield till


def code_of(till: Till, name_start: str) -> str:
    """The barcode (SKU) of the first demo variant whose name starts so."""
    row = till.connection.execute(
        "SELECT sku FROM variant WHERE name LIKE ? ORDER BY id", (name_start + "%",)
    ).fetchone()
    return str(row[0])
