"""SIGKILL ``simulate`` at random moments: nothing the till reported as done is lost or half-written,
and the head witness beside the key is never ahead of the journal (so it never fails verify)."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from appliance.config import Config
from appliance.store.witness import State
from appliance.till import Till

from .conftest import env_without_config

KILLS = 24
LINE = re.compile(r"^(sale|return) (\d+) -?\d+\.\d\d$")


def run_and_kill(
    command: list[str], delay: float, env: dict[str, str], *, reports: re.Pattern[str] = LINE, trading: bool = False
) -> list[re.Match[str]]:
    """Start ``simulate``, SIGKILL it after ``delay`` seconds; the lines it printed that match ``reports``
    (what it reported as done).

    ``trading``: the delay starts once the run has reported something, so the kill lands in the middle
    of trading however slow the machine is, not in a start-up that a loaded machine drags out.
    """
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    deadline = time.monotonic() + 120
    while trading and not any(reports.match(line.rstrip("\n")) for line in list(printed)):
        assert process.poll() is None, "simulate ended before it reported anything"
        assert time.monotonic() < deadline, "simulate reported nothing in 120 s"
        time.sleep(0.01)  # poll interval for its output, not a wait for an outcome
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    reader.join(timeout=10)
    process.stdout.close()  # type: ignore[union-attr]
    return [m for line in printed if (m := reports.match(line.rstrip("\n")))]


def assert_consistent(config: Config, printed: set[int]) -> None:
    if not config.store_path.exists():
        assert not printed  # killed while the first run set the store up: the next run finishes it
        return
    till = Till.open(config, write=False)
    try:
        c = till.connection
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert till.witness is not None
        witnessed = till.witness.read()
        verdict = till.verify()
        assert verdict.ok and not verdict.warnings, [str(f) for f in verdict.findings] + verdict.warnings
        # The witness names an entry the journal holds, with its hash: never one beyond its end.
        assert witnessed.state is State.OK
        assert c.execute("SELECT hash FROM journal WHERE seq = ?", (witnessed.seq,)).fetchone() == (witnessed.hash,)
        numbers = {row[0] for row in c.execute("SELECT number FROM sale")}
        assert printed <= numbers, f"reported but lost: {sorted(printed - numbers)[:5]}"
        assert numbers == set(range(1, len(numbers) + 1))  # gap-less
        half_written = c.execute(
            """
            WITH lines AS (SELECT sale_id, SUM(amount) AS amount FROM sale_line GROUP BY sale_id),
                 paid AS (SELECT sale_id, SUM(amount) AS amount FROM payment GROUP BY sale_id),
                 queued AS (SELECT journal_seq, COUNT(*) AS n FROM outbox GROUP BY journal_seq)
            SELECT s.number FROM sale AS s
            LEFT JOIN lines AS l ON l.sale_id = s.id
            LEFT JOIN paid AS p ON p.sale_id = s.id
            LEFT JOIN queued AS q ON q.journal_seq = s.id
            WHERE l.amount IS NULL OR s.total != l.amount OR s.total != COALESCE(p.amount, 0)
               OR COALESCE(q.n, 0) != 1
            """
        ).fetchall()
        assert half_written == []
        for kind, table in (
            ("shift_open", "shift"),
            ("shift_close", "shift_close"),
            ("cash_in', 'cash_out", "cash_movement"),
        ):
            entries = {row[0] for row in c.execute(f"SELECT seq FROM journal WHERE kind IN ('{kind}')")}
            rows = {row[0] for row in c.execute(f"SELECT journal_seq FROM {table}")}
            assert entries == rows, table
        assert c.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == len(numbers)
    finally:
        till.close()


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing(config_file: Path, config: Config, tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261123")))
    env = env_without_config(tmp_path)
    command = [
        sys.executable,
        "-m",
        "appliance.cli",
        "simulate",
        "--config",
        str(config_file),
        "--sales",
        "100000",
        "--seed",
        "4",
        "--start",
        "2026-03-02T06:00",
        "--pace",
        "20",
        "--shift-size",
        "40",
    ]
    printed: set[int] = set()
    for kill in range(KILLS):
        trading = kill % 4 != 0  # one kill in four during start-up, the others in the middle of trading
        delay = rng.uniform(0.0, 1.3) if trading else rng.uniform(0.0, 0.5)
        printed.update(int(m[2]) for m in run_and_kill(command, delay, env, trading=trading))
        assert_consistent(config, printed)
    print(f"{KILLS} kills, {len(printed)} sales reported and all found")
