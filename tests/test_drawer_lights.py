"""Cash drawer, status light and buzzer on GPIO pins (gpiozero's MockFactory), and the printer's drawer kick."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from drivers.drawer import DrawerMonitor, GpioDrawer, NoDrawer, PrinterDrawer
from drivers.lights import LightState, StatusLights, light_for
from drivers.print_queue import JobState, PrintQueue
from drivers.printer import Printer, PrinterSettings
from drivers.printer_twin import PrinterTwin

WAIT = 10.0


@pytest.fixture(scope="module", autouse=True)
def escpos_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESCPOS_CAPABILITIES_PICKLE_DIR", str(tmp_path_factory.mktemp("escpos-cache")))
        yield


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = MockFactory()
    yield factory
    factory.reset()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def levels(factory: MockFactory, number: int) -> list[bool]:
    return [bool(change.state) for change in factory.pin(number).states]


def eventually(check: object, timeout: float = WAIT) -> bool:
    """Poll ``check()`` until true or a deadline on the monotonic clock (gpiozero blinks on its own thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.005)
    return False


# -- drawer ----------------------------------------------------------------------------------------


def test_a_gpio_drawer_gives_one_pulse_per_open(pins: MockFactory) -> None:
    drawer = GpioDrawer(23, pulse_ms=30, pin_factory=pins)
    try:
        pins.pin(23).clear_states()
        drawer.open()
        pins.pin(23).assert_states([False, True, False])
        drawer.open()
        pins.pin(23).assert_states([False, True, False, True, False])
        assert not drawer.relay.is_active
    finally:
        drawer.close()


def test_an_active_low_relay_is_pulled_low_for_the_pulse(pins: MockFactory) -> None:
    drawer = GpioDrawer(23, pulse_ms=10, active_high=False, pin_factory=pins)
    try:
        pins.pin(23).clear_states()
        drawer.open()
        assert levels(pins, 23) == [True, False, True]
    finally:
        drawer.close()


def test_the_printer_drawer_kicks_with_the_configured_pin_and_pulse() -> None:
    twin = PrinterTwin()
    printer = Printer(twin.connection, PrinterSettings(drawer_pin="5", pulse_ms=100))
    with PrintQueue(printer) as queue:
        drawer = PrinterDrawer(queue)
        drawer.open()
        job = drawer.last_job
        assert job is not None
        assert queue.wait_for(lambda s: s.job(job).state is JobState.PRINTED, WAIT)
    assert twin.printout().of("drawer") == [(5, 100, 500)]
    assert twin.lines == [] and twin.printout().of("cut") == []  # no paper used


def test_no_drawer_does_nothing() -> None:
    drawer = NoDrawer()
    drawer.open()
    drawer.close()


def test_a_drawer_left_open_too_long_is_reported_once_with_a_beep_then_shown(pins: MockFactory) -> None:
    clock = Clock()
    monitor = DrawerMonitor(25, warn_after=60, clock=clock, pin_factory=pins)
    switch = pins.pin(25)
    try:
        switch.drive_low()  # switch closed: drawer shut
        assert not monitor.is_open and monitor.check() is None
        switch.drive_high()  # drawer opened at t=1000
        assert monitor.is_open
        clock.now += 59
        assert monitor.check() is None
        clock.now += 66
        alert = monitor.check()
        assert alert is not None and alert.first and alert.seconds_open == 125
        assert alert.message == "Cash drawer open for 2 min 05 s: close it"
        clock.now += 5
        again = monitor.check()
        assert again is not None and not again.first and again.seconds_open == 130
        switch.drive_low()  # closed
        assert monitor.check() is None
        switch.drive_high()  # opened again at t=1130: a new opening, counted from now
        clock.now += 61
        fresh = monitor.check()
        assert fresh is not None and fresh.first and fresh.seconds_open == 61
    finally:
        monitor.close()


def test_a_switch_wired_the_other_way_round(pins: MockFactory) -> None:
    clock = Clock()
    monitor = DrawerMonitor(26, warn_after=10, closed_when_pressed=False, clock=clock, pin_factory=pins)
    try:
        pins.pin(26).drive_high()
        assert not monitor.is_open
        pins.pin(26).drive_low()
        clock.now += 10
        alert = monitor.check()
        assert monitor.is_open and alert is not None and alert.message == "Cash drawer open for 10 s: close it"
    finally:
        monitor.close()


def test_a_drawer_already_open_at_start_counts_from_start(pins: MockFactory) -> None:
    clock = Clock()
    monitor = DrawerMonitor(25, warn_after=30, clock=clock, pin_factory=pins)  # pulled up: switch open
    try:
        assert monitor.is_open
        clock.now += 30
        alert = monitor.check()
        assert alert is not None and alert.seconds_open == 30
    finally:
        monitor.close()


# -- lights and buzzer -----------------------------------------------------------------------------


@pytest.fixture
def lights(pins: MockFactory) -> Iterator[StatusLights]:
    device = StatusLights(green=17, amber=27, red=22, buzzer=24, blink_seconds=0.01, pin_factory=pins)
    yield device
    device.close()


def lit(lights: StatusLights) -> tuple[bool, bool, bool]:
    return lights.green.is_lit, lights.amber.is_lit, lights.red.is_lit


def test_online_is_green_and_attention_is_red_steady(lights: StatusLights) -> None:
    lights.show(LightState.ONLINE)
    assert lit(lights) == (True, False, False)
    lights.show(LightState.ATTENTION)
    assert lit(lights) == (False, False, True)
    lights.show(LightState.OFF)
    assert lit(lights) == (False, False, False)


def test_buffering_offline_blinks_amber_only(lights: StatusLights, pins: MockFactory) -> None:
    lights.show(LightState.BUFFERING)
    pins.pin(27).clear_states()
    assert eventually(lambda: len(pins.pin(27).states) >= 5)  # on/off changes keep coming
    changes = levels(pins, 27)
    assert changes[1:5] in ([True, False, True, False], [False, True, False, True])
    assert not lights.green.is_lit and not lights.red.is_lit
    lights.show(LightState.ONLINE)
    assert lit(lights) == (True, False, False)


def test_showing_the_same_state_again_does_not_restart_the_blink(lights: StatusLights) -> None:
    lights.show(LightState.BUFFERING)
    blinker = lights.amber._blink_thread
    lights.show(LightState.BUFFERING)
    assert lights.amber._blink_thread is blinker is not None


def test_an_unknown_barcode_beeps_twice(lights: StatusLights, pins: MockFactory) -> None:
    pins.pin(24).clear_states()
    lights.beep_unknown_barcode(wait=True)
    pins.pin(24).assert_states([False, True, False, True, False])


@pytest.mark.parametrize(
    ("online", "unsynced", "attention", "state"),
    [
        (True, 0, False, LightState.ONLINE),
        (True, 3, False, LightState.BUFFERING),
        (False, 0, False, LightState.BUFFERING),
        (False, 5, True, LightState.ATTENTION),
        (True, 0, True, LightState.ATTENTION),
    ],
)
def test_the_light_shows_the_worst_news(online: bool, unsynced: int, attention: bool, state: LightState) -> None:
    assert light_for(online=online, unsynced=unsynced, needs_attention=attention) is state
