"""People for the roles tests: a manager and two cashiers on the test's till, a monotonic clock the
test moves by hand, and logging in through the PIN screen as a cashier types it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from appliance.config import Config
from appliance.till import Till
from tui.app import CheckoutApp
from tui.screens.pin import ManagerPinScreen, PinScreen

from .counter_kit import app_for, counter_kit, type_keys, until

MANON, CHLOE, LEO = ("Manon", "9999"), ("Chloé", "1111"), ("Léo", "2222")


def seed_people(till: Till) -> None:
    till.add_person(MANON[0], "manager", MANON[1], "test")
    till.add_person(CHLOE[0], "cashier", CHLOE[1], "test")
    till.add_person(LEO[0], "cashier", LEO[1], "test")


class Monotonic:
    """A monotonic clock that moves only when the test says so: no test waits a minute."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def log_in(pilot: Pilot[Any], pin: str) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, PinScreen), what="the PIN screen")
    await type_keys(pilot, pin)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, PinScreen), what=f"the PIN {pin} to log in")


async def manager_pin(pilot: Pilot[Any], pin: str | None) -> None:
    """Answer the manager's PIN dialog: a PIN, or None to give up (Backspace)."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ManagerPinScreen), what="the manager's PIN dialog")
    if pin is None:
        await pilot.press("backspace")
    else:
        await type_keys(pilot, pin)
        await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, ManagerPinScreen), what="the dialog to close")


@asynccontextmanager
async def staffed_counter(
    till: Till, config: Config, tmp_path: Path, pin: str, size: tuple[int, int] = (80, 25)
) -> AsyncIterator[tuple[CheckoutApp, Pilot[Any]]]:
    """The three people on ``till``, its counter app (no scale, no printer) on a clock that moves
    only when the test says so, and the person of ``pin`` logged in: where most roles tests start."""
    seed_people(till)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit, monotonic=Monotonic())
        async with app.run_test(size=size) as pilot:
            await log_in(pilot, pin)
            yield app, pilot
