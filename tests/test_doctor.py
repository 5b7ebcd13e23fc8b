"""``ofn-checkout doctor`` against the sandbox and configured devices: one verdict per line."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.cli.main import main
from drivers.checks import device_checks

from .ofn_sandbox import box_config, running_sandbox


def verdicts(output: str) -> dict[str, str]:
    return {line.split()[1]: line.split()[0] for line in output.splitlines() if line.strip()}


def test_a_healthy_box_passes_and_a_broken_one_names_what_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_sandbox(tmp_path / "ofn") as sandbox:
        config_path = box_config(tmp_path, sandbox)
        assert main(["store", "init", "--config", str(config_path)]) == 0
        printed = tmp_path / "printer.bin"
        printed.touch()
        text = config_path.read_text() + f'\n[devices.printer]\nenabled = true\nurl = "file:{printed}"\n'
        config_path.write_text(text)
        capsys.readouterr()
        assert main(["doctor", "--config", str(config_path)]) == 0
        healthy = capsys.readouterr().out
        seen = verdicts(healthy)
        assert seen["ofn"] == seen["counter"] == seen["store"] == seen["clock"] == seen["disk"] == "OK"
        assert seen["printer"] in {"OK", "WARN"} and "FAIL" not in healthy

        config_path.write_text(text + '\n[devices.scale]\nenabled = true\nport = "/dev/no-such-scale"\n')
        sandbox.admin("POST", "revoke_key")
        assert main(["doctor", "--config", str(config_path)]) == 1
        broken = capsys.readouterr().out
        assert verdicts(broken)["ofn"] == "FAIL" and "re-provision the key" in broken
        assert verdicts(broken)["scale"] == "FAIL" and "/dev/no-such-scale does not exist" in broken


def test_no_database_and_no_key_are_verdicts_not_tracebacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with running_sandbox(tmp_path / "ofn") as sandbox:
        config_path = box_config(tmp_path, sandbox)
        (tmp_path / "api.key").unlink()
        assert main(["doctor", "--config", str(config_path)]) == 1
        out = capsys.readouterr().out
        assert "run `ofn-checkout store init`" in out and "provision the hub's OFN API key" in out
        assert "Traceback" not in out


# -- the device checks on a fake /dev (files and symlinks in a temp dir) --------------------------


def fake_dev(root: Path, *nodes: str) -> Path:
    for node in nodes:
        path = root / node
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    return root


def checked(devices: dict[str, dict[str, object]], root: Path) -> dict[str, tuple[str, str]]:
    return {name: (verdict, message) for verdict, name, message in device_checks(devices, root)}


def test_nothing_configured_is_not_used_and_passes(tmp_path: Path) -> None:
    seen = checked({"drawer": {"kick": "none"}}, tmp_path)
    assert set(seen) == {"scanner", "scale", "printer", "drawer", "lights"}
    assert all(verdict == "ok" for verdict, _ in seen.values())


def test_the_scanner_is_looked_for_by_the_configured_names(tmp_path: Path) -> None:
    root = fake_dev(tmp_path, "dev/input/event4", "dev/input/event3")
    (root / "dev/input/by-id").mkdir()
    (root / "dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd").symlink_to("../event4")
    scanner = {"enabled": True, "path": "", "names": ("NT-1228",)}
    verdict, message = checked({"scanner": scanner}, root)["scanner"]
    assert verdict == "fail" and "no scanner matching devices.scanner.names ['NT-1228']" in message
    scanner["names"] = ("Logitech",)
    assert checked({"scanner": scanner}, root)["scanner"] == (
        "ok",
        "/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd (Logitech USB Keyboard)",
    )
    (root / "dev/input/by-id/usb-Honeywell_1900-event-kbd").symlink_to("../event3")
    scanner["names"] = ("NT-1228",)
    verdict, message = checked({"scanner": scanner}, root)["scanner"]
    assert verdict == "warn" and "the till would read /dev/input/by-id/usb-Honeywell_1900-event-kbd" in message


def test_a_serial_scanner_port_is_checked_without_opening_it(tmp_path: Path) -> None:
    scanner = {"enabled": True, "serial_port": "/dev/ttyACM0"}
    verdict, message = checked({"scanner": scanner}, tmp_path)["scanner"]
    assert verdict == "fail" and "/dev/ttyACM0 does not exist" in message and "serial_port" in message
    fake_dev(tmp_path, "dev/ttyACM0")
    assert checked({"scanner": scanner}, tmp_path)["scanner"] == ("ok", "USB-serial on /dev/ttyACM0")


LIGHTS = {"enabled": True, "green": 5, "amber": 6, "red": 13, "buzzer": None}


def test_lights_need_gpio_and_name_their_pins(tmp_path: Path) -> None:
    verdict, message = checked({"lights": LIGHTS}, tmp_path)["lights"]
    assert verdict == "fail" and "green 5, amber 6, red 13" in message and "no GPIO" in message
    fake_dev(tmp_path, "dev/gpiochip0")
    assert checked({"lights": LIGHTS}, tmp_path)["lights"] == ("ok", "GPIO green 5, amber 6, red 13")


def test_the_drawer_switch_needs_gpio_too(tmp_path: Path) -> None:
    drawer = {"kick": "printer", "switch": True, "switch_pin": 26}
    printer = {"enabled": True, "url": "file:/dev/null"}
    verdict, message = checked({"drawer": drawer, "printer": printer}, tmp_path)["drawer"]
    assert verdict == "fail" and "open switch configured, but this machine has no GPIO" in message
    fake_dev(tmp_path, "dev/gpiochip0")
    assert checked({"drawer": drawer, "printer": printer}, tmp_path)["drawer"] == (
        "ok",
        "kicked through the printer; open switch on GPIO 26",
    )
    relay = {"kick": "gpio", "gpio_pin": 12, "gpio_active": "low"}
    assert checked({"drawer": relay}, tmp_path)["drawer"] == ("ok", "GPIO relay on pin 12 (active low)")


def test_a_printer_profile_python_escpos_does_not_know_fails(tmp_path: Path) -> None:
    printer = {"enabled": True, "url": f"file:{tmp_path / 'paper.bin'}", "profile": "TM-T21"}
    verdict, message = checked({"printer": printer, "drawer": {"kick": "none"}}, tmp_path)["printer"]
    assert verdict == "fail" and "Unknown printer profile 'TM-T21'" in message
