"""Who is at the till, and what a manager allowed (docs/people.md).

Once a manager is set up (``ofn-checkout people add``, or the manager's menu), the app opens on the
PIN screen, every sale is sealed with the name of the person logged in, and what a cashier may not
do alone asks for a manager's PIN (:meth:`Roles.approve`). A manager logged in is not asked: their
own name is recorded. Until then (a till with nobody set up) the app asks no PIN, the cashier is
the config's ``counter.cashier``, and every action is allowed, as before people existed.

``/`` ``7`` switches cashier: the person logged in is logged out at once and the PIN screen waits
for the next one; the basket stays as it is, and the sale is sealed with whoever completes it
(``started_by`` names who started it, when that was someone else).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from appliance.core.lockout import Tick
from appliance.store.people import Person

if TYPE_CHECKING:
    from .app import CheckoutApp

log = logging.getLogger(__name__)

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def read_boot_id(path: Path = BOOT_ID) -> str:
    """This boot's identity: a monotonic reading means something only within one boot."""
    try:
        return path.read_text(encoding="ascii").strip() or "unknown"
    except OSError:
        return "unknown"


class Roles:
    def __init__(self, app: CheckoutApp, boot: str, note: str = ""):
        self.app = app
        self.boot = boot
        self.note = note  # what the PIN screen shows under its title (the demo's people and PINs)
        self.person: Person | None = None

    def tick(self) -> Tick:
        return Tick(self.app.monotonic(), self.boot)

    @property
    def in_force(self) -> bool:
        """Whether anyone is set up: read from the store each time, so people added over SSH count."""
        return self.app.till.has_people()

    @property
    def is_manager(self) -> bool:
        return self.person is not None and self.person.is_manager

    # -- logging in ----------------------------------------------------------------------------------

    def start(self) -> None:
        """At start: the PIN screen before anything else, once people are set up."""
        if self.in_force:
            self.app.counter.cashier = ""
            self._ask_login("Log in")

    def switch(self) -> None:
        """``/`` ``7``: the person logged in leaves; the next one types their PIN. The basket stays."""
        if not self.in_force:
            self.app.say("Switching cashier needs people and PINs: a manager adds them (menu 8, People)", "warn")
            return
        leaving = self.person.name if self.person else ""
        log.info("%s logged out (switch of cashier)", leaving or "nobody")
        self.person = None
        self.app.counter.cashier = ""
        self._ask_login("Switch cashier" + (f" ({leaving} has left)" if leaving else ""))

    def _ask_login(self, title: str) -> None:
        from .screens.pin import PinScreen

        self.app.push(PinScreen(title, self.note), self._logged_in)

    def _logged_in(self, person: Person | None) -> None:
        if person is None:
            return
        self.person = person
        self.app.counter.cashier = person.name
        log.info("%s logged in (%s)", person.name, person.role)
        self.app.refresh_status()
        waiting = self.app.counter.sale is not None and bool(self.app.counter.lines)
        then = ": the basket is as it was left" if waiting else ""
        self.app.say(f"Hello {person.name}{then}", "ok")

    # -- a manager's PIN -------------------------------------------------------------------------------

    def approve(self, what: str, then: Callable[[str], object]) -> None:
        """Run ``then(manager's name)`` once a manager allows ``what``: at once when a manager is
        logged in, else after a manager's PIN; refused (said on the screen) when none is given.
        With nobody set up, ``then("")``: nobody to name, nothing asked."""
        if not self.in_force:
            then("")
            return
        if self.person is not None and self.person.is_manager:
            then(self.person.name)
            return
        from .screens.pin import ManagerPinScreen

        def answered(manager: Person | None) -> None:
            if manager is None:
                self.app.say(f"Not done: {what} needs a manager's PIN", "warn")
                return
            log.info("%s allowed %s for %s", manager.name, what, self.app.counter.cashier or "nobody")
            then(manager.name)

        self.app.push(ManagerPinScreen(what), answered)

    # -- the limits a cashier works within -------------------------------------------------------------

    def discount_limit(self, role: str) -> Decimal | None:
        """The largest discount by hand ``role`` gives alone, in percent: the channel's
        ``discount_policy.manual_percent_limit`` where it names the role, else the box's
        ``[roles] discount_limit_percent`` for a cashier, and no limit for a manager."""
        channel = self.app.till.rules.discount_policy.manual_limit(role)
        if channel is not None:
            return channel
        return Decimal(self.app.config.roles["discount_limit_percent"]) if role == "cashier" else None

    def discount_needs_manager(self, percent_off: Decimal) -> bool:
        cashier = self.discount_limit("cashier")
        return cashier is not None and percent_off > cashier

    def discount_refused(self, percent_off: Decimal) -> str:
        """Why nobody may give this discount by hand in this channel, or "" when a manager may."""
        manager = self.discount_limit("manager")
        if manager is not None and percent_off > manager:
            return f"this channel allows discounts by hand up to {manager} %, even a manager's"
        return ""

    def refund_needs_manager(self, cents: int) -> bool:
        """The channel's ``no_pin_below`` when a channels file sets it (it wins over the box's
        ``[roles] refund_limit``: the hub decides per channel, docs/channels.md), else that limit."""
        by_channel = self.app.till.return_rules.needs_pin(cents)
        if by_channel is not None:
            return by_channel
        return Decimal(cents) / 100 > self.app.config.roles["refund_limit"]
