"""``ofn-checkout scale ...`` and the twin's keyboard mode, run as real processes against pty twins."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.scale_twin import ScaleTwin
from drivers.scale_twin_keys import handle_line

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "ofn-checkout"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), "scale", *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


@pytest.fixture
def link(tmp_path: Path) -> Path:
    return tmp_path / "ttyScale"


@pytest.fixture
def toledo(link: Path) -> Iterator[ScaleTwin]:
    with ScaleTwin("toledo8217", link) as twin:
        yield twin


def test_read_prints_grams_and_state_as_json(toledo: ScaleTwin, link: Path) -> None:
    toledo.show(1234)
    result = run("read", "--port", str(link), "--protocol", "toledo8217", "--json", "--timeout", "5")
    assert result.returncode == 0, result.stderr
    reading = json.loads(result.stdout)
    assert (reading["grams"], reading["state"], reading["connected"]) == (1234, "stable", True)
    assert reading["raw"] == "02 30 31 2e 32 33 34 0d"


def test_read_prints_one_line_for_a_person(link: Path) -> None:
    with ScaleTwin("nci", link) as twin:
        twin.show(800, motion=True)
        result = run("read", "--port", str(link), "--protocol", "nci", "--timeout", "5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "800 g (0.800 kg) motion - in motion"


def test_a_missing_port_exits_3_with_advice(tmp_path: Path) -> None:
    result = run("read", "--port", str(tmp_path / "absent"), "--protocol", "cas", "--timeout", "0.2")
    assert result.returncode == 3
    assert "No scale at" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_silent_scale_exits_3(toledo: ScaleTwin, link: Path) -> None:
    toledo.set_faults(mute=True)
    result = run("read", "--port", str(link), "--protocol", "toledo8217", "--timeout", "0.2", "--json")
    assert result.returncode == 3
    assert json.loads(result.stdout)["state"] == "no_answer"
    assert "did not answer" in result.stderr


def test_a_refusing_scale_exits_1(link: Path) -> None:
    with ScaleTwin("cas", link) as twin:
        twin.set_faults(nak=True)
        result = run("read", "--port", str(link), "--protocol", "cas", "--timeout", "5")
    assert result.returncode == 1
    assert "NAK" in result.stderr


def test_zero_and_tare(toledo: ScaleTwin, link: Path) -> None:
    toledo.show(40)
    zeroed = run("zero", "--port", str(link), "--protocol", "toledo8217", "--timeout", "5")
    assert (zeroed.returncode, zeroed.stdout.strip()) == (0, "zero: done")
    refused = run("tare", "--port", str(link), "--protocol", "toledo8217", "--timeout", "5")
    assert refused.returncode == 1
    assert "took no tare" in refused.stderr


def test_a_command_the_protocol_lacks_exits_3(link: Path) -> None:
    with ScaleTwin("cas", link) as twin:
        result = run("zero", "--port", str(link), "--protocol", "cas")
        assert twin.commands == []
    assert result.returncode == 3
    assert "CAS ECR cannot zero from the till" in result.stderr


def test_probe(toledo: ScaleTwin, link: Path) -> None:
    claimed = run("probe", "--port", str(link), "--protocol", "toledo8217", "--timeout", "5")
    assert (claimed.returncode, claimed.stdout.strip()) == (0, f"{link} answers as Toledo 8217")
    other = run("probe", "--port", str(link), "--protocol", "nci", "--timeout", "0.2")
    assert other.returncode == 1
    assert "no NCI SCP-01 reply" in other.stderr


def test_the_twin_runs_from_the_keyboard(link: Path) -> None:
    """``python -m drivers.scale_twin`` reads weights typed on stdin and serves them on its link."""
    twin = subprocess.Popen(
        [sys.executable, "-m", "drivers.scale_twin", "--protocol", "cas", "--link", str(link)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert twin.stdin is not None and twin.stdout is not None
        twin.stdin.write("2500\n")
        twin.stdin.flush()
        deadline = time.monotonic() + 30
        while not (line := twin.stdout.readline()).startswith("pan: 2500 g") and time.monotonic() < deadline:
            assert line, "the twin exited early"
        result = run("read", "--port", str(link), "--protocol", "cas", "--json", "--timeout", "5")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["grams"] == 2500
        twin.stdin.write("quit\n")
        twin.stdin.flush()
        assert twin.wait(timeout=30) == 0
    finally:
        if twin.poll() is None:
            twin.kill()
            twin.wait()
        for stream in (twin.stdin, twin.stdout, twin.stderr):
            if stream is not None:
                stream.close()
    assert not link.is_symlink()


def test_typed_lines_drive_the_twin(link: Path) -> None:
    twin = ScaleTwin("toledo8217", link)  # not started: lines apply directly
    try:
        handle_line(twin, "~300")
        assert twin.display().motion and twin.display().grams == 300
        handle_line(twin, "over")
        assert twin.display().over
        handle_line(twin, "echo")
        assert twin.faults.echo
        assert "not understood" in handle_line(twin, "lots")
    finally:
        twin.stop()
