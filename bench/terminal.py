"""A program on a pseudo-terminal, timed from outside: write key bytes, wait for text to be drawn.

The counter benchmarks time what a cashier sees, not what the test driver waits for: the program
runs on a pty of its own (as on the box's console), the benchmark writes the bytes a keyboard or a
scanner would send into the pty's master side, and the sample ends when the text the key should
bring appears in the bytes the program writes back. ``await pilot.press()`` would time Textual's
test driver instead (tens of milliseconds of its own waiting).

Only enough of the terminal stream is parsed to find text in it: colour changes (SGR) are dropped,
every other escape sequence (a cursor move, a mode switch) becomes a line break, so two pieces of
text that the screen shows apart are never read as one. The read loop and the timing share one
thread: a sample's end is the time the ``read()`` that completed the text returned.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

SGR = re.compile(rb"\x1b\[[0-9;:]*m")
OTHER_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>@-Z\\^_]"
)

#: Bytes a terminal sends for the keypad keys the counter uses.
KEY_BYTES = {"enter": b"\r", "plus": b"+", "minus": b"-", "asterisk": b"*", "slash": b"/", "backspace": b"\x7f"}


class Timeout(Exception):
    """The text did not appear in time: the program is stuck, or showed something else."""


class Refused(Exception):
    """The program showed one of the texts that say the key did not do what was asked."""


Text = str | re.Pattern[str]  # text to find as it is, or a pattern


def _shows(shown: str, text: Text) -> bool:
    return text in shown if isinstance(text, str) else text.search(shown) is not None


def _said(shown: str, tail: int = 1500) -> str:
    return " | ".join(line.strip() for line in shown.splitlines() if line.strip())[-tail:]


def plain(raw: bytes) -> str:
    """The text in a stretch of terminal output: colours dropped, every other escape a line break."""
    return OTHER_ESCAPES.sub(b"\n", SGR.sub(b"", raw)).decode("utf-8", errors="replace")


class PtyProgram:
    """One program on a pty of ``columns`` x ``rows``; ``close`` ends it (SIGTERM, then SIGKILL)."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        columns: int = 80,
        rows: int = 25,
        cwd: Path | None = None,
    ):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.started = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: a session of its own with the pty as its controlling terminal
            try:
                os.close(master)
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(slave, fd)
                if slave > 2:
                    os.close(slave)
                if cwd is not None:
                    os.chdir(cwd)
                os.execve(argv[0], list(argv), dict(env))
            finally:
                os._exit(127)
        os.close(slave)
        self.pid = pid
        self.fd = master
        self.output = bytearray()  # everything read since the last mark()
        self.returncode: int | None = None

    # -- reading -----------------------------------------------------------------------------------

    def _read(self, timeout: float) -> float | None:
        """Read what is there (waiting up to ``timeout``); the time the read returned, None if nothing."""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return None
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the program closed the terminal (it ended)
            chunk = b""
        now = time.perf_counter()
        if not chunk:
            self._reap(block=True)
            raise Timeout(f"the program ended (exit {self.returncode}); its last output: {plain(self.output)[-400:]!r}")
        self.output += chunk
        return now

    def drain(self, seconds: float = 0.0) -> None:
        """Read and forget output for ``seconds`` (at least what is pending), so the program never
        blocks on a full pty while the benchmark pauses."""
        deadline = time.perf_counter() + seconds
        while True:
            left = deadline - time.perf_counter()
            if self._read(max(left, 0)) is None and left <= 0:
                break
        self.output.clear()

    def mark(self) -> None:
        """Forget what was read so far: text is looked for only in what comes after."""
        self.drain()

    def wait_for(self, *texts: Text, timeout: float = 10.0, refused: tuple[str, ...] = ()) -> float:
        """The time (perf_counter) the read that completed every one of ``texts`` returned.

        Raises :class:`Refused` as soon as one of ``refused`` shows instead (the program said no),
        :class:`Timeout` when neither came in time.
        """
        deadline = time.perf_counter() + timeout
        while True:
            shown = plain(self.output)
            if all(_shows(shown, text) for text in texts):
                return self._last_read
            if any(text in shown for text in refused):
                raise Refused(_said(shown))
            left = deadline - time.perf_counter()
            if left <= 0:
                raise Timeout(f"{texts!r} not shown within {timeout} s; the screen said: {_said(shown)!r}")
            at = self._read(left)
            if at is not None:
                self._last_read = at

    _last_read = 0.0

    # -- writing -----------------------------------------------------------------------------------

    def write(self, data: bytes) -> float:
        """Send bytes as the keyboard would; the time (perf_counter) just before the write."""
        now = time.perf_counter()
        os.write(self.fd, data)
        return now

    def key_to_text(self, data: bytes, *texts: Text, timeout: float = 10.0, refused: tuple[str, ...] = ()) -> float:
        """Seconds from writing ``data`` until ``texts`` are all drawn."""
        self.mark()
        sent = self.write(data)
        return self.wait_for(*texts, timeout=timeout, refused=refused) - sent

    # -- the process -------------------------------------------------------------------------------

    def rss_kib(self) -> int:
        """The program's resident memory (VmRSS) now."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for process {self.pid}")

    def cpu_seconds(self) -> float:
        """CPU time the program has used so far (user + system, every thread; 10 ms steps)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _reap(self, *, block: bool) -> bool:
        if self.returncode is not None:
            return True
        pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        if pid == 0:
            return False
        self.returncode = os.waitstatus_to_exitcode(status)
        return True

    def close(self, *, grace: float = 5.0) -> int | None:
        """End the program (SIGTERM, then SIGKILL after ``grace`` seconds) and release the pty."""
        if not self._reap(block=False):
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.perf_counter() + grace
            while not self._reap(block=False):
                if time.perf_counter() > deadline:
                    os.kill(self.pid, signal.SIGKILL)
                    self._reap(block=True)
                    break
                try:
                    self._read(0.05)
                except Timeout:
                    pass
        os.close(self.fd)
        return self.returncode

    def __enter__(self) -> PtyProgram:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
