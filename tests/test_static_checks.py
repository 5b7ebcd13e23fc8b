"""The code as its next reader finds it: ruff's lint and format over everything, mypy's types over
the product (``appliance``, ``drivers``, ``tui``, ``sandbox``), with the settings in pyproject.toml.

mypy found a real fault the tests had not: the receipts copier of ``replay --receipts`` had no
``status``, so the diagnostics screen's printer check would have failed there (tests/test_print_queue.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("appliance", "drivers", "tui", "sandbox")


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing_to_fix() -> None:
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted_as_ruff_formats_it() -> None:
    result = run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_type_error_in_the_product(tmp_path: Path) -> None:
    result = run("mypy", "--cache-dir", str(tmp_path / "mypy"), *PRODUCT)
    assert result.returncode == 0, result.stdout + result.stderr
