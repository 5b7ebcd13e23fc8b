"""Exactly once in effect with a second sender beside the daemon, and with writes OFN applies late.

Both used to double sales: a manager's `sync --once` read the counter order while the daemon's
changes were on their way and sent them again; a write OFN applied after the client had given up
on it was sent again too. The next read then took the surplus for a person's edit and kept it.
Here OFN's side is read back through the sandbox, independently of the box's bookkeeping.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from appliance import config as config_module
from appliance.store.database import open_store
from appliance.store.sync_lock import sync_pass

from .ofn_sandbox import BIN
from .test_sync_faults import assert_exact, daemon, faulty_box, sell, wait_settled

pytestmark = pytest.mark.slow


def events(config_path: Path, kind: str) -> list[tuple[str, str]]:
    db = open_store(config_module.load(config_path).store_path, create=False)
    try:
        return db.conn.execute("SELECT at, detail FROM sync_event WHERE kind = ?", (kind,)).fetchall()
    finally:
        db.close()


def sync_once(config_path: Path, log_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN), "sync", "--config", str(config_path), "--once"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"OFN_CHECKOUT_LOG_DIR": str(log_dir), "PATH": "/usr/bin:/bin"},
    )


def began_waiting(log_dir: Path, pid: int) -> bool:
    """Whether process ``pid`` has logged that it found the pass lock taken."""
    return any(
        f" {pid} INFO appliance.store.sync_lock: another sync pass is running" in log.read_text(errors="replace")
        for log in log_dir.glob("*.log")
    )


def test_sync_once_beside_the_daemon_while_selling_never_doubles(tmp_path: Path) -> None:
    faults = ("--latency-ms", "15", "--drop-rate", "0.1", "--error-rate", "*=0.05", "--fault-seed", "11")
    logs = tmp_path / "logs"
    with faulty_box(tmp_path, *faults) as (sandbox, config_path, initial):
        process = daemon(config_path, logs)
        outputs = []
        try:
            for round_no in range(16):
                sell(config_path, 10, seed=300 + round_no)
                once = sync_once(config_path, logs)
                if round_no == 8:  # one --once certain to meet a pass in progress: ours, held until it waits
                    outputs.append(run_into_a_held_pass(config_path, logs, once))
                    continue
                stdout, stderr = once.communicate(timeout=120)
                assert once.returncode in (0, 1), stderr  # 1: a fault made that pass offline
                outputs.append(stdout)
            wait_settled(config_path, deadline_s=180)
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        sandbox.faults(error_rates={}, drop_rate=0.0, latency_ms=0)
        assert "waited" in outputs[8], "the --once that met a held pass waited for it and said so"
        assert_exact(config_path, sandbox, initial)
        assert events(config_path, "rebased") == [], "none of our own changes was taken for a person's edit"


def run_into_a_held_pass(config_path: Path, logs: Path, once: subprocess.Popen[str]) -> str:
    """Hold the pass lock (after whatever pass the daemon may be in) until ``once`` has found it taken."""
    db = open_store(config_module.load(config_path).store_path, create=False)
    try:
        with sync_pass(db, wait_s=120):
            deadline = time.monotonic() + 60
            while not began_waiting(logs, once.pid):
                assert once.poll() is None, once.communicate()
                assert time.monotonic() < deadline, "the --once never reached the pass lock"
                time.sleep(0.02)  # poll interval for the log line, not a wait for an outcome
    finally:
        db.close()
    stdout, stderr = once.communicate(timeout=120)
    assert once.returncode in (0, 1), stderr
    return stdout


def test_writes_applied_late_across_daemon_kills_are_ours_not_a_persons(tmp_path: Path) -> None:
    """Answers dropped at once, changes landing 1.5 s later (inside the 5 s in-doubt window)."""
    rng = random.Random(7)
    faults = ("--latency-ms", "5", "--late-rate", "0.3", "--late-ms", "1500", "--fault-seed", "12")
    with faulty_box(tmp_path, *faults) as (sandbox, config_path, initial):
        sell(config_path, 120, seed=41)
        for round_no in range(8):
            process = daemon(config_path, tmp_path / "logs")
            time.sleep(rng.uniform(0.3, 1.5))  # a random moment: the kill point, not a wait for a result
            process.send_signal(signal.SIGKILL)
            process.wait()
            sell(config_path, 10, seed=50 + round_no)
        process = daemon(config_path, tmp_path / "logs")
        try:
            wait_settled(config_path, deadline_s=180)
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        assert sandbox.admin("GET", "stats").get("late_applied", 0) >= 5, "the fault really happened"
        assert_exact(config_path, sandbox, initial)
        assert events(config_path, "rebased") == [], "a late write of ours is never a person's edit"
