"""``ofn-checkout doctor`` against the sandbox and configured devices: one verdict per line."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.cli import main

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
