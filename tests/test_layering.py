"""The layering of docs/architecture.md, enforced: imports only run the way the design says."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE = ("money", "tax", "sale", "returns", "journal", "barcodes")
IO_MODULES = {"sqlite3", "sqlite_utils", "httpx", "socket", "subprocess", "os", "pathlib", "serial", "evdev"}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "appliance").glob("*.py")), ids=lambda p: p.name)
def test_appliance_imports_neither_ui_nor_hardware(path: Path) -> None:
    forbidden = {"tui", "drivers", "textual", "evdev", "serial", "escpos", "gpiozero"}
    assert not imports_of(path) & forbidden


@pytest.mark.parametrize("name", PURE)
def test_sale_tax_journal_and_barcode_code_do_no_io(name: str) -> None:
    assert not imports_of(ROOT / "appliance" / f"{name}.py") & IO_MODULES


SHARED_WITH_DRIVERS = {"appliance.document"}


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


def test_every_declared_command_loads() -> None:
    """A command of another layer joins the CLI through an entry point; a broken one would only show at run time."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="ofn_checkout.commands"):
        assert entry.load().name == entry.name, entry.value


def test_the_till_core_imports_without_ui_or_device_libraries() -> None:
    code = (
        "import sys, appliance.cli, appliance.till, appliance.simulate;"
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
