"""systemd's notify protocol, against a real datagram socket: what the services tell the manager."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from appliance import config as config_module
from appliance.cli.main import main
from appliance.cli.notify import Notifier
from appliance.ofn.client import OfnClient
from appliance.ofn.daemon import Daemon
from appliance.till import Till

from .notify_socket import NotifySocket
from .ofn_sandbox import BIN, ShiftableClock, box_config, running_sandbox


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    server = NotifySocket(tmp_path)
    yield server
    server.close()


class SteppedClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_ready_and_status_reach_the_socket_in_one_datagram(notify_socket: NotifySocket) -> None:
    notifier = Notifier.from_environment(notify_socket.environment())
    assert notifier.ready("selling\non lane 1")
    assert notify_socket.receive(5) == "READY=1\nSTATUS=selling on lane 1"
    assert notifier.stopping()
    assert notify_socket.receive(5) == "STOPPING=1"


def test_an_abstract_socket_is_named_with_a_leading_at(tmp_path: Path) -> None:
    server = NotifySocket(tmp_path, abstract=True)
    try:
        assert server.address.startswith("@")
        assert Notifier.from_environment(server.environment()).ping()
        assert server.receive(5) == "WATCHDOG=1"
    finally:
        server.close()


def test_the_heartbeat_pings_often_enough_and_no_more(notify_socket: NotifySocket) -> None:
    monotonic = SteppedClock()
    notifier = Notifier(notify_socket.address, 10_000_000, monotonic=monotonic)  # WatchdogSec=10
    assert notifier.interval == 5.0, "systemd's advice: half the timeout"
    notifier.heartbeat()  # the first one goes at once: the watchdog has run since the start
    assert notify_socket.receive(5) == "WATCHDOG=1"
    monotonic.now += 2.4
    notifier.heartbeat()  # a loop turning fast does not flood the manager
    assert notify_socket.receive(0.2) is None
    monotonic.now += 0.1
    notifier.heartbeat()
    assert notify_socket.receive(5) == "WATCHDOG=1"
    monotonic.now += 4.99  # a timer every `interval` that fires a little early still pings
    notifier.heartbeat()
    assert notify_socket.receive(5) == "WATCHDOG=1"


def test_a_watchdog_meant_for_another_process_is_not_ours(notify_socket: NotifySocket) -> None:
    env = {**notify_socket.environment(watchdog_s=2), "WATCHDOG_PID": str(os.getpid() + 1)}
    assert Notifier.from_environment(env).interval is None
    env["WATCHDOG_PID"] = str(os.getpid())
    assert Notifier.from_environment(env).interval == 1.0


@pytest.mark.parametrize("value", ["", "0", "-5", "soon"])
def test_no_watchdog_without_a_usable_timeout(notify_socket: NotifySocket, value: str) -> None:
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": notify_socket.address, "WATCHDOG_USEC": value})
    assert notifier.interval is None
    notifier.heartbeat()
    assert notify_socket.receive(0.2) is None


def test_outside_systemd_nothing_is_sent_and_nothing_fails(tmp_path: Path) -> None:
    assert not Notifier.from_environment({}).enabled
    assert not Notifier.from_environment({}).ready()
    gone = Notifier(str(tmp_path / "no-such-socket"), 1_000_000)
    assert not gone.ping()  # the manager's socket went away: logged, never raised
    gone.heartbeat()


class GatedTransport(httpx.BaseTransport):
    """The real network to the sandbox, with a gate a test can close to hang every request."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.open = threading.Event()
        self.open.set()
        self.stuck = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.open.is_set():
            self.stuck.set()
            self.open.wait()
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_the_daemon_pings_from_its_loop_and_falls_silent_when_the_loop_hangs(
    tmp_path: Path, notify_socket: NotifySocket
) -> None:
    """A ping thread would go on while a request hangs; the daemon's pings come from its loop."""
    with running_sandbox(tmp_path / "ofn") as sandbox:
        config_path = box_config(tmp_path, sandbox, interval_s=1)
        assert main(["store", "init", "--training", "--config", str(config_path)]) == 0
        config = config_module.load(config_path)
        till = Till.open(config, config.store_path)
        transport = GatedTransport()
        client = OfnClient(config.ofn_base_url, sandbox.api_key, transport=transport, sleep=lambda s: None)
        notifier = Notifier(notify_socket.address, 200_000)  # WatchdogSec=0.2: a ping every 0.1 s
        daemon = Daemon(config, till.db, client, ShiftableClock(), heartbeat=notifier.heartbeat)
        stop = threading.Event()
        loop = threading.Thread(target=daemon.run_forever, args=(stop,))
        loop.start()
        try:
            notify_socket.wait_for("WATCHDOG=1")
            notify_socket.wait_for("WATCHDOG=1")
            transport.open.clear()
            assert transport.stuck.wait(30), "the daemon never made another request"
            notify_socket.quiet_for(0.3)  # a ping already on its way may still land
            assert notify_socket.quiet_for(1.5) == [], "pings went on while the loop was stuck"
            transport.open.set()
            notify_socket.wait_for("WATCHDOG=1")
        finally:
            transport.open.set()
            stop.set()
            loop.join(30)
            client.close()
            till.close()
        assert not loop.is_alive()


def longest_silence(server: NotifySocket, deadline_s: float) -> float:
    """The longest gap between two pings seen before the deadline (stops at the first gap of 1.5 s)."""
    longest, last = 0.0, time.monotonic()
    deadline = last + deadline_s
    while time.monotonic() < deadline and longest < 1.5:
        message = server.receive(max(0.0, min(deadline - time.monotonic(), 1.5 - longest)))
        now = time.monotonic()
        if message is not None and "WATCHDOG=1" in message.splitlines():
            longest, last = max(longest, now - last), now
        else:
            longest = max(longest, now - last)  # still silent: a silence that never ends counts too
    return longest


def test_the_sync_service_says_ready_pings_and_says_it_stops(tmp_path: Path, notify_socket: NotifySocket) -> None:
    """`ofn-checkout sync` as systemd runs it (Type=notify, WatchdogSec): the real process."""
    with running_sandbox(tmp_path / "ofn") as sandbox:
        config_path = box_config(tmp_path, sandbox, interval_s=1)
        assert main(["store", "init", "--training", "--config", str(config_path)]) == 0
        env = {
            **os.environ,
            **notify_socket.environment(watchdog_s=0.5),
            "OFN_CHECKOUT_LOG_DIR": str(tmp_path / "logs"),
        }
        process = subprocess.Popen(
            [str(BIN), "sync", "--config", str(config_path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            first = notify_socket.wait_for("READY=1")
            assert not any("WATCHDOG=1" in message for message in first), "pinged before it was ready"
            assert "STATUS=syncing lane 1 with " + sandbox.url in first[-1].splitlines()
            notify_socket.wait_for("WATCHDOG=1")
            sandbox.faults(latency_ms=2500)  # every request now hangs 2.5 s: so does the loop
            assert longest_silence(notify_socket, deadline_s=20) >= 1.5, "pings went on while a request hung"
            sandbox.faults(latency_ms=0)
            notify_socket.wait_for("WATCHDOG=1")
            process.send_signal(signal.SIGTERM)
            notify_socket.wait_for("STOPPING=1")
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            assert process.stderr is not None
            process.stderr.close()
