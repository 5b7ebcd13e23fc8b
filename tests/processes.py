"""Servers a test starts die with the test's process, even when that process is killed (an
interrupted run must not leave an sshd or a sandbox listening behind it)."""

from __future__ import annotations

import ctypes
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """For ``preexec_fn``: the kernel sends SIGTERM to the child when the process that started it ends."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
