"""Keys and cycles without a restart or SSH edits, and a status a person can act on."""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

import pytest

from appliance import config as config_module
from appliance.cli.main import main
from appliance.core.clock import SystemClock
from appliance.store.database import open_store
from appliance.store.sync_state import read_status

from .ofn_sandbox import Box, box_config, expected_counter_lines, running_sandbox
from .test_sync_faults import daemon, sell

CLASS_NAME = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+(?:Error|Exception|Timeout)?\b")


def status_of(config_path: Path) -> tuple[str, str]:
    db = open_store(config_module.load(config_path).store_path, create=False)
    try:
        status = read_status(db.conn, SystemClock().now())
        return status.state, status.summary()
    finally:
        db.close()


def wait_for_state(config_path: Path, state: str, deadline_s: float) -> str:
    """Wait for a condition, not a time: the daemon's status reaching ``state``."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        now, summary = status_of(config_path)
        if now == state:
            return summary
        time.sleep(0.1)
    raise AssertionError(f"still {status_of(config_path)} after {deadline_s} s, not {state}")


@pytest.mark.slow
def test_a_replaced_key_is_read_again_at_once_by_the_running_daemon(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "ofn") as sandbox:
        config_path = box_config(tmp_path, sandbox, interval_s=1)
        key_file = tmp_path / "api.key"
        key_file.write_text("0" * 40)  # a revoked or mistyped key
        assert main(["store", "init", "--training", "--config", str(config_path)]) == 0
        sell(config_path, 10, seed=61)
        process = daemon(config_path, tmp_path / "logs")
        try:
            summary = wait_for_state(config_path, "key_rejected", 30)
            assert str(key_file) in summary and "reads it again at once" in summary
            started = time.monotonic()
            replacement = tmp_path / "api.key.new"
            replacement.write_text(sandbox.api_key)
            replacement.chmod(0o600)
            replacement.replace(key_file)  # as an editor or `install` does
            wait_for_state(config_path, "online", 30)
            assert time.monotonic() - started < 30, "not the 300 s wait of a rejected key"
            key_file.write_text("1" * 40)  # revoked again; SIGHUP asks for the key file now
            process.send_signal(signal.SIGHUP)
            wait_for_state(config_path, "key_rejected", 30)
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        db = open_store(config_module.load(config_path).store_path, create=False)
        try:
            assert sandbox.counter_lines() == expected_counter_lines(db.conn)
        finally:
            db.close()


def test_a_closed_cycle_shows_within_one_pass_without_a_catalogue_refresh(box: Box) -> None:
    box.sandbox.admin("POST", f"order_cycles/{box.sandbox.open_oc}/close")
    box.daemon.run_once(catalogue=False)
    status = read_status(box.till.connection, SystemClock().now())
    assert status.state == "cycle_closed" and "cycle use" in status.summary()


def test_a_revoked_key_with_nothing_to_send_shows_within_one_pass(box: Box) -> None:
    box.sandbox.admin("POST", "revoke_key")
    box.daemon.run_once(catalogue=False)
    assert read_status(box.till.connection, SystemClock().now()).state == "key_rejected"


def test_sighup_or_a_new_file_swaps_the_key_of_the_running_client(box: Box) -> None:
    key_file = box.daemon.config.api_key_file
    assert not box.daemon.reload_key_if_changed(), "nothing changed: nothing read"
    box.daemon.reload.set()
    assert box.daemon.reload_key_if_changed() and not box.daemon.reload.is_set()
    key_file.write_text("f" * 48)  # rewritten in place with a new key
    assert box.daemon.key_file_changed() and box.daemon.reload_key_if_changed()
    assert box.client._http.api_key == "f" * 48, "the running client sends the new key"


def test_status_texts_are_plain_words_with_what_to_do(box: Box) -> None:
    box.sell(5, seed=62)
    box.sandbox.faults(down_for=30)
    box.daemon.run_once(catalogue=False)
    status = read_status(box.till.connection, SystemClock().now())
    summary = status.summary()
    assert status.state == "offline" and "sales wait in the box" in summary and "5 sales wait" in summary
    assert "since" in summary and not CLASS_NAME.search(summary), summary
    box.sandbox.faults(down_for=0, error_rates={"shipments.create": 1.0, "shipments.add": 1.0})
    box.daemon.run_once(catalogue=False)
    status = read_status(box.till.connection, SystemClock().now())
    assert status.state == "offline" and "sales wait in the box" in status.message, "a send failure keeps the advice"
    assert not CLASS_NAME.search(status.summary()), status.summary()


def test_a_pass_that_fails_unexpectedly_still_says_so(box: Box, monkeypatch: pytest.MonkeyPatch) -> None:
    box.sell(3, seed=63)

    def odd_answer(number: str) -> None:
        raise KeyError("line_items")  # an answer of a shape nobody foresaw

    monkeypatch.setattr(box.client, "order", odd_answer)
    box.daemon.run_once(catalogue=False)
    status = read_status(box.till.connection, SystemClock().now())
    assert status.state == "attention" and "failed unexpectedly" in status.message and "log" in status.message


def test_a_failure_that_comes_back_each_pass_logs_its_traceback_once(
    box: Box, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    box.sell(2, seed=64)
    answer = {"error": KeyError("line_items")}

    def odd_answer(number: str) -> None:
        raise answer["error"]

    real_order = box.client.order
    monkeypatch.setattr(box.client, "order", odd_answer)

    def failures_logged() -> list[tuple[bool, str]]:
        records = [r for r in caplog.records if "failed unexpectedly" in r.getMessage()]
        caplog.clear()
        return [(r.exc_info is not None, r.getMessage()) for r in records]

    with caplog.at_level("INFO", logger="appliance.ofn.daemon"):
        for _ in range(3):
            box.daemon.run_once(catalogue=False)
        logged = failures_logged()
        assert [traceback for traceback, _ in logged] == [True, False, False], logged
        assert "again: KeyError: 'line_items'" in logged[1][1]
        answer["error"] = ValueError("a new shape")  # another failure: its own traceback
        box.daemon.run_once(catalogue=False)
        assert [traceback for traceback, _ in failures_logged()] == [True]
        monkeypatch.setattr(box.client, "order", real_order)
        box.daemon.run_once(catalogue=False)  # a pass that goes through ...
        box.sell(1, seed=65)
        monkeypatch.setattr(box.client, "order", odd_answer)
        box.daemon.run_once(catalogue=False)  # ... so the same failure later is news again
        assert [traceback for traceback, _ in failures_logged()] == [True]


def test_cycle_list_finds_the_open_cycle_and_cycle_use_switches_the_counter_order(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(box.config_path)]
    capsys.readouterr()
    assert main(["cycle", "list", *config, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    cycles = {c["order_cycle_id"]: c for c in listed["cycles"]}
    assert cycles[box.sandbox.open_oc]["open"] and cycles[box.sandbox.open_oc]["current"]
    assert cycles[box.sandbox.open_oc]["orders"] > 0
    code = main(["cycle", "use", *config, str(box.sandbox.closed_oc), "--by", "Ana"])
    assert code == 1 and "closed" in capsys.readouterr().err
    lane2 = box.sandbox.lanes["2"]
    assert main(["cycle", "use", *config, str(box.sandbox.open_oc), "--counter-order", lane2, "--by", "Ana"]) == 0
    assert f"counter order {lane2}" in capsys.readouterr().out
    before = box.sandbox.counter_lines(lane=2)
    box.sell(6, seed=64)
    box.drain_until_settled()
    assert box.daemon.cycle().counter_order == lane2 and box.daemon.cycle().chosen_by == "Ana"
    grown = sum(box.sandbox.counter_lines(lane=2).values()) - sum(before.values())
    assert grown > 0, "the sales after the switch went into the new counter order"
    box.sandbox.admin("POST", f"order_cycles/{box.sandbox.open_oc}/close")
    capsys.readouterr()
    assert main(["cycle", "list", *config, "--json"]) == 0
    listed = {c["order_cycle_id"]: c for c in json.loads(capsys.readouterr().out)["cycles"]}
    assert not listed[box.sandbox.open_oc]["open"], "a closed cycle is listed as closed"


def test_cycle_use_refuses_an_order_ofn_does_not_have(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["cycle", "use", "--config", str(box.config_path), str(box.sandbox.open_oc)]
    assert main([*args, "--counter-order", "R000000000", "--by", "Ana"]) == 1
    assert "OFN has no order R000000000" in capsys.readouterr().err
    assert box.daemon.cycle().chosen_by is None, "nothing was changed"


def test_doctor_names_a_closed_cycle(box: Box) -> None:
    from appliance.cli.doctor import run_checks

    box.sandbox.admin("POST", f"order_cycles/{box.sandbox.open_oc}/close")
    config = config_module.load(box.config_path)
    verdicts = run_checks(config, config.store_path)
    assert ("fail", "order cycle") in {(v, name) for v, name, _ in verdicts}


def test_the_old_counter_order_is_settled_in_ofn_when_the_box_moves_on(box: Box) -> None:
    """Its pending payment followed the takings all week; one capture pays it exactly, once."""
    box.sell(10, seed=65)
    box.drain_until_settled()
    old = box.sandbox.lanes["1"]
    assert box.sandbox.admin("GET", f"orders/{old}")["payment_state"] == "balance_due"
    config = ["--config", str(box.config_path)]
    assert (
        main(
            [
                "cycle",
                "use",
                *config,
                str(box.sandbox.open_oc),
                "--counter-order",
                box.sandbox.lanes["2"],
                "--by",
                "Ana",
            ]
        )
        == 0
    )
    box.sell(3, seed=66)
    box.drain_until_settled()
    box.daemon.run_once(catalogue=False)
    ofn = box.sandbox.admin("GET", f"orders/{old}")
    assert ofn["payment_state"] == "paid"
    assert [(p["state"], p["amount"]) for p in ofn["payments"]] == [("completed", ofn["total"])]
    assert box.sandbox.admin("GET", "stats").get("orders.capture") == 1, "captured once"
    kinds = box.till.connection.execute("SELECT kind FROM sync_event WHERE order_number = ?", (old,)).fetchall()
    assert ("settled",) in kinds


def test_cycle_and_audit_commands_say_in_words_when_ofn_is_down(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    box.sandbox.faults(down_for=30)
    config = ["--config", str(box.config_path)]
    for command in (["cycle", "list", *config], ["cycle", "use", *config, "12", "--by", "Ana"]):
        capsys.readouterr()
        assert main(command) == 3, command
        err = capsys.readouterr().err
        assert err.startswith("Error: ") and "OFN" in err and "sales wait in the box" in err, err
        assert "Internal error" not in err and not CLASS_NAME.search(err), err
