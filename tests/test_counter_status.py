"""The status bar and the one-line alerts: what the cashier learns of OFN, the printer and the scale."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from appliance.config import Config
from appliance.store.sync_state import Status
from appliance.till import Till
from drivers.scale.reading import Reading, State, no_answer
from tui.messages import SyncChanged
from tui.widgets.status_bar import Part, printer_part, scale_part, status_line, status_parts, sync_part

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


OFFLINE_AT_THE_COUNTER = [
    Part("Till 1 · Chloé"),
    Part("TRAINING", "warn"),
    Part("OFN offline 1 waiting 4s", "warn"),
    Part("Printer ok", device=True),
    Part("Scale ok", device=True),
    Part("Drawer shut", device=True),
]


def test_an_80_column_bar_says_the_devices_together_rather_than_cut_one() -> None:
    """What the demo's bar showed offline on the console: 94 cells, cut at "Scale"."""
    assert status_line(OFFLINE_AT_THE_COUNTER, 0).cell_len > 80
    line = status_line(OFFLINE_AT_THE_COUNTER, 80).plain
    assert line == "Till 1 · Chloé| TRAINING | OFN offline 1 waiting 4s |Devices ok"
    unplugged = [*OFFLINE_AT_THE_COUNTER[:4], Part("Scale unplugged", "bad", device=True), OFFLINE_AT_THE_COUNTER[5]]
    assert status_line(unplugged, 80).plain.endswith("| Scale unplugged |others ok")


DEVICES = st.sampled_from(
    [
        Part("Printer ok", device=True),
        Part("Printer no paper", "bad", device=True),
        Part("Scale ok", device=True),
        Part("Scale over", "warn", device=True),
        Part("Drawer shut", device=True),
        Part("Drawer OPEN", "bad", device=True),
    ]
)


@given(
    cashier=st.text(st.characters(codec="utf-8", categories=("L",)), max_size=30),
    sync=st.sampled_from(["OFN online", "OFN offline 12 waiting 2h05", "OFN: needs attention 3 waiting"]),
    devices=st.lists(DEVICES, max_size=3, unique_by=lambda part: part.text.split()[0]),
    squeeze=st.integers(min_value=-10, max_value=60),
)
def test_the_bar_fits_its_width_and_cuts_a_problem_only_when_nothing_else_would_do(
    cashier: str, sync: str, devices: list[Part], squeeze: int
) -> None:
    parts = [Part(f"Till 1 · {cashier}"), Part(sync, "ok" if "online" in sync else "warn"), *devices]
    width = max(10, status_line(parts, 0).cell_len - squeeze)  # around where the line stops fitting
    line = status_line(parts, width)
    assert line.cell_len <= width
    full = status_line(parts, 0)
    if full.cell_len <= width:
        assert line.plain == full.plain  # room enough: nothing is squeezed
    problems = [part for part in parts if part.level != "ok"]
    essentials = [part for part in parts if not (part.device and part.level == "ok")]
    if status_line(essentials, 0).cell_len <= width:
        assert all(part.text in line.plain for part in problems)  # every problem said in full


async def test_the_counters_bar_fits_a_narrow_screen(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=True, printer=True) as kit:
        app = app_for(kit)
        async with app.run_test(size=(64, 25)) as pilot:
            await until(pilot, lambda: app.sync is not None)
            app.post_message(SyncChanged(status("offline", pending=12, oldest=7500)))
            await until(pilot, lambda: "OFN offline 12 waiting 2h05" in screen_text(app), what="the offline bar")
            top = screen_text(app).splitlines()[0]
            assert "…" not in top and top.rstrip().endswith("|Printer+Scale ok")  # the devices said, none cut


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
