"""The unit files systemd runs the box with: valid for systemd, and running what the docs say."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = sorted((Path(__file__).resolve().parents[1] / "systemd").glob("*.service"))
INSTALLED = "/opt/ofn-checkout/.venv/bin/ofn-checkout"


def test_there_are_units_to_check() -> None:
    assert [unit.name for unit in UNITS] == ["ofn-checkout-sync.service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_accepts_the_unit_without_a_warning(unit: Path, tmp_path: Path) -> None:
    """``verify`` checks every key and that the command exists; here, the test's own install."""
    text = unit.read_text()
    assert INSTALLED in text, "units run the box's install under /opt/ofn-checkout"
    copy = tmp_path / unit.name
    copy.write_text(text.replace(INSTALLED, str(Path(sys.executable).parent / "ofn-checkout")))
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert unit.name not in result.stderr, f"systemd warns about the unit: {result.stderr}"


def test_a_garbled_key_is_what_the_check_catches(tmp_path: Path) -> None:
    copy = tmp_path / "broken.service"
    copy.write_text(
        UNITS[0]
        .read_text()
        .replace(INSTALLED, str(Path(sys.executable).parent / "ofn-checkout"))
        .replace("Nice=10", "Nicee=10")
    )
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert "Unknown key 'Nicee'" in result.stderr


def test_the_sync_daemon_runs_below_the_till_and_comes_back_after_a_crash() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(UNITS[0])
    service = unit["Service"]
    assert service["ExecStart"] == f"{INSTALLED} sync"
    assert int(service["Nice"]) > 0, "a catalogue refresh must not take the CPU a sale needs"
    assert service["Restart"] == "always"
    assert service["User"] != "root"
