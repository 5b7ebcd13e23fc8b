"""How a command's run ends, without click: its exit code, and what a person reads when it failed.

An error a person can act on prints one line and exits 3 (``EXIT_CANNOT``); a database error is
said in words, exit 3; anything else is logged with its traceback, and the line printed says where
(exit 70). Interrupted (Ctrl+C): "Aborted.", exit 1, as click says it. Files the command creates
are the service user's alone (:data:`UMASK`).

The root command (main.py) runs every command through :func:`run_command`, click inside it; the
counter's console script (tui/command.py) runs ``run`` through it without click, whose import is
6 ms of the counter's start (docs/benchmarks.md, "bench/counter_start.py"). Nothing here imports the till: what
names the errors is imported once one happened.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from appliance.cli.exit_codes import EXIT_CANNOT, EXIT_INTERNAL, EXIT_PROBLEMS
from appliance.cli.logs import setup_logging

log = logging.getLogger("appliance.cli.main")

#: Files the CLI creates (the store and its -wal and -shm, keys, the witness, logs, exports) are the
#: service user's alone; the systemd units set the same UMask for the services.
UMASK = 0o077


def run_command(body: Callable[[], int | None], argv: list[str] | None) -> int:
    """Run one command's ``body`` as the root command runs a command: under :data:`UMASK`, with the
    CLI's log, its failure turned into an exit code; ``argv`` names it in the log."""
    previous_umask = os.umask(UMASK)
    try:
        log_file = setup_logging("cli")
        try:
            result = body()
        except (EOFError, KeyboardInterrupt):
            say("")
            say("Aborted.")
            return EXIT_PROBLEMS
        except Exception as exc:
            return failed(exc, argv, log_file)
        return result if isinstance(result, int) else 0
    finally:
        os.umask(previous_umask)


def failed(exc: Exception, argv: list[str] | None, log_file: Path | None) -> int:
    """Say how a command failed, and its exit code: a person error in one line, a database error in
    words, anything else logged. What names those errors is imported here, when one happened: the
    root command imports nothing of the till's before its command is loaded (``run``'s start)."""
    from appliance.cli.errors import PERSON_ERRORS

    if isinstance(exc, PERSON_ERRORS):
        _print_error(exc)
        return EXIT_CANNOT
    if isinstance(exc, sqlite3.DatabaseError):
        log.error("database error", exc_info=exc)
        say(f"Error: {database_problem(exc)}")
        return EXIT_CANNOT
    log.error("ofn-checkout %s failed", " ".join(argv or sys.argv[1:]), exc_info=exc)
    where = f"the details are logged in {log_file}" if log_file else "no log file could be written"
    say(f"Internal error: {where}")
    return EXIT_INTERNAL


def database_problem(exc: sqlite3.DatabaseError) -> str:
    """What a person should understand of an SQLite error (the details go to the log)."""
    from appliance.store.database import explain

    return f"the database {explain(exc)}"


def say(text: str) -> None:
    """One line on standard error (``click.echo(err=True)`` without click)."""
    print(text, file=sys.stderr, flush=True)


def _print_error(exc: Exception) -> None:
    from appliance.config import ConfigError

    if isinstance(exc, ConfigError):
        say(f"Error: the config {exc.path or ''} cannot be used:")
        for problem in exc.problems:
            say(f"  {problem}")
    else:
        say(f"Error: {exc}")
