"""The scale twin driven from a keyboard, for the demo: weights and faults typed on stdin.

``python -m drivers.scale_twin --protocol toledo8217 --link /tmp/scale`` runs :func:`main`; each
line typed goes to :func:`handle_line`, which tests call directly.
"""

from __future__ import annotations

import argparse
import os
import sys

from .scale_twin import PROTOCOLS, TITLES, ScaleTwin

HELP = """\
type a weight in grams and Enter: 1234 (stable), ~1234 (moving), -20 (below zero), over
faults: unplug, replug, mute, unmute, echo, noecho, garbage, nogarbage, cut, nocut, release,
        wrongbaud (replies sent at 2400 baud), rightbaud
quit (or Ctrl-D) to stop"""


def handle_line(twin: ScaleTwin, line: str) -> str:
    """Apply one typed line to the twin; return what to print."""
    word = line.strip().lower()
    toggles: dict[str, dict[str, object]] = {
        "mute": {"mute": True},
        "unmute": {"mute": False},
        "echo": {"echo": True},
        "noecho": {"echo": False},
        "garbage": {"garbage_before": b"\x00\xffnoise\r", "garbage_after": b"\x7f~"},
        "nogarbage": {"garbage_before": b"", "garbage_after": b""},
        "cut": {"split_at": 3},
        "nocut": {"split_at": None},
        "wrongbaud": {"reply_baud": 2400},
        "rightbaud": {"reply_baud": None},
    }
    if word in toggles:
        twin.set_faults(**toggles[word])
        return f"faults: {twin.faults}"
    if word in ("unplug", "replug", "release"):
        getattr(twin, word)()
        return f"{word}: link {'present' if twin.link.exists() else 'gone'}"
    if word == "over":
        twin.show(twin.capacity_grams + 1000)
        return f"over capacity ({twin.capacity_grams} g max)"
    if word in ("help", "?", ""):
        return HELP
    motion = word.startswith("~")
    try:
        grams = int(word.lstrip("~").removesuffix("g"))
    except ValueError:
        return f"not understood: {line.strip()!r}\n{HELP}"
    twin.show(grams, motion=motion)
    return f"pan: {grams} g{' (moving)' if motion else ''} -> {twin.display()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.scale_twin", description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", choices=PROTOCOLS, default="toledo8217")
    parser.add_argument("--link", required=True, help="path of the symlink the till opens, e.g. /tmp/scale")
    parser.add_argument("--capacity", type=int, default=15_000, help="capacity in grams")
    args = parser.parse_args(argv)
    with ScaleTwin(args.protocol, args.link, capacity_grams=args.capacity) as twin:
        print(f"{TITLES[args.protocol]} twin on {args.link} -> {os.readlink(args.link)}")
        print(HELP, flush=True)
        try:
            for line in sys.stdin:
                if line.strip().lower() in ("quit", "exit"):
                    break
                print(handle_line(twin, line), flush=True)
        except KeyboardInterrupt:
            pass
    return 0
