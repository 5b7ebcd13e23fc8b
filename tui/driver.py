"""Textual's terminal driver, handing the keys it reads to the app in one go.

Textual's input thread parses what the terminal sent and posts each key to the app as a coroutine
of its own (``asyncio.run_coroutine_threadsafe``): a task made and run by the app's event loop for
every key, each waking the loop. A keyboard-wedge scan is fourteen keys in one burst, so the loop
made and ran fourteen tasks before the first digit reached the entry; the keyboard scan showed its
line 0.4 ms later than with a plain post (bench/counter_scan.py, docs/benchmarks.md).

:class:`KeysAtOnce` puts what the thread reads into a list and wakes the loop once; the loop posts
every message in the list, in the order read, to the app's queue. Nothing else changes: the same
parser, the same messages, the same order (tests/test_counter_keys.py holds the keys' order).
The names used are Textual's, of the version pinned in provisioning/constraints.txt.
"""

from __future__ import annotations

import threading

from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message


class KeysAtOnce(LinuxDriver):
    """The Linux driver, its messages handed over in batches: one wake of the loop per batch."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lock = threading.Lock()
        self._outbox: list[Message] = []

    def send_message(self, message: Message) -> None:
        """Called on the input thread: queue ``message``; the first one of a batch wakes the loop."""
        with self._lock:
            self._outbox.append(message)
            if len(self._outbox) > 1:
                return  # the loop has been woken for this batch and has not taken it yet
        self._loop.call_soon_threadsafe(self._hand_over)

    def _hand_over(self) -> None:
        """On the app's loop: every message read since the last batch, in order, to the app's queue."""
        with self._lock:
            batch, self._outbox = self._outbox, []
        for message in batch:
            self._app.post_message(message)
