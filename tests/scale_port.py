"""What the scale tests put below the wire: a clock that moves only when told, a scripted port."""

from __future__ import annotations

from collections.abc import Callable


class SteppingClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ScriptedPort:
    """Below the wire: each write queues the scripted answer, handed out ``chunk`` bytes per read.

    An empty read advances the clock by a tick, as a real port's read timeout would.
    """

    def __init__(self, answer: Callable[[bytes], bytes], clock: SteppingClock, chunk: int = 4096):
        self._answer = answer
        self._clock = clock
        self._chunk = chunk
        self._queued = b""
        self.written: list[bytes] = []

    @property
    def in_waiting(self) -> int:
        return min(len(self._queued), self._chunk)

    def read(self, size: int = 1) -> bytes:
        data, self._queued = self._queued[:size], self._queued[size:]
        if not data:
            self._clock.now += 0.05
        return data

    def write(self, data: bytes) -> int:
        self.written.append(data)
        self._queued += self._answer(data)
        return len(data)
