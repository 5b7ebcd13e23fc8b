"""What is plugged into the box, and which of our drivers would take it.

Discovery only looks: it lists device nodes and the names the kernel gives them, and never
"detects" a device by sending it a query (a probe that succeeds by default, like Odoo's Adam
scale probe, claims ports that belong to something else). What it reads:

- /dev/input/by-id: USB HID keyboards (``*-event-kbd``). A keyboard whose name looks like a
  barcode scanner (a maker or a word such as "barcode") is the scanner driver's; another keyboard
  is listed, for a scanner that calls itself "USB Keyboard" can be named explicitly;
- /dev/serial/by-id, /dev/ttyUSB*, /dev/ttyACM*: serial ports (a scale, or a scanner in
  USB-serial mode); never opened;
- /dev/usb/lp*: printers bound to the kernel's usblp driver (with their IEEE-1284 id from sysfs),
  and, through pyusb when libusb is installed, USB devices of class 7 (printer);
- /dev/gpiochip*: whether a drawer or lights can be driven from GPIO.

Every path is read under ``root`` ("/" on the box), so tests build a fake /dev in a temp dir.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCANNER_WORDS = frozenset({"barcode", "scanner", "scan", "reader", "imager", "imaging"})
SCANNER_MAKERS = (
    "honeywell",
    "metrologic",
    "hand held",
    "symbol",
    "zebra",
    "motorola",
    "datalogic",
    "newland",
    "zebex",
    "opticon",
    "netum",
    "eyoyo",
    "inateck",
    "code corp",
    "unitech",
    "mindeo",
    "cino",
)
SCALE_WORDS = frozenset({"scale", "scales", "mettler", "toledo", "dibal", "ohaus", "bizerba", "cas", "adam"})


@dataclass(frozen=True)
class FoundDevice:
    """One device node (or USB device) and what we make of it."""

    kind: str  # input, serial, printer, gpio
    path: str  # as a person types it, e.g. /dev/input/by-id/usb-…-event-kbd
    name: str
    role: str  # what it looks like: barcode scanner, keyboard, scale, receipt printer…
    claimed_by: str | None = None  # our driver that takes it, if any
    target: str | None = None  # the node a by-id link points to
    note: str = ""


@dataclass
class Inventory:
    inputs: list[FoundDevice] = field(default_factory=list)
    serial: list[FoundDevice] = field(default_factory=list)
    printers: list[FoundDevice] = field(default_factory=list)
    gpio: list[FoundDevice] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def sections(self) -> dict[str, list[FoundDevice]]:
        return {"inputs": self.inputs, "serial": self.serial, "printers": self.printers, "gpio": self.gpio}

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = {name: [asdict(d) for d in found] for name, found in self.sections().items()}
        result["notes"] = list(self.notes)
        return result

    @property
    def empty(self) -> bool:
        return not any(self.sections().values())


def words(name: str) -> list[str]:
    return [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]


def looks_like_scanner(name: str, extra: Iterable[str] = ()) -> bool:
    """A name a barcode scanner gives itself, or one containing a configured substring."""
    lowered, found = name.lower(), words(name)
    spaced = " ".join(found)
    return (
        matches_names(lowered, extra)
        or bool(SCANNER_WORDS & set(found))
        or any(f" {maker} " in f" {spaced} " for maker in SCANNER_MAKERS)
    )


def looks_like_scale(name: str) -> bool:
    return bool(SCALE_WORDS & set(words(name)))


def by_id_name(link_name: str) -> str:
    """A readable name from a by-id link: usb-Honeywell_Imaging_1900-event-kbd → Honeywell Imaging 1900."""
    name = re.sub(r"^(usb|bluetooth|pci|platform)-", "", link_name)
    name = re.sub(
        r"(-if\d+)?(-event)?-(kbd|mouse|joystick|if\d+)$|(-if\d+)?-port\d+$|(-if\d+)?-event-[a-z0-9]+$", "", name
    )
    return re.sub(r"_+", " ", name).strip() or link_name


def _shown(path: Path, root: Path) -> str:
    """The path as it is on the box: relative to the discovery root."""
    try:
        return "/" + str(path.relative_to(root)) if root != Path("/") else str(path)
    except ValueError:
        return str(path)


def _links(directory: Path) -> list[tuple[Path, Path]]:
    """(link, resolved target) for every entry of a by-id directory; missing directory: none."""
    try:
        entries = sorted(directory.iterdir())
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []
    return [(entry, Path(os.path.realpath(entry))) for entry in entries]


def _sysfs_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip().strip("\0")
    except OSError:
        return ""


def _access_note(target: Path, group: str) -> str:
    if target.exists() and not os.access(target, os.R_OK | os.W_OK):
        return f"no permission: the user must be in group {group}"
    return ""


# -- input devices (scanners) ---------------------------------------------------------------------


def input_devices(root: Path = Path("/"), scanner_names: Sequence[str] = ()) -> list[FoundDevice]:
    found = []
    for link, target in _links(root / "dev/input/by-id"):
        if "-event-" not in link.name:
            continue  # the legacy mouseN / jsN nodes: evdev reads event nodes only
        sysfs_name = _sysfs_text(root / "sys/class/input" / target.name / "device/name")
        name = sysfs_name or by_id_name(link.name)
        keyboard = link.name.endswith("-event-kbd")
        if keyboard and looks_like_scanner(f"{name} {link.name}", scanner_names):
            role, claimed, note = "barcode scanner", "scanner", ""
        elif keyboard:
            role, claimed = "keyboard", None
            note = "a scanner that calls itself a keyboard can be used with scanner listen --device"
        else:
            role, claimed, note = "other input", None, ""
        note = _access_note(target, "input") or note
        found.append(
            FoundDevice("input", _shown(link, root), name, role, claimed, _shown(target, root), note),
        )
    return found


def scanner_candidates(root: Path = Path("/"), scanner_names: Sequence[str] = ()) -> list[FoundDevice]:
    """Keyboards that look like scanners; those matching a configured name come first.

    A person who names the scanner means that one, even when another keyboard plugged in (a
    spare scanner, a card reader) also calls itself a scanner and sorts before it.
    """
    claimed = [device for device in input_devices(root, scanner_names) if device.claimed_by == "scanner"]
    return sorted(claimed, key=lambda device: not matches_names(f"{device.name} {device.path}", scanner_names))


def matches_names(name: str, fragments: Iterable[str]) -> bool:
    lowered = name.lower()
    return any(fragment.lower() in lowered for fragment in fragments if fragment)


# -- serial ports ---------------------------------------------------------------------------------


def serial_ports(root: Path = Path("/")) -> list[FoundDevice]:
    found, seen = [], set()
    for link, target in _links(root / "dev/serial/by-id"):
        seen.add(target)
        found.append(_serial(link, target, by_id_name(link.name), root))
    for pattern in ("ttyUSB*", "ttyACM*"):
        for node in sorted((root / "dev").glob(pattern)):
            if node not in seen:
                found.append(_serial(node, node, node.name, root))
    return found


def _serial(path: Path, target: Path, name: str, root: Path) -> FoundDevice:
    shown = _shown(path, root)
    if looks_like_scanner(name):
        role, claimed = "barcode scanner (USB serial)", "scanner"
        note = f"ofn-checkout scanner listen --serial {shown}"
    elif looks_like_scale(name):
        role, claimed, note = "scale", "scale", f"set devices.scale.port = {shown!r}"
    else:
        role, claimed = "scale or serial scanner", None
        note = "not probed: set devices.scale.port to it, or try scanner listen --serial"
    note = _access_note(target, "dialout") or note
    return FoundDevice("serial", shown, name, role, claimed, _shown(target, root), note)


# -- printers -------------------------------------------------------------------------------------


def ieee1284_fields(device_id: str) -> dict[str, str]:
    """MFG:EPSON;CMD:ESC/POS;MDL:TM-T20II; → {"MFG": "EPSON", ...} (long keys shortened)."""
    aliases = {"MANUFACTURER": "MFG", "MODEL": "MDL", "COMMAND SET": "CMD"}
    fields = {}
    for part in device_id.split(";"):
        key, sep, value = part.partition(":")
        if sep:
            fields[aliases.get(key.strip().upper(), key.strip().upper())] = value.strip()
    return fields


def lp_printers(root: Path = Path("/")) -> list[FoundDevice]:
    found = []
    for node in sorted((root / "dev/usb").glob("lp*")):
        fields = ieee1284_fields(_sysfs_text(root / "sys/class/usbmisc" / node.name / "device/ieee1284_id"))
        name = " ".join(filter(None, (fields.get("MFG"), fields.get("MDL")))) or node.name
        command_set = fields.get("CMD", "")
        if "ESC/POS" in command_set.upper() or not command_set:
            role, claimed = "receipt printer (usblp)", "printer"
        else:
            role, claimed = f"printer ({command_set})", None
        shown = _shown(node, root)
        note = _access_note(node, "lp") or f"printer url file:{shown}"
        found.append(FoundDevice("printer", shown, name, role, claimed, None, note))
    return found


UsbLister = Callable[[], tuple[list[FoundDevice], str]]


def usb_printers() -> tuple[list[FoundDevice], str]:
    """USB devices of class 7 through pyusb; a note instead when libusb cannot be used."""
    try:
        import usb.core
    except ImportError:
        return [], "USB printers not listed: pyusb is not installed"
    try:
        devices = list(usb.core.find(find_all=True, custom_match=_is_printer))
    except usb.core.NoBackendError:
        return [], "USB printers not listed: libusb is not available (apt install libusb-1.0-0)"
    except (usb.core.USBError, OSError) as exc:
        return [], f"USB printers not listed: the USB bus cannot be read ({exc})"
    found = []
    for device in devices:
        ids = f"{device.idVendor:04x}:{device.idProduct:04x}"
        found.append(
            FoundDevice(
                "printer",
                f"usb:{ids}",
                _usb_name(device) or ids,
                "receipt printer (USB class 7)",
                "printer",
                note=f"printer url usb:{ids}",
            )
        )
    return found, ""


def _is_printer(device: object) -> bool:
    try:
        if getattr(device, "bDeviceClass", None) == 7:
            return True
        return any(interface.bInterfaceClass == 7 for config in device for interface in config)  # type: ignore[attr-defined]
    except Exception:  # a descriptor that cannot be read is not ours to list
        return False


def _usb_name(device: object) -> str:
    try:
        return " ".join(filter(None, (device.manufacturer, device.product)))  # type: ignore[attr-defined]
    except Exception:  # reading strings needs access to the device; the ids are enough then
        return ""


# -- GPIO -----------------------------------------------------------------------------------------


def gpio_chips(root: Path = Path("/")) -> list[FoundDevice]:
    model = _sysfs_text(root / "proc/device-tree/model") or _sysfs_text(root / "sys/firmware/devicetree/base/model")
    found = []
    for node in sorted((root / "dev").glob("gpiochip*")):
        label = _sysfs_text(root / "sys/bus/gpio/devices" / node.name / "label") or model or node.name
        note = _access_note(node, "gpio") or "drawer relay or lights can use it"
        found.append(FoundDevice("gpio", _shown(node, root), label, "GPIO", "drawer/lights", None, note))
    return found


def discover(
    root: Path = Path("/"),
    *,
    scanner_names: Sequence[str] = (),
    usb_lister: UsbLister | None = None,
) -> Inventory:
    """Everything at once. The USB bus is only scanned on the real root (or with ``usb_lister``)."""
    inventory = Inventory(
        inputs=input_devices(root, scanner_names),
        serial=serial_ports(root),
        printers=lp_printers(root),
        gpio=gpio_chips(root),
    )
    if usb_lister is None and root == Path("/"):
        usb_lister = usb_printers
    if usb_lister is not None:
        usb_found, note = usb_lister()
        inventory.printers.extend(usb_found)
        if note:
            inventory.notes.append(note)
    else:
        inventory.notes.append(f"USB bus not scanned (discovery root is {root})")
    if not inventory.gpio:
        inventory.notes.append("no GPIO chip: not a Raspberry Pi; a drawer can still be kicked by the printer")
    return inventory
