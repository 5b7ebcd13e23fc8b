"""The status light and the buzzer: what the box says to someone who is not looking at the screen.

Three LEDs (or a stack light) on GPIO outputs:

- green, steady: online, everything posted to OFN;
- amber, blinking: selling offline, sales buffered and waiting to be posted;
- red, steady: needs attention (printer out of paper, a receipt may be incomplete, sync refused).

The buzzer beeps twice for a barcode the catalogue does not know, so the cashier looks up before
bagging the item. gpiozero's pin factory is injected: MockFactory in tests and the demo. gpiozero
is imported when the lights are built, so a box without them never loads it.
"""

from __future__ import annotations

import threading
from enum import Enum
from typing import Any

DEFAULT_PINS = {"green": 17, "amber": 27, "red": 22, "buzzer": 24}


class LightState(Enum):
    OFF = "off"
    ONLINE = "online"
    BUFFERING = "buffering offline"
    ATTENTION = "needs attention"


def light_for(*, online: bool, unsynced: int, needs_attention: bool) -> LightState:
    """Attention wins over buffering, buffering over online: the light shows the worst news."""
    if needs_attention:
        return LightState.ATTENTION
    if not online or unsynced:
        return LightState.BUFFERING
    return LightState.ONLINE


class StatusLights:
    def __init__(
        self,
        green: int = DEFAULT_PINS["green"],
        amber: int = DEFAULT_PINS["amber"],
        red: int = DEFAULT_PINS["red"],
        buzzer: int | None = DEFAULT_PINS["buzzer"],
        *,
        blink_seconds: float = 0.5,
        pin_factory: Any = None,
    ):
        from gpiozero import LED, Buzzer

        made: list[Any] = []
        try:  # a pin that cannot be had must not leave the others claimed
            self.green = _made(made, LED(green, pin_factory=pin_factory))
            self.amber = _made(made, LED(amber, pin_factory=pin_factory))
            self.red = _made(made, LED(red, pin_factory=pin_factory))
            self.buzzer = _made(made, Buzzer(buzzer, pin_factory=pin_factory)) if buzzer is not None else None
        except BaseException:
            for device in made:
                device.close()
            raise
        self.blink_seconds = blink_seconds
        self.state = LightState.OFF
        self._lock = threading.Lock()

    def show(self, state: LightState) -> None:
        """Light ``state``; showing the state already lit does nothing, so a blink is not restarted."""
        with self._lock:
            if state is self.state:
                return
            self.state = state
            for led in (self.green, self.amber, self.red):
                led.off()
            if state is LightState.ONLINE:
                self.green.on()
            elif state is LightState.BUFFERING:
                self.amber.blink(on_time=self.blink_seconds, off_time=self.blink_seconds, background=True)
            elif state is LightState.ATTENTION:
                self.red.on()

    def beep_unknown_barcode(self, *, wait: bool = False) -> None:
        """Two short beeps; ``wait`` blocks until they are done (tests, or a worker thread)."""
        if self.buzzer is not None:
            self.buzzer.beep(on_time=0.08, off_time=0.08, n=2, background=not wait)

    def close(self) -> None:
        for device in (self.green, self.amber, self.red, self.buzzer):
            if device is not None:
                device.close()


def _made(made: list[Any], device: Any) -> Any:
    made.append(device)
    return device
