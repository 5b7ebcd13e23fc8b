"""Device discovery on a fake /dev tree (real files and symlinks in a temp dir), and on this bare machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appliance.cli.main import main
from drivers.discovery import (
    FoundDevice,
    by_id_name,
    discover,
    ieee1284_fields,
    looks_like_scale,
    looks_like_scanner,
    scanner_candidates,
    usb_printers,
)
from drivers.scanner import DeviceUnavailable, find_scanner

HONEYWELL = "usb-Honeywell_Imaging___Mobility_1900-event-kbd"
KEYBOARD = "usb-Logitech_USB_Keyboard-event-kbd"


def node(root: Path, relative: str, text: str = "") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def link(root: Path, relative: str, target: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A Pi with a scanner, a keyboard, a mouse, a scale adapter, a CDC scanner, a printer and GPIO."""
    for event in ("event3", "event4", "event5"):
        node(tmp_path, f"dev/input/{event}")
    link(tmp_path, f"dev/input/by-id/{HONEYWELL}", "../event3")
    link(tmp_path, f"dev/input/by-id/{KEYBOARD}", "../event4")
    link(tmp_path, "dev/input/by-id/usb-Logitech_USB_Receiver-if01-event-mouse", "../event5")
    link(tmp_path, "dev/input/by-id/usb-Logitech_USB_Receiver-if01-mouse", "../mouse0")
    node(tmp_path, "sys/class/input/event3/device/name", "Honeywell Imaging & Mobility 1900\n")
    node(tmp_path, "dev/ttyUSB0")
    node(tmp_path, "dev/ttyACM0")
    node(tmp_path, "dev/ttyACM1")
    link(tmp_path, "dev/serial/by-id/usb-Prolific_Technology_Inc._USB-Serial_Controller-if00-port0", "../../ttyUSB0")
    link(tmp_path, "dev/serial/by-id/usb-Datalogic_ADC_Handheld_Barcode_Scanner-if00", "../../ttyACM0")
    node(tmp_path, "dev/usb/lp0")
    node(tmp_path, "sys/class/usbmisc/lp0/device/ieee1284_id", "MFG:EPSON;CMD:ESC/POS;MDL:TM-T20II;CLS:PRINTER;")
    node(tmp_path, "dev/gpiochip0")
    node(tmp_path, "proc/device-tree/model", "Raspberry Pi 4 Model B Rev 1.4\0")
    return tmp_path


def fake_usb() -> tuple[list[FoundDevice], str]:
    ids = "04b8:0e28"
    return [FoundDevice("printer", f"usb:{ids}", "EPSON TM-T20III", "receipt printer (USB class 7)", "printer")], ""


def test_discovery_lists_every_kind_and_who_claims_it(box: Path) -> None:
    found = discover(box, usb_lister=fake_usb)
    inputs = {device.path: device for device in found.inputs}
    assert set(inputs) == {
        f"/dev/input/by-id/{HONEYWELL}",
        f"/dev/input/by-id/{KEYBOARD}",
        "/dev/input/by-id/usb-Logitech_USB_Receiver-if01-event-mouse",
    }  # the legacy mouse0 node is not an evdev device
    scanner = inputs[f"/dev/input/by-id/{HONEYWELL}"]
    assert (scanner.claimed_by, scanner.target, scanner.name) == (
        "scanner",
        "/dev/input/event3",
        "Honeywell Imaging & Mobility 1900",
    )
    assert inputs[f"/dev/input/by-id/{KEYBOARD}"].role == "keyboard"
    assert inputs[f"/dev/input/by-id/{KEYBOARD}"].claimed_by is None
    serial = {device.path: device for device in found.serial}
    assert set(serial) == {
        "/dev/serial/by-id/usb-Prolific_Technology_Inc._USB-Serial_Controller-if00-port0",
        "/dev/serial/by-id/usb-Datalogic_ADC_Handheld_Barcode_Scanner-if00",
        "/dev/ttyACM1",  # no by-id link: listed by its own name
    }
    assert serial["/dev/serial/by-id/usb-Datalogic_ADC_Handheld_Barcode_Scanner-if00"].claimed_by == "scanner"
    prolific = serial["/dev/serial/by-id/usb-Prolific_Technology_Inc._USB-Serial_Controller-if00-port0"]
    assert (prolific.role, prolific.claimed_by, prolific.target) == ("scale or serial scanner", None, "/dev/ttyUSB0")
    assert [(p.path, p.name, p.claimed_by) for p in found.printers] == [
        ("/dev/usb/lp0", "EPSON TM-T20II", "printer"),
        ("usb:04b8:0e28", "EPSON TM-T20III", "printer"),
    ]
    assert [(g.path, g.name) for g in found.gpio] == [("/dev/gpiochip0", "Raspberry Pi 4 Model B Rev 1.4")]
    assert found.notes == []


