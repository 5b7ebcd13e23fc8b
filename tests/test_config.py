"""The config is checked in full: every problem with its key, value and reason, before anything runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.cli.main import main
from appliance.config import SECTIONS, TABLE_ARRAYS, ConfigError

ROOT = Path(__file__).resolve().parents[1]


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as error:
        config_module.parse(text)
    return [str(p) for p in error.value.problems]


def test_the_demo_config_is_valid() -> None:
    config = config_module.parse(demo_config_text())
    assert config.lane_id == 1 and config.channel == "pickup point"
    assert config.vat[1].rate == 5.5 and config.vat["none"].code == "E"
    assert [m.code for m in config.payments if m.is_cash] == ["cash"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("hub_id = 1", 'hub_id = "one"', "ofn.hub_id = 'one': must be a whole number"),
        ("hub_id = 1", "hub_id = 0", "ofn.hub_id = 0: must be greater than 0"),
        ('base_url = "http://127.0.0.1:8765"', 'base_url = "http://ofn.example.org"', "must use https"),
        ('base_url = "http://127.0.0.1:8765"', 'base_url = "ofn"', "must be an http(s) URL"),
        (
            'timezone = "Europe/Paris"',
            'timezone = "Europe/Pariss"',
            "locale.timezone = 'Europe/Pariss': must be a time zone",
        ),
        ('currency = "EUR"', 'currency = "EURO"', "must be an ISO 4217 currency code"),
        (
            'rate = "5.5"',
            'rate = "5.555"',
            "vat[0].rate = '5.555': must be between 0 and 100 with at most two decimals",
        ),
        ('rate = "5.5"', "rate = 5.5", "must be a percentage written as a string"),
        (
            'path = "/var/lib/ofn-checkout/demo.db"',
            'path = "demo.db"',
            "store.path = 'demo.db': must be an absolute path",
        ),
        ("[lane]\nid = 1", "[lane]\nid = 1\ncolour = 3", "lane.colour = 3: unknown key"),
        ("[lane]", "[lanes]\nid = 2\n[lane]", "lanes: unknown section; did you mean 'lane'?"),
        ('channel = "pickup point"\n', "", "lane.channel: is required"),
        ("cash = true", "cash = 1", "payment[0].cash = 1: must be true or false"),
        ('[[payment]]\ncode = "card"', '[[payment]]\ncode = "cash"', "payment[1].code = 'cash': appears twice"),
    ],
)
def test_each_bad_value_names_key_value_and_reason(old: str, new: str, expected: str) -> None:
    text = demo_config_text()
    assert old in text
    assert any(expected in problem for problem in problems_of(text.replace(old, new, 1)))


def test_all_problems_are_reported_at_once() -> None:
    text = demo_config_text().replace("hub_id = 1", "hub_id = -4").replace('currency = "EUR"', "currency = 12")
    text = text.replace('timezone = "Europe/Paris"', 'timezone = "Mars/Olympus"')
    assert len(problems_of(text)) == 3


def test_not_toml_at_all() -> None:
    assert "not valid TOML" in problems_of("[ofn\nbase_url = ")[0]


def test_two_cash_methods_are_refused() -> None:
    text = demo_config_text().replace('label = "Chèque"', 'label = "Chèque"\ncash = true')
    assert any("only one method may be cash" in p for p in problems_of(text))


def test_config_check_command(tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--config", str(config_file)]) == 0
    out = capsys.readouterr().out
    assert "OK (lane 1" in out and "api_key_file" in out  # warns that the key file is absent
    broken = tmp_path / "broken.toml"
    broken.write_text(config_file.read_text().replace("hub_id = 1", "hub_id = 'x'").replace("id = 1\n", "id = 0\n", 1))
    assert main(["config", "check", "--config", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "2 problems" in out and "ofn.hub_id = 'x': must be a whole number" in out
    assert main(["config", "check", "--config", str(tmp_path / "missing.toml")]) == 1
    assert "file not found" in capsys.readouterr().out


def test_commands_refuse_to_start_on_a_bad_config(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(config_file.read_text().replace('rate = "10"', 'rate = "ten"'))
    assert main(["report", "x", "--config", str(broken)]) == 3
    err = capsys.readouterr().err
    assert "vat[1].rate = 'ten': is not a number" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("devices", "expected"),
    [
        ("[devices.lights]\ngreen = 28", "devices.lights.green = 28: must be a GPIO pin number (BCM) between 0 and 27"),
        ("[devices.lights]\nred = true", "devices.lights.red = True: must be a GPIO pin number (BCM) between 0 and 27"),
        (
            "[devices.lights]\nbuzzer = -1",
            "devices.lights.buzzer = -1: must be a GPIO pin number (BCM) between 0 and 27",
        ),
        ("[devices.lights]\nblink = 1", "devices.lights.blink = 1: unknown key"),
        ("[devices.drawer]\nswitch_pin = 40", "devices.drawer.switch_pin = 40: must be a GPIO pin number"),
        ("[devices.drawer]\nopen_warning_s = 0", "devices.drawer.open_warning_s = 0: must be between 5 and 3600"),
        ('[devices.drawer]\nswitch_closed_when = "closed"', "devices.drawer.switch_closed_when = 'closed': must be"),
        ('[devices.drawer]\ngpio_active = "LOW"', "devices.drawer.gpio_active = 'LOW': must be one of 'high', 'low'"),
        ('[devices.scanner]\nterminator = "cr"', "devices.scanner.terminator = 'cr': must be one of 'enter', 'tab'"),
        ("[devices.scanner]\ninter_key_timeout_ms = 0.2", "inter_key_timeout_ms = 0.2: must be a whole number"),
        ("[devices.scanner]\ninter_key_timeout_ms = 5000", "inter_key_timeout_ms = 5000: must be between 20 and 2000"),
        ('[devices.scanner]\ngs_substitute = "1"', "gs_substitute = '1': must hold a character that is not a letter"),
        ('[devices.scanner]\ngs_substitute = "~ "', "gs_substitute = '~ ': must be 1 to 8 printable characters"),
        ('[devices.scanner]\nnames = ["Netum", " "]', "devices.scanner.names = ['Netum', ' ']: must not hold an empty"),
        ("[devices.scanner]\nnames = 3", "devices.scanner.names = 3: must be a list of strings"),
        ('[devices.scanner]\nserial_port = "ttyACM0"', "serial_port = 'ttyACM0': must be an absolute path"),
        ("[devices.scanner]\nbaudrate = 9601", "devices.scanner.baudrate = 9601: must be one of 1200, 2400"),
        ('[devices.scale]\nport = "COM3"', "devices.scale.port = 'COM3': must be an absolute path"),
    ],
)
def test_each_bad_device_value_names_key_value_and_reason(devices: str, expected: str) -> None:
    assert any(expected in problem for problem in problems_of(demo_config_text() + "\n" + devices))


@pytest.mark.parametrize(
    ("devices", "expected"),
    [
        (
            '[devices.lights]\nenabled = true\n[devices.drawer]\nkick = "gpio"\ngpio_pin = 22',
            "devices.drawer.gpio_pin = 22: is also used by devices.lights.red: two devices cannot share a GPIO pin",
        ),
        (
            "[devices.lights]\nenabled = true\nbuzzer = 17",
            "devices.lights.buzzer = 17: is also used by devices.lights.green",
        ),
        (
            '[devices.drawer]\nkick = "gpio"\nswitch = true\nswitch_pin = 23',
            "devices.drawer.switch_pin = 23: is also used by devices.drawer.gpio_pin",
        ),
        (
            '[devices.scanner]\nenabled = true\nserial_port = "/dev/ttyACM0"\n'
            '[devices.scale]\nenabled = true\nport = "/dev/ttyACM0"',
            "devices.scale.port = '/dev/ttyACM0': is also used by devices.scanner.serial_port: "
            "two devices cannot share a serial port",
        ),
        (
            '[devices.scale]\nenabled = true\nport = "/dev/ttyUSB0"\n'
            '[devices.printer]\nenabled = true\nurl = "serial:/dev/ttyUSB0?baud=38400"',
            "devices.printer.url = '/dev/ttyUSB0': is also used by devices.scale.port",
        ),
        (
            '[devices.scanner]\npath = "/dev/input/by-id/usb-x-event-kbd"\nserial_port = "/dev/ttyACM0"',
            "devices.scanner.serial_port = '/dev/ttyACM0': devices.scanner.path is set too",
        ),
        ("[devices.scale]\nenabled = true", "devices.scale.port: is required when devices.scale.enabled = true"),
        ("[devices.printer]\nenabled = true", "devices.printer.url: is required when devices.printer.enabled = true"),
    ],
)
def test_what_no_single_key_can_tell(devices: str, expected: str) -> None:
    problems = problems_of(demo_config_text() + "\n" + devices)
    assert len(problems) == 1 and expected in problems[0]


def test_pins_of_parts_not_in_use_may_repeat() -> None:
    """A disabled light, a printer-kicked drawer or an absent switch holds no pin."""
    text = (
        demo_config_text()
        + '\n[devices.lights]\nenabled = false\nred = 23\n[devices.drawer]\nkick = "printer"\nswitch_pin = 23'
    )
    assert config_module.parse(text).devices["lights"]["red"] == 23


def test_device_sections_come_out_as_plain_values() -> None:
    text = demo_config_text() + '\n[devices.scanner]\nnames = "NT-1228"\n[devices.lights]\nbuzzer = false\n'
    devices = config_module.parse(text).devices
    assert devices["scanner"]["names"] == ("NT-1228",) and devices["lights"]["buzzer"] is None
    assert devices["drawer"] == {
        "kick": "printer",
        "pin": "both",
        "pulse_ms": 50,
        "gpio_pin": 23,
        "gpio_active": "high",
        "switch": False,
        "switch_pin": 25,
        "switch_closed_when": "shut",
        "open_warning_s": 60,
    }


def test_config_check_reports_device_problems(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = config_file.read_text() + '\n[devices.lights]\nenabled = true\namber = 99\n[devices.drawer]\nkick = "gpio"\n'
    config_file.write_text(text.replace("[devices.drawer]", "[devices.drawer]\ngpio_pin = 24"))
    assert main(["config", "check", "--config", str(config_file)]) == 1
    out = capsys.readouterr().out
    assert "2 problems" in out
    assert "devices.lights.amber = 99: must be a GPIO pin number (BCM) between 0 and 27" in out
    assert "devices.drawer.gpio_pin = 24: is also used by devices.lights.buzzer" in out


def test_every_config_key_is_documented() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for section, fields in SECTIONS.items():
        assert f"[{section}]" in doc, section
        for key in fields:
            assert re.search(rf"`{key}`", doc), f"{section}.{key}"
    for array, fields in TABLE_ARRAYS.items():
        assert f"[[{array}]]" in doc
        for key in fields:
            assert f"`{key}`" in doc
