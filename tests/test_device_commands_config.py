"""The device commands take their settings from the box's config; an option given on the line wins.

Run through ``appliance.cli.main`` as a person runs them: the root command hands the commands the
config's [devices.*] sections (drivers/cli_config.py), the twins stand in for the devices.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from appliance.cli.main import main
from drivers.cli_scanner import scanner as scanner_cli
from drivers.printer_twin import read_bytes
from drivers.scale_twin import ScaleTwin
from drivers.scanner_twin import ScannerTwin

KEYBOARD = "usb-Logitech_USB_Keyboard-event-kbd"


def with_devices(config_file: Path, toml: str) -> str:
    config_file.write_text(config_file.read_text(encoding="utf-8") + "\n" + toml, encoding="utf-8")
    return str(config_file)


# -- scanner listen --------------------------------------------------------------------------------


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """Two scans by a German-layout scanner that ends each with Tab."""
    path = tmp_path / "scans.bin"
    path.write_bytes(ScannerTwin("de", terminator="tab").encode("Zürich-42") * 2)
    return path


def test_listen_reads_the_configured_device_with_the_configured_layout_and_terminator(
    config_file: Path, recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = with_devices(
        config_file, f'[devices.scanner]\nenabled = true\npath = "{recording}"\nlayout = "de"\nterminator = "tab"'
    )
    assert main(["scanner", "listen", "--config", config]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["Zürich-42", "Zürich-42"]
    assert "enabled = false" not in captured.err


def test_an_option_given_on_the_line_wins_over_the_config(
    config_file: Path, recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = with_devices(
        config_file, f'[devices.scanner]\nenabled = true\npath = "{recording}"\nlayout = "de"\nterminator = "tab"'
    )
    assert main(["scanner", "listen", "--config", config, "--terminator", "enter"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # Tab does not end a scan any more: the input ends mid-scan
    assert "incomplete scan" in captured.err


def test_listen_says_when_the_config_does_not_use_the_scanner(
    config_file: Path, recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = with_devices(config_file, f'[devices.scanner]\npath = "{recording}"\nlayout = "de"\nterminator = "tab"')
    assert main(["scanner", "listen", "--config", config]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["Zürich-42", "Zürich-42"]
    assert "devices.scanner.enabled = false in the config: the till does not use it" in captured.err


def test_listen_finds_the_scanner_by_the_configured_names(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "root"
    (root / "dev/input/by-id").mkdir(parents=True)
    (root / "dev/input/event4").write_bytes(ScannerTwin("us").encode("4006381333931"))  # what it typed
    (root / f"dev/input/by-id/{KEYBOARD}").symlink_to("../event4")
    assert main(["scanner", "listen", "--root", str(root)]) == 3  # a plain keyboard is not taken by itself
    assert "no barcode scanner found" in capsys.readouterr().err
    config = with_devices(config_file, '[devices.scanner]\nenabled = true\nnames = ["Logitech"]')
    assert main(["scanner", "listen", "--config", config, "--root", str(root)]) == 0
    assert capsys.readouterr().out.splitlines() == ["4006381333931"]
    assert main(["devices", "--json", "--config", config, "--root", str(root)]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [device["claimed_by"] for device in listing["inputs"]] == ["scanner"]


def test_a_bad_config_stops_a_device_command_with_its_problems(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = with_devices(config_file, '[devices.scanner]\nterminator = "cr"\ninter_key_timeout_ms = 1')
    assert main(["scanner", "listen", "--config", config]) == 3
    err = capsys.readouterr().err
    assert "devices.scanner.terminator = 'cr': must be one of" in err
    assert "devices.scanner.inter_key_timeout_ms = 1: must be between 20 and 2000" in err
    assert "Traceback" not in err


def test_without_the_root_command_there_is_no_config_to_read(tmp_path: Path) -> None:
    result = CliRunner().invoke(scanner_cli, ["listen", "--config", str(tmp_path / "config.toml")])
    assert result.exit_code == 2 and "run this as ofn-checkout" in result.output


# -- printer ---------------------------------------------------------------------------------------


def ruler_width(paper: Path) -> int:
    """The width of the test page's column ruler (its line of units digits)."""
    return max(len(line) for line in read_bytes(paper.read_bytes()).text if line.startswith("1234567890"))


def test_printer_test_prints_on_the_configured_printer_at_its_width(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paper = tmp_path / "printer.bin"
    config = with_devices(
        config_file,
        f'[devices.printer]\nenabled = true\nurl = "file:{paper}"\ncolumns = 32\n'
        '[devices.drawer]\npin = "5"\npulse_ms = 120',
    )
    assert main(["printer", "test", "--config", config, "--kick"]) == 0
    assert "32 columns, drawer kicked" in capsys.readouterr().out
    assert ruler_width(paper) == 32
    assert read_bytes(paper.read_bytes()).of("drawer") == [(5, 120, 500)]
    paper.unlink()
    assert main(["printer", "test", "--config", config, "--columns", "48"]) == 0
    assert ruler_width(paper) == 48
    assert main(["printer", "status", "--config", config]) == 0
    assert f"printer: file:{paper}" in capsys.readouterr().out


def test_printer_test_needs_a_device_from_somewhere(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["printer", "test", "--config", str(config_file)]) == 2
    assert "give --device URL, or a config whose devices.printer.url is set" in capsys.readouterr().err


# -- scale -----------------------------------------------------------------------------------------


def test_scale_read_uses_the_configured_port_and_protocol(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "ttyScale"
    config = with_devices(config_file, f'[devices.scale]\nenabled = true\nport = "{link}"\nprotocol = "nci"')
    with ScaleTwin("nci", link) as twin:
        twin.show(1250)
        assert main(["scale", "read", "--config", config, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["grams"] == 1250
        assert main(["scale", "read", "--config", config, "--protocol", "cas", "--timeout", "0.3"]) == 3
        assert "Error:" in capsys.readouterr().err  # the NCI scale does not answer CAS


def test_scale_commands_say_what_is_missing(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scale", "zero", "--config", str(config_file)]) == 2
    assert "give --port, or a config whose [devices.scale] sets them" in capsys.readouterr().err
    assert main(["scale", "read"]) == 2  # no config at all: both are needed
    assert "give --port and --protocol" in capsys.readouterr().err
