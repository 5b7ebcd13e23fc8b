"""The layering of docs/architecture.md, enforced: imports only run the way the design says.

The till's brain is in rooms, each allowed to use the ones below it and nothing above:

    cli ──► till ──► ofn ──► store ──► core        reports ──► store, core
                     config ──► core (read by every room but core)

A module's imports are read from its source (relative ones resolved), so an import hidden in a
function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPLIANCE = ROOT / "appliance"
ROOMS = ("core", "store", "reports", "ofn", "cli")
TOP = {"__init__.py", "till.py"}  # and the config package, read by every room but core

# What each room of appliance/ may import of appliance/ (its own room is always allowed).
MAY_USE = {
    "core": set(),
    "store": {"core"},
    "reports": {"core", "store"},
    "ofn": {"core", "store", "config"},
    "cli": {"core", "store", "reports", "ofn", "config", "till"},
    "config": {"core"},
    "till": {"core", "store", "reports", "config"},
}
IO_MODULES = {
    "sqlite3",
    "sqlite_utils",
    "httpx",
    "socket",
    "subprocess",
    "os",
    "pathlib",
    "shutil",
    "io",
    "fcntl",
    "select",
    "serial",
    "evdev",
    "logging",
    "click",
}
UI_AND_DEVICES = {"tui", "drivers", "textual", "evdev", "serial", "escpos", "gpiozero", "usb"}
# The wall clock is read in one place, and injected everywhere else; ids stamp their own time
# because a UUIDv7's order is its point (it records no time anybody reads).
READS_THE_CLOCK = {"clock.py", "ids.py"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, source: str | None = None) -> set[str]:
    """Every module ``path`` imports, as absolute dotted names (relative imports resolved)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8") if source is None else source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # `from appliance import config`
    return names


def room_of(name: str) -> str | None:
    """The room of appliance/ a dotted name belongs to (``till`` and ``config`` count as rooms)."""
    parts = name.split(".")
    if parts[0] != "appliance" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in (*ROOMS, "till", "config") else None


def appliance_modules() -> list[Path]:
    return sorted(APPLIANCE.rglob("*.py"))


def test_every_module_lives_in_a_room() -> None:
    """A new module goes into the room of its concept; only the till and the config sit on top."""
    loose = {path.name for path in APPLIANCE.glob("*.py")} - TOP
    assert not loose
    assert {path.parent.name for path in APPLIANCE.glob("*/*.py")} == {*ROOMS, "config"}


def wrong_way(path: Path, source: str | None = None) -> set[str]:
    """The rooms ``path`` uses that its own room may not."""
    own = room_of(module_name(path)) or "top"
    used = {room_of(name) for name in imports_of(path, source)} - {None, own}
    return {room for room in used if room} - MAY_USE.get(own, set())


def io_of(path: Path, source: str | None = None) -> set[str]:
    return {name.split(".")[0] for name in imports_of(path, source)} & IO_MODULES


@pytest.mark.parametrize("path", appliance_modules(), ids=lambda p: str(p.relative_to(APPLIANCE)))
def test_imports_run_one_way_between_rooms(path: Path) -> None:
    assert not wrong_way(path)


@pytest.mark.parametrize("path", appliance_modules(), ids=lambda p: str(p.relative_to(APPLIANCE)))
def test_appliance_imports_neither_ui_nor_hardware(path: Path) -> None:
    assert not {name.split(".")[0] for name in imports_of(path)} & UI_AND_DEVICES


