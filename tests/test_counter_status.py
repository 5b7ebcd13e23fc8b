"""The status bar and the one-line alerts: what the cashier learns of OFN, the printer and the scale."""

from __future__ import annotations

from pathlib import Path

from appliance.config import Config
from appliance.store.sync_state import Status
from appliance.till import Till
from drivers.scale.reading import Reading, State, no_answer
from tui.messages import SyncChanged
from tui.widgets.status_bar import printer_part, scale_part, status_parts, sync_part

from .counter_kit import app_for, counter_kit, screen_text, until


def status(state: str = "online", pending: int = 0, attention: int = 0, oldest: int | None = None) -> Status:
    return Status(state, "", None, pending, attention, oldest)


def test_sync_part_says_online_offline_waiting_and_attention() -> None:
    assert sync_part(status()).text == "OFN online"
    offline = sync_part(status("offline", pending=12, oldest=7500))
    assert (offline.text, offline.level) == ("OFN offline 12 waiting 2h05", "warn")
    assert sync_part(status(attention=1)).level == "bad"
    assert sync_part(status("key_rejected")).text == "OFN key refused"


def test_device_parts() -> None:
    assert scale_part(None, False) is None
    assert scale_part(no_answer(connected=False), True).text == "Scale unplugged"
    assert scale_part(Reading(State.STABLE, 0), True).text == "Scale ok"
    assert printer_part(None, True).text == "Printer ok"
    parts = status_parts("Till 1", "Alice", status(), (None, False), (None, False), (None, ""), training=True)
    assert [part.text for part in parts] == ["Till 1 · Alice", "TRAINING", "OFN online"]


async def test_attention_is_said_once_in_one_line(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: app.sync is not None)
            app.post_message(SyncChanged(status("online", pending=3, attention=2)))
            await until(pilot, lambda: "needs attention" in screen_text(app))
            assert "menu, then What waits" in " ".join(screen_text(app).split())  # the line may wrap


async def test_kiosk_keeps_the_till_open(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit, kiosk=True)
        asked: list[str] = []
        app.authorize = lambda what, then: asked.append(what)  # type: ignore[method-assign]  # no manager here
        async with app.run_test(size=(80, 25)) as pilot:
            for key in ("ctrl+c", "ctrl+z", "ctrl+backslash", "ctrl+s", "ctrl+q"):
                await pilot.press(key)
            await pilot.pause()
            assert app.is_running
            assert asked == ["leave the till"]  # only Ctrl+Q asks, and only a manager may say yes
            assert "needs a manager" in screen_text(app)
        plain = app_for(kit)
        async with plain.run_test(size=(80, 25)) as pilot:
            await pilot.press("ctrl+q")
            await until(pilot, lambda: not plain.is_running, what="quit outside the kiosk")
