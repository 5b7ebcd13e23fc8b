"""The unit files systemd runs the box with: valid for systemd, hardened, and running what the docs say."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

import pytest

SYSTEMD = Path(__file__).resolve().parents[1] / "systemd"
UNITS = sorted([*SYSTEMD.glob("*.service"), *SYSTEMD.glob("*.timer")])
SERVICES = [unit for unit in UNITS if unit.suffix == ".service"]
INSTALLED = "/opt/ofn-checkout/current/bin/ofn-checkout"
BOX_CONFIG = "/etc/ofn-checkout/config.toml"
MAX_EXPOSURE = 4.0
JOURNALD = Path("/lib/systemd/systemd-journald")


def test_there_are_units_to_check() -> None:
    assert [unit.name for unit in UNITS] == [
        "ofn-checkout-backup.service",
        "ofn-checkout-backup.timer",
        "ofn-checkout-kiosk.service",
        "ofn-checkout-sync.service",
    ]


def local_copy(unit: Path, directory: Path, text: str | None = None) -> Path:
    """The unit with this test's install in place of the box's: ``verify`` checks the command exists."""
    text = unit.read_text() if text is None else text
    copy = directory / unit.name
    copy.write_text(text.replace(INSTALLED, str(Path(sys.executable).parent / "ofn-checkout")))
    return copy


def read_unit(unit: Path) -> configparser.ConfigParser:
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str  # type: ignore[assignment,method-assign]
    parsed.read(unit)
    return parsed


def exposure(unit: Path) -> float:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(unit)], capture_output=True, text=True, timeout=60
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", result.stdout)
    assert found, result.stdout + result.stderr
    return float(found.group(1))


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_accepts_the_unit_without_a_warning(unit: Path, tmp_path: Path) -> None:
    """``verify`` checks every key and that the command exists (a timer, that its service does)."""
    for service in SERVICES:  # the timer's service must be beside it
        local_copy(service, tmp_path)
    copy = local_copy(unit, tmp_path)
    if unit.suffix == ".service":
        assert INSTALLED in unit.read_text(), "units run the box's install under /opt/ofn-checkout"
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert unit.name not in result.stderr, f"systemd warns about the unit: {result.stderr}"


@pytest.mark.parametrize("unit", SERVICES, ids=lambda unit: unit.name)
def test_every_service_is_hardened_below_the_exposure_bound(unit: Path, tmp_path: Path) -> None:
    assert exposure(local_copy(unit, tmp_path)) <= MAX_EXPOSURE


def test_the_exposure_check_catches_a_service_without_its_hardening(tmp_path: Path) -> None:
    hardening = re.compile(r"^(Protect|Private|Restrict|SystemCall|Capability|NoNew|Lock|Memory|Device|Remove)", re.M)
    unit = SYSTEMD / "ofn-checkout-sync.service"
    bare = "\n".join(line for line in unit.read_text().splitlines() if not hardening.match(line))
    assert exposure(local_copy(unit, tmp_path, bare)) > MAX_EXPOSURE


def test_a_garbled_key_is_what_the_check_catches(tmp_path: Path) -> None:
    unit = SYSTEMD / "ofn-checkout-sync.service"
    copy = local_copy(unit, tmp_path, unit.read_text().replace("Nice=10", "Nicee=10"))
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert "Unknown key 'Nicee'" in result.stderr


def test_the_sync_daemon_runs_below_the_till_under_its_watchdog() -> None:
    service = read_unit(SYSTEMD / "ofn-checkout-sync.service")["Service"]
    assert service["ExecStart"] == f"{INSTALLED} sync --config {BOX_CONFIG}"
    assert int(service["Nice"]) > 0, "a catalogue refresh must not take the CPU a sale needs"
    assert service["Restart"] == "always"
    assert service["User"] != "root"
    assert (service["Type"], service["NotifyAccess"]) == ("notify", "main")
    assert int(service["WatchdogSec"]) > 0
    assert service["PrivateDevices"] == "yes", "the daemon needs no device"


def test_the_counter_screen_takes_tty1_and_gives_it_back_when_it_fails() -> None:
    unit = read_unit(SYSTEMD / "ofn-checkout-kiosk.service")
    service = unit["Service"]
    assert service["ExecStart"] == f"{INSTALLED} run --kiosk --config {BOX_CONFIG}"
    assert service["StandardError"] == "tty", "Textual draws the screen on stderr"
    assert (service["Type"], service["NotifyAccess"], service["Restart"]) == ("notify", "main", "always")
    assert int(service["WatchdogSec"]) > 0
    assert service["TTYPath"] == "/dev/tty1"
    assert service["StandardInput"] == "tty-force"
    assert unit["Unit"]["Conflicts"] == "getty@tty1.service"
    assert unit["Unit"]["OnFailure"] == "getty@tty1.service"
    assert service["User"] != "root"
    assert set(service["SupplementaryGroups"].split()) == {"input", "dialout", "lp", "gpio"}
    assert service["DevicePolicy"] == "closed", "only the devices a till drives"


def test_the_backup_runs_nightly_and_catches_up_after_a_night_switched_off() -> None:
    timer = read_unit(SYSTEMD / "ofn-checkout-backup.timer")["Timer"]
    assert timer["Persistent"] == "true"
    service = read_unit(SYSTEMD / "ofn-checkout-backup.service")["Service"]
    assert service["ExecStart"] == f"{INSTALLED} store backup --config {BOX_CONFIG}"
    assert service["PrivateNetwork"] == "yes"


def journald_keys() -> set[str]:
    """The [Journal] keys this machine's journald knows, read from its own parser table."""
    return set(re.findall(rb"Journal\.([A-Za-z]+)", JOURNALD.read_bytes()))  # type: ignore[arg-type]


@pytest.mark.skipif(not JOURNALD.exists(), reason="systemd-journald is not installed")
def test_journald_settings_are_known_keys_that_cap_what_the_card_takes() -> None:
    conf = read_unit(SYSTEMD / "journald-ofn-checkout.conf")
    assert conf.sections() == ["Journal"]
    known = {key.decode() for key in journald_keys()}
    assert set(conf["Journal"]) <= known, set(conf["Journal"]) - known
    journal = conf["Journal"]
    assert journal["Storage"] in {"volatile", "persistent"}
    assert journal["SystemMaxUse"].endswith("M") and int(journal["SystemMaxUse"][:-1]) <= 128
    assert journal["ForwardToSyslog"] == "no"
