"""A stand-in for systemd's notify socket: a datagram socket in a temp dir that records what it gets.

Shared by the tests of the sync daemon and of the counter screen: start a process (or a loop)
with ``NOTIFY_SOCKET`` and ``WATCHDOG_USEC`` from :meth:`NotifySocket.environment`, then wait for
the messages systemd would see.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from pathlib import Path

#: sockaddr_un holds 108 bytes; pytest's temp dirs can be longer than that.
_MAX_PATH = 100


class NotifySocket:
    def __init__(self, directory: Path, *, abstract: bool = False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"ofn-checkout-test-{os.getpid()}-{id(self)}"
            self.sock.bind("\0" + name)
            self.address = "@" + name
            self._dir: str | None = None
        else:
            path = directory / "notify"
            if len(str(path)) > _MAX_PATH:
                self._dir = tempfile.mkdtemp(prefix="notify-")
                path = Path(self._dir) / "notify"
            else:
                self._dir = None
            self.sock.bind(str(path))
            self.address = str(path)
        self.messages: list[str] = []

    def environment(self, watchdog_s: float | None = None) -> dict[str, str]:
        env = {"NOTIFY_SOCKET": self.address}
        if watchdog_s is not None:
            env["WATCHDOG_USEC"] = str(int(watchdog_s * 1_000_000))
        return env

    def receive(self, timeout: float) -> str | None:
        """The next datagram within ``timeout`` seconds, or None."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096).decode()
        except TimeoutError:
            return None
        self.messages.append(data)
        return data

    def wait_for(self, wanted: str, deadline_s: float = 30.0) -> list[str]:
        """Every datagram up to and including the first holding the line ``wanted``."""
        seen: list[str] = []
        deadline = time.monotonic() + deadline_s
        while (left := deadline - time.monotonic()) > 0:
            message = self.receive(left)
            if message is None:
                break
            seen.append(message)
            if wanted in message.splitlines():
                return seen
        raise AssertionError(f"no {wanted} within {deadline_s} s; got {seen}")

    def quiet_for(self, seconds: float) -> list[str]:
        """What arrived during ``seconds`` (to show that nothing did)."""
        got: list[str] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            message = self.receive(left)
            if message is not None:
                got.append(message)
        return got

    def close(self) -> None:
        self.sock.close()
        if self._dir is not None:
            for leftover in Path(self._dir).iterdir():
                leftover.unlink()
            os.rmdir(self._dir)
