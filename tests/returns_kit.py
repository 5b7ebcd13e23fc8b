"""Another lane of the hub for the return tests: its own store and journal key, the hub's receipt
key, a sale there, and the receipt its printer prints (ESC/POS bytes read back by the printer twin's
parser, so the code a test scans is the one the QR code holds)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from appliance.config import Config
from appliance.core.return_rules import ReturnRules
from appliance.reports.formatting import Formatter
from appliance.reports.receipt_document import receipt_document
from appliance.store.sales import StoredSale
from appliance.till import Till
from drivers.printer.render import PrinterSettings, Renderer
from drivers.printer_twin import Printout, read_bytes

from .counter_kit import FLOUR
from .sales_kit import sold
from .store_kit import demo_till

HUB_KEY = bytes(range(100, 132))


def hub_key(tmp_path: Path, key: bytes = HUB_KEY) -> Path:
    """The hub's receipt key, in the file every box of the hub holds (here: one per test)."""
    path = tmp_path / "hub-receipt.key"
    if not path.exists():
        path.write_bytes(key)
        path.chmod(0o600)
    return path


def use_returns(till: Till, rules: ReturnRules, receipt_key_file: Path | None) -> None:
    """Put these return rules and this hub key in force, as a channel file saying so would."""
    till.rules = replace(till.rules, returns=rules, receipt_key_file=receipt_key_file)


@dataclass
class OtherLane:
    till: Till
    config: Config

    def sell(self, *items: tuple[str, int], grams: int = 0, method: str = "cash") -> StoredSale:
        return sold(self.till, *items, grams=grams, method=method)

    def printed(self, stored: StoredSale, profile: str = "TM-T20II") -> Printout:
        """The receipt of ``stored`` as this lane's printer prints it."""
        fmt = Formatter(self.config.currency, self.config.language, self.till.zone)
        document = receipt_document(self.till.receipt(stored, self.config.receipt, fmt), fmt, 42)
        return read_bytes(Renderer(PrinterSettings(profile=profile)).render(document))

    def hub_code(self, stored: StoredSale) -> str:
        """The text the receipt's QR code holds: what a scanner types at another lane."""
        [code] = self.printed(stored).of("qr")
        return str(code)


@contextmanager
def other_lane(
    config: Config,
    tmp_path: Path,
    clock: Any,
    *,
    channel: str | None = None,
    key: Path | None = None,
    lane_id: int = 2,
) -> Iterator[OtherLane]:
    """Lane ``lane_id`` of the same hub, selling in ``channel`` (None: the config's), with the hub's key
    unless ``key`` says otherwise (a path to another hub's key)."""
    directory = tmp_path / f"lane{lane_id}"
    directory.mkdir()
    lane = replace(config, lane_id=lane_id, lane_name=f"Till {lane_id}", channel=channel or config.channel)
    lane = replace(lane, store_path=directory / "till.db")
    with demo_till(lane, clock, cashier="Bruno", cash_float="50.00") as till:
        use_returns(till, ReturnRules(), key or hub_key(tmp_path))
        yield OtherLane(till, lane)


def another_lanes_code(config: Config, tmp_path: Path, clock: Any) -> str:
    """The barcode on a receipt of lane 2 (its own store), as its printer prints it."""
    with other_lane(config, tmp_path, clock) as lane2:
        [code] = lane2.printed(lane2.sell((FLOUR, 1))).of("barcode")
    return str(code)
