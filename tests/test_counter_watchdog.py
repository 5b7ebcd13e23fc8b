"""The counter under systemd: READY=1 once the first frame is drawn, then WATCHDOG=1 from the app's
own event loop, which stop while the loop is blocked (so systemd restarts a frozen till)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from appliance.cli.notify import Notifier
from appliance.config import Config
from appliance.till import Till

from .counter_kit import app_for, counter_kit, until
from .notify_socket import NotifySocket


class Listener:
    """The notify socket read in a thread of its own: the app's event loop is the one under test."""

    def __init__(self, sock: NotifySocket):
        self.sock = sock
        self.got: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self.sock.receive(0.05)
            if message is not None:
                self.got.append((time.monotonic(), message))

    def pings(self, after: float = 0.0, before: float = float("inf")) -> int:
        return sum(1 for at, message in self.got if "WATCHDOG=1" in message.splitlines() and after < at < before)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)


@pytest.fixture
def listener(tmp_path: Path) -> Listener:
    sock = NotifySocket(tmp_path)
    listen = Listener(sock)
    yield listen  # type: ignore[misc]
    listen.close()
    sock.close()


async def test_ready_then_pings_that_stop_while_the_loop_is_blocked(
    till: Till, config: Config, tmp_path: Path, listener: Listener
) -> None:
    notifier = Notifier.from_environment(listener.sock.environment(watchdog_s=0.4))  # a ping every 0.2 s
    sent: list[float] = []  # when each ping left the app (the listener's clock lags under load)
    send = notifier.ping

    def ping() -> bool:
        sent.append(time.monotonic())
        return send()

    notifier.ping = ping  # type: ignore[method-assign]
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit, notifier=notifier, kiosk=True)
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: any("READY=1" in m for _, m in listener.got), what="READY=1")
            started = time.monotonic()
            await until(pilot, lambda: listener.pings(after=started) >= 3, what="three pings on the socket")
            blocked = time.monotonic()
            time.sleep(1.5)  # the test blocks the app's event loop on purpose: a frozen till
            unblocked = time.monotonic()
            await until(pilot, lambda: sum(at > unblocked for at in sent) >= 2, what="the pings back")
    assert not [at for at in sent if blocked < at < unblocked]  # no ping while the loop was stuck
    ready = next(message for _, message in listener.got if "READY=1" in message)
    assert "STATUS=selling at Till 1" in ready
    deadline = time.monotonic() + 10
    while not any("STOPPING=1" in message for _, message in listener.got) and time.monotonic() < deadline:
        time.sleep(0.02)  # the listener's thread reads the last datagram after the app has gone
    assert any("STOPPING=1" in message for _, message in listener.got)
