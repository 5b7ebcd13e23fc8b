"""One sync pass at a time: the lock every sending command takes, across real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from appliance.cli.main import main
from appliance.store.database import open_store
from appliance.store.sync_lock import POLL_S, SyncBusy, lock_path, sync_pass

HOLD = """
import sys, time
from pathlib import Path
from appliance.store.database import open_store
from appliance.store.sync_lock import sync_pass
db = open_store(Path(sys.argv[1]))
with sync_pass(db, wait_s=0):
    print("holding", flush=True)
    sys.stdin.read()  # until the test closes our stdin, or kills us
"""


@contextmanager
def holder(db_file: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process in the middle of a pass: it holds the lock until told or killed."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db_file)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None and process.stdout.readline() == "holding\n"
            yield process
        finally:
            process.kill()


@pytest.fixture
def db_file(tmp_path: Path, config_file: Path) -> Path:
    """A lane's store made as support staff make it, with an API key file beside the config."""
    assert main(["store", "init", "--config", str(config_file)]) == 0
    key = tmp_path / "api.key"
    key.write_text("0123456789abcdef0123456789abcdef0123456789abcdef")
    key.chmod(0o600)
    return tmp_path / "till.db"


def test_a_second_pass_is_refused_naming_the_process_that_runs(db_file: Path) -> None:
    with holder(db_file) as process:
        db = open_store(db_file)
        try:
            with pytest.raises(SyncBusy) as busy, sync_pass(db, wait_s=0.2):
                pass
        finally:
            db.close()
        assert busy.value.pid == process.pid and f"(pid {process.pid})" in str(busy.value)
        assert busy.value.waited_s >= 0.2


def test_a_lock_a_killed_process_held_is_free_at_once(db_file: Path) -> None:
    with holder(db_file) as process:
        process.send_signal(signal.SIGKILL)
        process.wait()
        db = open_store(db_file)
        try:
            with sync_pass(db, wait_s=0) as waited:
                assert waited < POLL_S, "no poll: the kernel freed the dead holder's lock"
                assert lock_path(db).read_text().strip() == str(os.getpid())
        finally:
            db.close()


def test_a_pass_waits_for_the_running_one_to_end(db_file: Path) -> None:
    """The waiting side polls with an injected clock: no real time passes in this test."""
    with holder(db_file) as process:
        now = [0.0]

        def sleep(seconds: float) -> None:
            now[0] += seconds
            if now[0] >= 1.0 and process.poll() is None:  # the other pass ends after a simulated second
                assert process.stdin is not None
                process.stdin.close()
                process.wait()

        db = open_store(db_file)
        try:
            with sync_pass(db, wait_s=5, monotonic=lambda: now[0], sleep=sleep) as waited:
                assert 1.0 <= waited < 5
        finally:
            db.close()


def test_sync_retry_and_once_refuse_in_words_while_a_pass_runs(
    db_file: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a manager sees over SSH when the daemon is mid-pass: one line, exit 3, nothing changed."""
    with holder(db_file) as process:
        for command in (["retry", "--wait", "0.1"], ["--once", "--wait", "0.1"]):
            assert main(["sync", "--config", str(config_file), *command]) == 3, command
            err = capsys.readouterr().err
            assert f"a sync pass is already running (pid {process.pid})" in err and "Traceback" not in err
