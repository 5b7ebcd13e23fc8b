"""``ofn-checkout run``'s counter builds the box's devices once its first frame is out (tui/app.py,
``device_sections``): the status bar names the configured devices from the first frame, keys typed
before the devices are built wait for them and are then acted on in order, and the devices the app
built are closed when it ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from appliance.config import Config
from appliance.till import Till
from tui.app import CheckoutApp
from tui.start import make_app
from tui.widgets.entry import Entry

from .counter_kit import Kit, counter_kit, until
from .test_counter_keys import queue_keys


def building_later(kit: Kit) -> CheckoutApp:
    """The counter as ``run`` makes it: the config's device sections, built after the first frame."""
    return make_app(kit.till, kit.config, cashier="Alice", device_sections=kit.config.devices)


def test_the_first_frame_names_the_configured_devices_before_they_are_built(
    till: Till, config: Config, tmp_path: Path
) -> None:
    with counter_kit(till, config, tmp_path) as kit:
        app = building_later(kit)
        assert app.devices.printer is None and app.devices.scale is None  # nothing built yet
        texts = [part.text for part in app.status_parts()]
        assert "Printer ok" in texts and "Scale ?" in texts, texts


async def test_devices_are_built_after_the_first_frame_and_closed_at_the_end(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with counter_kit(till, config, tmp_path) as kit:
        app = building_later(kit)
        closed: list[bool] = []
        build = CheckoutApp._build_devices

        def build_and_spy(self: CheckoutApp, sections: Any) -> None:
            build(self, sections)
            assert self.built_devices is not None
            close = self.built_devices.close
            self.built_devices.close = lambda: (closed.append(True), close())[1]  # type: ignore[method-assign]

        monkeypatch.setattr(CheckoutApp, "_build_devices", build_and_spy)
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: app.built_devices is not None, what="the devices to be built")
            assert app.devices is app.built_devices and app.device_sections is None
            assert app.devices.printer is not None and app.devices.scale is not None
            await until(pilot, lambda: app.reading is not None, what="the scale's first reading")
            assert app.unexpected == 0 and closed == []
        assert closed == [True]


async def test_keys_typed_before_the_devices_are_built_wait_for_them_in_order(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with counter_kit(till, config, tmp_path) as kit:
        app = building_later(kit)
        later: list[Any] = []
        monkeypatch.setattr(CheckoutApp, "_build_devices", lambda self, sections: later.append(sections))
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: bool(later), what="the first frame")
            queue_keys(app, "123")
            await pilot.pause(0.1)
            entry = app.screen.query_one(Entry)
            assert app.keys.held and entry.text == ""  # held while the devices are not built
            monkeypatch.undo()
            app._build_devices(later[0])
            await until(pilot, lambda: entry.text == "123", what="the held keys, in order")
            assert not app.keys.held and app.devices.printer is not None


async def test_devices_that_cannot_be_built_leave_the_till_selling(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import drivers.assembly

    def broken(sections: Any) -> Any:
        raise OSError("no such device: /dev/ttyUSB7")

    monkeypatch.setattr(drivers.assembly, "build_devices", broken)
    with counter_kit(till, config, tmp_path) as kit:
        app = building_later(kit)
        async with app.run_test(size=(80, 25), notifications=True) as pilot:
            await until(pilot, lambda: app.device_sections is None, what="the devices' turn")
            queue_keys(app, "7")
            entry = app.screen.query_one(Entry)
            await until(pilot, lambda: entry.text == "7", what="the keys, not held for devices that never come")
            said = [notification.message for notification in app._notifications]
            assert any("devices could not be set up (no such device: /dev/ttyUSB7)" in text for text in said), said
            assert app.devices.printer is None and "Printer" not in " ".join(p.text for p in app.status_parts())
