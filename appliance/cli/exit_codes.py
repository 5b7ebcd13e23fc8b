"""The exit codes every command shares: 0, or one of these.

A module of their own so that the root command (appliance/cli/main.py) can name them without
importing the till with the shared options (appliance/cli/options.py re-exports them).
"""

from __future__ import annotations

#: "Checked, and something is wrong": a bad config, a broken journal.
EXIT_PROBLEMS = 1
#: An error a person can act on, said in one line.
EXIT_CANNOT = 3
#: An unexpected failure, logged with its traceback.
EXIT_INTERNAL = 70