@pytest.mark.parametrize("path", sorted((APPLIANCE / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_does_no_io(path: Path) -> None:
    assert not io_of(path)


@pytest.mark.parametrize("path", sorted((APPLIANCE / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_has_no_clock_of_its_own(path: Path) -> None:
    """Core code is given the time; reading it would make a sale's figures depend on when a test runs."""
    if path.name in READS_THE_CLOCK:
        return
    calls = {
        f"{node.func.value.id}.{node.func.attr}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
    }
    wall_clock = {"datetime.now", "datetime.utcnow", "date.today", "time.time", "time.time_ns", "time.monotonic"}
    assert not calls & wall_clock


SHARED_WITH_DRIVERS = {"appliance.core.document"}


@pytest.mark.parametrize("path", sorted((ROOT / "drivers").rglob("*.py")), ids=lambda p: p.name)
def test_drivers_import_nothing_of_ours_but_shared_types(path: Path) -> None:
    """Drivers speak bytes to devices; the only thing of ours they know is the print document."""
    ours = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            ours.add(node.module)
        elif isinstance(node, ast.Import):
            ours.update(alias.name for alias in node.names)
    assert not {name for name in ours if name.split(".")[0] in {"appliance", "tui", "sandbox"}} - SHARED_WITH_DRIVERS


@pytest.mark.parametrize(
    ("module", "source", "caught"),
    [
        ("store/sales.py", "from ..ofn.client import OfnClient\n", {"ofn"}),
        ("store/sales.py", "from appliance.ofn import sync\n", {"ofn"}),
        ("store/sales.py", "def later():\n    from appliance.cli.main import cli\n", {"cli"}),
        ("core/sale.py", "from appliance import config\n", {"config"}),
        ("reports/text.py", "from ..till import Till\n", {"till"}),
        ("ofn/sync.py", "from appliance.cli import main\n", {"cli"}),
        ("config/values.py", "from appliance.store.keys import load_key\n", {"store"}),
        ("store/sales.py", "from .journal import tip\nfrom ..core.money import from_cents\n", set()),
    ],
)
def test_the_checker_catches_a_wrong_way_import(module: str, source: str, caught: set[str]) -> None:
    """The rules read real imports, relative and late ones included: a wrong one is caught, a right one passes."""
    assert wrong_way(APPLIANCE / module, source) == caught


def test_the_checker_catches_io_in_core() -> None:
    assert io_of(APPLIANCE / "core" / "sale.py", "import sqlite3\nfrom pathlib import Path\n") == {"sqlite3", "pathlib"}


def test_every_declared_command_loads() -> None:
    """A command of another layer joins the CLI through an entry point; a broken one would only show at run time."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="ofn_checkout.commands"):
        assert entry.load().name == entry.name, entry.value


def test_the_till_core_imports_without_ui_or_device_libraries() -> None:
    code = (
        "import sys, appliance.cli.main, appliance.till, appliance.cli.simulation;"
        "bad = {'textual', 'evdev', 'serial', 'escpos', 'gpiozero', 'httpx'} & set(sys.modules);"
        "sys.exit(f'imported: {bad}' if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr + result.stdout


def test_nothing_in_the_project_reads_the_shared_design_folder() -> None:
    """The project stands alone: the design notes outside it are for its developers only."""
    outside = ("../" + "shared", "shared/" + "reference")
    for path in ROOT.rglob("*"):
        if (
            path.is_file()
            and ".venv" not in path.parts
            and ".git" not in path.parts
            and path.suffix in {".py", ".sh", ".toml", ""}
        ):
            text = path.read_text(encoding="utf-8", errors="ignore")
            assert not any(marker in text for marker in outside), path


TUI_MAY_NOT = {"sqlite3", "sqlite_utils", "escpos", "serial", "evdev", "usb", "httpx", "appliance.ofn"}


@pytest.mark.parametrize("path", sorted((ROOT / "tui").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_counter_screen_writes_no_sql_and_speaks_no_bytes(path: Path) -> None:
    """tui/ calls the till and hears the devices through messages: no database, device or HTTP module."""
    used = {name for name in imports_of(path) if any(name == bad or name.startswith(bad + ".") for bad in TUI_MAY_NOT)}
    assert not used, used
    assert ".execute(" not in path.read_text(encoding="utf-8"), "SQL belongs in appliance/store"


def test_the_tui_checker_catches_sql() -> None:
    source = "import sqlite3\nfrom appliance.ofn.client import OfnClient\n"
    names = imports_of(ROOT / "tui" / "app.py", source)
    assert {"sqlite3", "appliance.ofn.client"} <= names


def test_the_commands_the_console_script_names_are_their_entry_points() -> None:
    """tui/command.py names ``run`` for the root command so that it is found without reading the
    install's metadata; it must be the very command the entry point declares."""
    from importlib.metadata import entry_points

    from tui.command import KNOWN

    declared = {entry.name: entry.value for entry in entry_points(group="ofn_checkout.commands")}
    assert {name: declared.get(name) for name in KNOWN} == KNOWN
