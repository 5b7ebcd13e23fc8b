"""systemd's notify protocol (sd_notify): tell the service manager we are ready, alive, stopping.

The box's two services are ``Type=notify`` with a ``WatchdogSec``: systemd starts the next unit
only once the process says ``READY=1``, and kills and restarts it when the ``WATCHDOG=1`` pings
stop. The pings must come from the loop that does the work (the sync daemon's loop, the counter
screen's event loop), never from a thread of their own: a thread would go on pinging while the
loop it vouches for is stuck, and a hung till would never be restarted.

The protocol is one datagram of ``KEY=value`` lines to the AF_UNIX socket named in
$NOTIFY_SOCKET (a leading ``@`` means Linux's abstract namespace); $WATCHDOG_USEC says how often
systemd wants a ping, and $WATCHDOG_PID, when set, which process it wants it from. A dozen lines
of the standard library, so neither service needs a dependency for it (``systemd-python`` builds
against libsystemd, ``sdnotify`` has not been released since 2017). Outside systemd (a test, a
terminal) every call does nothing and returns False.

How a loop uses it (the sync command and the counter screen both)::

    notifier = Notifier.from_environment()
    ...                                  # open the store, the devices
    notifier.ready("selling")
    while running:                       # a loop that turns at least every notifier.interval s,
        notifier.heartbeat()             # or a timer on the event loop every notifier.interval s
    notifier.stopping()

:meth:`Notifier.heartbeat` may be called as often as one likes: it sends a ping only when half an
interval has passed since the last one, so a timer firing a little early still pings every time.

It lives in ``appliance.cli`` because the processes that use it are started by commands: the sync
daemon (``appliance.ofn``, which may not import the CLI) is handed :meth:`Notifier.heartbeat` as a
plain callback, and the counter screen (``tui``) may import anything of ``appliance``.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


class Notifier:
    """The notify socket of this process's service, or nothing (``address`` None: not under systemd)."""

    def __init__(
        self,
        address: str | None,
        watchdog_usec: int | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.address = address
        #: Seconds between two pings: half the watchdog's timeout, as systemd advises; None: no watchdog.
        self.interval = watchdog_usec / 2_000_000 if watchdog_usec else None
        self._monotonic = monotonic
        self._last_ping: float | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        """The notifier systemd set up for this process (its environment), or one that does nothing."""
        env = os.environ if environ is None else environ
        return cls(env.get("NOTIFY_SOCKET") or None, _watchdog_usec(env))

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *assignments: str) -> bool:
        """Send ``KEY=value`` lines in one datagram; False (and nothing raised) if it could not be sent.

        A service must never fall over because its manager's socket went away; the watchdog will
        say so soon enough if it matters.
        """
        if self.address is None:
            return False
        address = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(address)
                sock.sendall("\n".join(assignments).encode("utf-8"))
        except OSError as exc:
            log.warning("could not notify systemd (%s): %s", self.address, exc)
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        """Start-up is over: systemd marks the unit started (and units ordered after it may start).

        It does not count as a ping: the watchdog's clock has run since the process started, so the
        next :meth:`heartbeat` pings at once.
        """
        return self.send("READY=1", *([f"STATUS={_one_line(status)}"] if status else []))

    def status(self, text: str) -> bool:
        """One line `systemctl status` shows beside the unit."""
        return self.send(f"STATUS={_one_line(text)}")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")

    def ping(self) -> bool:
        """``WATCHDOG=1`` now."""
        self._last_ping = self._monotonic()
        return self.send("WATCHDOG=1")

    def heartbeat(self) -> None:
        """Ping the watchdog unless it was pinged less than half an interval ago; cheap to call often."""
        if self.interval is None or self.address is None:
            return
        if self._last_ping is None or self._monotonic() - self._last_ping >= self.interval / 2:
            self.ping()


def _watchdog_usec(env: Mapping[str, str]) -> int | None:
    """$WATCHDOG_USEC, if it is meant for this process ($WATCHDOG_PID unset or ours) and valid."""
    pid = env.get("WATCHDOG_PID")
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec if usec > 0 else None


def _one_line(text: str) -> str:
    return " ".join(text.split())