def test_the_scanner_is_found_by_name_or_by_a_configured_substring(box: Path) -> None:
    assert find_scanner(box) == f"/dev/input/by-id/{HONEYWELL}"
    (box / f"dev/input/by-id/{HONEYWELL}").unlink()
    with pytest.raises(DeviceUnavailable) as raised:
        find_scanner(box)
    assert f"/dev/input/by-id/{KEYBOARD}" in str(raised.value)
    assert find_scanner(box, ["logitech usb keyboard"]) == f"/dev/input/by-id/{KEYBOARD}"


def test_a_keyboard_named_in_the_config_wins_over_one_that_only_looks_like_a_scanner(box: Path) -> None:
    """The Honeywell sorts first, but a person who names the Logitech means the Logitech."""
    assert [d.path for d in scanner_candidates(box, ["logitech usb"])] == [
        f"/dev/input/by-id/{KEYBOARD}",
        f"/dev/input/by-id/{HONEYWELL}",
    ]
    assert find_scanner(box, ["LOGITECH"]) == f"/dev/input/by-id/{KEYBOARD}"
    assert find_scanner(box, ["no such maker"]) == f"/dev/input/by-id/{HONEYWELL}"


def test_no_scanner_found_names_what_was_looked_for(box: Path) -> None:
    (box / f"dev/input/by-id/{HONEYWELL}").unlink()
    with pytest.raises(DeviceUnavailable) as raised:
        find_scanner(box, ["Netum"])
    assert "no barcode scanner matching 'Netum' or named like one" in str(raised.value)
    assert "devices.scanner.names" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "scanner"),
    [
        ("Honeywell Imaging & Mobility 1900", True),
        ("Symbol Technologies, Inc, 2008 Symbol Bar Code Scanner", True),
        ("Datalogic ADC, Inc. Handheld Barcode Scanner", True),
        ("NETUM NT-1228BL", True),
        ("Logitech USB Keyboard", False),
        ("HID 0581:0115", False),  # a cheap scanner passing as a keyboard: named with --device or --name
        ("Cherry GmbH Keyboard with Card Reader", True),  # a reader types too; the cashier keyboard never says so
    ],
)
def test_what_counts_as_a_scanner_name(name: str, scanner: bool) -> None:
    assert looks_like_scanner(name) is scanner


def test_names_from_by_id_links_and_printer_ids() -> None:
    assert by_id_name(HONEYWELL) == "Honeywell Imaging Mobility 1900"
    assert by_id_name("usb-Prolific_Technology_Inc._USB-Serial_Controller-if00-port0") == (
        "Prolific Technology Inc. USB-Serial Controller"
    )
    assert looks_like_scale("Mettler Toledo Ariva-S") and not looks_like_scale("Cashino printer")
    assert ieee1284_fields("MANUFACTURER:Star;COMMAND SET:STAR;MODEL:TSP143;") == {
        "MFG": "Star",
        "CMD": "STAR",
        "MDL": "TSP143",
    }


def test_devices_command_on_the_fake_tree(box: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "--root", str(box)]) == 0
    out = capsys.readouterr().out
    assert f"/dev/input/by-id/{HONEYWELL} -> /dev/input/event3" in out
    assert "barcode scanner: Honeywell Imaging & Mobility 1900 (claimed by: scanner)" in out
    assert "receipt printer (usblp): EPSON TM-T20II (claimed by: printer; printer url file:/dev/usb/lp0)" in out
    assert "USB bus not scanned" in out and "Nothing found" not in out


def test_devices_json_on_the_fake_tree(box: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "--json", "--root", str(box), "--scanner-name", "Logitech USB Keyboard"]) == 0
    listing = json.loads(capsys.readouterr().out)
    claimed = {device["path"]: device["claimed_by"] for device in listing["inputs"]}
    assert claimed[f"/dev/input/by-id/{KEYBOARD}"] == "scanner"
    assert [device["path"] for device in listing["gpio"]] == ["/dev/gpiochip0"]


def test_devices_on_a_machine_with_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("none found") == 4
    assert "Nothing found" in out and "no GPIO chip" in out


def test_devices_on_this_machine_does_not_crash(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert set(listing) == {"inputs", "serial", "printers", "gpio", "notes"}
    if not Path("/dev/input/by-id").exists():
        assert listing["inputs"] == []


def test_usb_printers_says_why_when_it_cannot_look() -> None:
    found, note = usb_printers()
    assert isinstance(found, list)
    assert note == "" or note.startswith("USB printers not listed:")
