"""People and PINs in the store and on the command line: the rules that keep a till usable, the
journal's record of who could sell (never a PIN or its hash), rows edited without the journal key,
the lock-out kept in the store, and ``ofn-checkout people`` reading a PIN on a real terminal (a pty)
without echoing it, and never printing, logging or sealing it.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import sqlite3
import subprocess
import termios
import time
from pathlib import Path

import pytest

from appliance.cli.main import main
from appliance.config import Config
from appliance.core.lockout import LOCK_SECONDS, Tick
from appliance.core.pins import Cost, hash_pin
from appliance.store import people as people_store
from appliance.store.people import PeopleError, PinLocked, PinRefused
from appliance.till import Till

from .conftest import env_without_config
from .ofn_sandbox import BIN

PIN = "48261937"  # eight digits: no hex hash, UUID or date holds this run by chance


def journal_text(till: Till) -> str:
    return "\n".join(payload for (payload,) in till.connection.execute("SELECT payload FROM journal"))


def tamper(till: Till, sql: str, *args: object) -> None:
    connection = sqlite3.connect(till.path)
    with connection:
        connection.execute(sql, args)
    connection.close()


# -- the rules ---------------------------------------------------------------------------------------


def test_the_first_person_is_a_manager_and_the_last_manager_stays(till: Till) -> None:
    assert not till.has_people()
    with pytest.raises(PeopleError, match="add a manager first"):
        till.add_person("Chloé", "cashier", "1111", "test")
    till.add_person("Manon", "manager", "9999", "test")
    till.add_person("Chloé", "cashier", "1111", "test")
    with pytest.raises(PeopleError, match="last manager"):
        till.disable_person("manon", "test")  # a name in any case of its letters
    with pytest.raises(PeopleError, match="already a cashier"):
        till.add_person("CHLOÉ", "manager", "3333", "test")
    with pytest.raises(PeopleError, match="Someone else has this PIN"):
        till.add_person("Léo", "cashier", "9999", "test")
    with pytest.raises(PeopleError, match="A role is cashier or manager"):
        till.add_person("Léo", "boss", "2222", "test")
    till.disable_person("Chloé", "test")
    assert [(p.name, p.role, p.active) for p in till.people()] == [
        ("Manon", "manager", True),
        ("Chloé", "cashier", False),
    ]
    with pytest.raises(PinRefused):
        till.log_in("1111", Tick(1, "b"))  # disabled: the PIN no longer opens the till
    till.add_person("chloé", "cashier", "1212", "test")  # back, with a new PIN, under her own name
    assert till.log_in("1212", Tick(2, "b")).name == "Chloé"
    assert till.verify().ok


def test_the_journal_records_who_could_sell_and_never_a_pin_or_its_hash(till: Till) -> None:
    till.add_person("Manon", "manager", PIN, "Alice")
    till.change_pin("Manon", "56473829", "Alice")
    till.add_person("Chloé", "cashier", "1111", "Manon")
    till.disable_person("Chloé", "Manon")
    rows = till.connection.execute(
        "SELECT kind, ref, payload FROM journal WHERE kind LIKE 'person%' ORDER BY seq"
    ).fetchall()
    assert [(kind, ref, json.loads(payload)) for kind, ref, payload in rows] == [
        ("person_added", "Manon", {"name": "Manon", "role": "manager", "active": True, "by": "Alice"}),
        ("person_pin", "Manon", {"name": "Manon", "role": "manager", "active": True, "by": "Alice"}),
        ("person_added", "Chloé", {"name": "Chloé", "role": "cashier", "active": True, "by": "Manon"}),
        ("person_disabled", "Chloé", {"name": "Chloé", "role": "cashier", "active": False, "by": "Manon"}),
    ]
    text = journal_text(till)
    for person in till.people():
        assert person.pin not in text and person.pin.split("$")[2] not in text and person.pin.split("$")[3] not in text
    assert PIN not in text and "56473829" not in text
    assert "pin=" not in repr(till.people()) and PIN not in repr(till.people())


def test_a_login_makes_an_old_hash_again_with_todays_costs(till: Till) -> None:
    till.add_person("Manon", "manager", "9999", "test")
    old = people_store.find(till.connection, "Manon")
    assert old is not None
    weak = people_store.Person(old.name, old.role, True, hash_pin("9999", Cost(2**10, 8, 1)), old.journal_seq)
    with till.connection:
        people_store._store(till.connection, till.key, weak)  # as an earlier version would have made it
    assert till.log_in("9999", Tick(1, "b")).name == "Manon"
    renewed = people_store.find(till.connection, "Manon")
    assert renewed is not None and renewed.pin.split("$")[1] == "n=16384,r=8,p=1"
    assert till.log_in("9999", Tick(2, "b")).name == "Manon" and till.verify().ok


# -- rows edited without the key -------------------------------------------------------------------


def test_a_cashier_made_manager_by_editing_the_row_is_refused_and_named(till: Till) -> None:
    till.add_person("Manon", "manager", "9999", "test")
    till.add_person("Chloé", "cashier", "1111", "test")
    tamper(till, "UPDATE person SET role = 'manager' WHERE name = 'Chloé'")
    with pytest.raises(PinRefused):
        till.log_in("1111", Tick(1, "b"), manager=True)  # the row has lost its seal: nobody's
    assert [f.problem for f in till.verify().findings] == [
        "the person row of 'Chloé' was edited without the journal key (its seal does not match):"
        " disable and add them again"
    ]


def test_a_hash_swapped_for_one_of_a_known_pin_opens_nothing(till: Till) -> None:
    till.add_person("Manon", "manager", "9999", "test")
    tamper(till, "UPDATE person SET pin = ? WHERE name = 'Manon'", hash_pin("0000"))
    with pytest.raises(PinRefused):
        till.log_in("0000", Tick(1, "b"))
    assert "edited without the journal key" in till.verify().findings[0].problem


def test_an_older_row_put_back_or_a_row_removed_is_named(till: Till) -> None:
    till.add_person("Manon", "manager", "9999", "test")
    till.add_person("Chloé", "cashier", "1111", "test")
    before = till.connection.execute(
        "SELECT role, active, pin, journal_seq, mac FROM person WHERE name = 'Chloé'"
    ).fetchone()
    till.disable_person("Chloé", "test")
    tamper(
        till, "UPDATE person SET role = ?, active = ?, pin = ?, journal_seq = ?, mac = ? WHERE name = 'Chloé'", *before
    )
    assert till.log_in("1111", Tick(1, "b")).name == "Chloé"  # the seal is good: only the journal can tell
    assert "is not what the journal last recorded" in till.verify().findings[0].problem
    tamper(till, "DELETE FROM person WHERE name = 'Chloé'")
    assert [f.problem for f in till.verify().findings] == ["'Chloé' is in the journal but has no person row (removed)"]


# -- the lock-out in the store ---------------------------------------------------------------------


def test_the_lock_is_kept_in_the_store_and_restarts_its_minute_after_a_reboot(till: Till, config: Config) -> None:
    till.add_person("Manon", "manager", "9999", "test")
    for second in range(4):
        with pytest.raises(PinRefused):
            till.log_in("1234", Tick(100 + second, "boot-1"))
    with pytest.raises(PinLocked) as locked:
        till.log_in("1234", Tick(104, "boot-1"))
    assert locked.value.seconds == LOCK_SECONDS
    reopened = Till.open(config)  # the app restarts
    try:
        with pytest.raises(PinLocked) as still:
            reopened.log_in("9999", Tick(134, "boot-1"))  # the right PIN, not even checked
        assert still.value.seconds == 30
        assert reopened.pin_lock_left(Tick(7, "boot-2")) == LOCK_SECONDS  # rebooted: a whole minute again
        assert reopened.pin_lock_left(Tick(37, "boot-2")) == 30
        assert reopened.log_in("9999", Tick(67, "boot-2")).name == "Manon"
        assert reopened.pin_lock_left(Tick(68, "boot-2")) == 0
        with pytest.raises(PinRefused) as fresh:
            reopened.log_in("1234", Tick(69, "boot-2"))
        assert fresh.value.tries_left == 4  # a good PIN started the count again
    finally:
        reopened.close()


def test_a_cashiers_pin_for_a_manager_is_refused_but_not_counted(till: Till) -> None:
    till.add_person("Manon", "manager", "9999", "test")
    till.add_person("Chloé", "cashier", "1111", "test")
    for second in range(10):
        with pytest.raises(PinRefused, match="not a manager's"):
            till.log_in("1111", Tick(second, "b"), manager=True)
    assert till.log_in("9999", Tick(11, "b"), manager=True).name == "Manon"


# -- the command line ------------------------------------------------------------------------------


def run_on_a_terminal(args: list[str], answers: list[str], env: dict[str, str]) -> tuple[int, str]:
    """``ofn-checkout ARGS`` on a pty of its own (its controlling terminal, as over SSH): each answer
    is typed once the output has asked something new; returns the exit code and all it showed."""
    controller, terminal = pty.openpty()

    def own_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [str(BIN), *args], stdin=terminal, stdout=terminal, stderr=terminal, env=env,
        start_new_session=True, preexec_fn=own_terminal, close_fds=True,
    )  # fmt: skip
    os.close(terminal)
    shown, pending = b"", list(answers)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # the command ended and closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
                if pending and shown.endswith(b": "):  # a question waits (its answer gets a new line)
                    os.write(controller, pending.pop(0).encode() + b"\r")
            elif process.poll() is not None:
                break
        code = process.wait(timeout=30)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
    return code, shown.decode(errors="replace")


def test_people_add_asks_the_pin_twice_on_the_terminal_and_shows_it_nowhere(
    tmp_path: Path, config_file: Path, config: Config
) -> None:
    assert main(["store", "init", "--config", str(config_file)]) == 0
    env = env_without_config(tmp_path)
    code, shown = run_on_a_terminal(
        ["people", "add", "Manon", "--role", "manager", "--config", str(config_file)], [PIN, PIN], env
    )
    assert code == 0, shown
    assert "New PIN for Manon (4 to 8 digits):" in shown and "The same PIN again:" in shown
    assert "Manon added as manager" in shown and PIN not in shown  # typed without echo
    code, shown = run_on_a_terminal(
        ["people", "add", "Chloé", "--role", "cashier", "--config", str(config_file)], ["1111", "1112"], env
    )
    assert code == 3 and "The two PINs differ: nothing was changed" in shown and "1111" not in shown
    listed = subprocess.run(
        [str(BIN), "people", "list", "--json", "--config", str(config_file)], capture_output=True, text=True, env=env
    )
    assert json.loads(listed.stdout) == [{"name": "Manon", "role": "manager", "active": True}]
    till = Till.open(config, write=False)
    try:
        [manon] = till.people()
        assert manon.name == "Manon" and till.verify().ok
        secrets = (PIN, manon.pin, manon.pin.split("$")[2], manon.pin.split("$")[3])
        journal = journal_text(till)
    finally:
        till.close()
    logs = "".join(path.read_text(errors="replace") for path in (tmp_path / "logs").glob("*"))
    assert "person_added: Manon, manager, active, by" in logs  # the log says what was done, never the PIN
    for secret in secrets:
        assert secret not in journal and secret not in logs and secret not in listed.stdout


def test_people_commands_say_what_is_wrong_in_one_line(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["store", "init", "--config", str(config_file)]) == 0
    capsys.readouterr()
    env = env_without_config(tmp_path)

    def people(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        command = [str(BIN), "people", *args, "--config", str(config_file)]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=60)

    refused = people("add", "Chloé", "--role", "cashier", stdin="1111\n")  # piped, as provisioning does
    assert refused.returncode == 3 and refused.stderr == (
        "Error: The first person on a till is a manager: add a manager first, then the cashiers\n"
    )
    assert people("add", "Manon", "--role", "manager", stdin=f"{PIN}\n").returncode == 0
    bad = people("add", "Chloé", "--role", "cashier", stdin="12a4\n")
    assert (bad.returncode, bad.stderr) == (3, "Error: A PIN is 4 to 8 digits\n")
    assert people("add", "Chloé", "--role", "cashier", "--pin", "1111").returncode == 2  # never an argument
    assert people("add", "Chloé", "--role", "cashier", stdin="1111\n").returncode == 0
    assert people("pin", "chloé", stdin="2222\n").stdout == "Chloé has a new PIN\n"
    taken = people("pin", "Chloé", stdin=f"{PIN}\n")
    assert (taken.returncode, taken.stderr) == (3, "Error: Someone else has this PIN: choose another one\n")
    last = people("disable", "Manon")
    assert last.returncode == 3 and "last manager" in last.stderr
    assert people("disable", "Chloé").stdout == "Chloé disabled: their PIN no longer opens the till\n"
    nobody = people("pin", "Bruno", stdin="3333\n")
    assert nobody.returncode == 3 and "nobody active called 'Bruno'" in nobody.stderr
    listed = people("list").stdout
    assert "Manon" in listed and "manager" in listed and "disabled" in listed
    for result in (refused, bad, taken, last, nobody):
        assert "Traceback" not in result.stderr and PIN not in result.stderr + result.stdout
