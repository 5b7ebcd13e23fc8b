"""A channel's return rules, and the checks a return must pass before anything is given back.

The hub decides per channel (``[channels.NAME.returns]`` of channels.toml, docs/channels.md) whose
sales may come back here, how long after the sale, whether the receipt is needed, which refunds a
cashier may give without a manager's PIN, and whether the goods go back on the shelf by default.
A box without a channels file keeps the rules of :data:`AS_BEFORE`: any sale of its own, at any
time, the ``[roles] refund_limit`` deciding the PIN, every line back to stock.

Pure code: the channel file's parser builds a :class:`ReturnRules`, the till asks it. Every refusal
says why and what the cashier can do instead, since the customer is standing at the counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from appliance.core.sale import SaleError
from appliance.core.text import counted


@dataclass(frozen=True)
class ReturnRules:
    """``from_channels`` None: sales of any channel; ``max_days`` None: no time limit;
    ``no_pin_below`` (cents) None: the ``[roles] refund_limit`` of the box's config decides."""

    from_channels: tuple[str, ...] | None = None
    max_days: int | None = None
    receipt_required: bool = False
    no_pin_below: int | None = None
    restock: bool = True

    def check_channel(self, sold_in: str, here: str) -> None:
        """Refuse a sale made in a channel whose sales this one does not take back."""
        if self.from_channels is None or sold_in in self.from_channels:
            return
        taken = ", ".join(self.from_channels) or "none"
        raise SaleError(
            f"This sale was made at {sold_in!r}; {here!r} takes back only sales of: {taken}."
            " Nothing refunded: the customer can return it where the hub's rules allow"
        )

    def check_age(self, sold_at: datetime, now: datetime, zone: ZoneInfo) -> None:
        """Refuse a sale older than ``max_days``, counted in the hub's calendar days (sold on the 1st
        with 14 days: the 15th is the last day)."""
        if self.max_days is None:
            return
        days = (now.astimezone(zone).date() - sold_at.astimezone(zone).date()).days
        if days > self.max_days:
            sold = sold_at.astimezone(zone).strftime("%Y-%m-%d")
            within = f"within {counted(self.max_days, 'day')}" if self.max_days else "the same day only"
            raise SaleError(
                f"This sale is from {sold}, {counted(days, 'day')} ago: goods come back {within} here."
                " Nothing refunded; a manager can settle it another way"
            )

    def check_receipt(self, shown: bool) -> None:
        """Refuse a return without its receipt where the channel needs one."""
        if self.receipt_required and not shown:
            raise SaleError(
                "Returns here need the receipt: ask the customer for it (its code, or the number after No)."
                " Nothing refunded without it"
            )

    def needs_pin(self, cents: int) -> bool | None:
        """Whether a refund of ``cents`` needs a manager's PIN; None: the box's own limit decides."""
        if self.no_pin_below is None:
            return None
        return cents >= self.no_pin_below


#: What a box without a channels file does: returns as they always were.
AS_BEFORE = ReturnRules()
