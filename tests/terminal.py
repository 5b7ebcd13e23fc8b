"""A real terminal for end-to-end tests: a tmux server of the test's own (``-L``), 80×25, keys sent
as a person or a scanner sends them, the screen read with ``capture-pane``; and the processes a
test started, found by a marker in their command line or environment."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

TIMEOUT = 30.0


class Terminal:
    """A tmux server of its own with one 80×25 window."""

    def __init__(self, env: dict[str, str]):
        self.socket = f"ofn-e2e-{uuid.uuid4().hex[:12]}"
        self.env = env

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
            check=True,
        )
        return result.stdout

    def start(self, command: str, *, status_line: bool = False) -> None:
        """``status_line``: the shell prints ``exited with status N`` when the command ends."""
        if status_line:
            command = f'{command}; echo "exited with status $?"'
        # remain-on-exit: once the command ends, the pane stays to show what it left
        self.tmux("new-session", "-d", "-s", "e2e", "-x", "80", "-y", "25", command)
        self.tmux("set-option", "-w", "-t", "e2e", "remain-on-exit", "on")

    def respawn(self, command: str) -> None:
        """Start ``command`` again in the dead pane (after the first one was killed)."""
        self.tmux("respawn-pane", "-k", "-t", "e2e", command)

    def keys(self, *keys: str) -> None:
        """One send-keys: the keys arrive together, as a scanner's burst does."""
        self.tmux("send-keys", "-t", "e2e", *keys)

    def type(self, text: str) -> None:
        """One key at a time, as a person types."""
        for char in text:
            self.tmux("send-keys", "-t", "e2e", "-l", char)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "e2e")

    def dead(self) -> bool:
        """Whether the command has ended, as far as tmux knows: it marks a pane dead when its pty
        closes. How it ended tmux learns only when it reaps the child, and on a loaded machine it was
        seen never to learn it: a test that needs the status starts the command with
        ``status_line=True`` and reads it on the screen."""
        return self.tmux("display-message", "-p", "-t", "e2e", "#{pane_dead}").strip() == "1"

    def wait_for(self, what: str | tuple[str, ...] | Callable[[str], bool], timeout: float = TIMEOUT) -> str:
        """The first screen that shows ``what``: a text, every text of a tuple, or what a check accepts.

        A tuple waits for texts that come in different frames (a dialog, then its footer's keys):
        asserting the second on the screen that showed the first was seen to fail."""
        if callable(what):
            check = what
        else:
            wanted = (what,) if isinstance(what, str) else what
            check = lambda text: all(part in text for part in wanted)  # noqa: E731
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if check(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed {what!r}; it shows:\n{text}")
            time.sleep(0.05)  # poll interval, not a wait for something to happen

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, env=self.env, check=False)


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else f"(no {path})"


def demo_processes(data: Path) -> dict[int, str]:
    """Processes of this demo (its data dir in their command line or environment), tmux aside."""
    marker = str(data)
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if (entry / "comm").read_text().startswith("tmux"):
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in command or marker.encode() in environ:
            found[int(entry.name)] = command.strip()
    return found


def until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT, explain: Callable[[], str] = str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{explain()}")
        time.sleep(0.1)
