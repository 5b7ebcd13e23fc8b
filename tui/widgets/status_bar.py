"""The status bar: lane and cashier, OFN and what waits, printer, scale, drawer, in one line.

The parts are built by :func:`status_parts` from the values the bridge last posted, so what the
bar says is tested without a screen; the widget only draws them, each with a class that colours
it (``ok``, ``warn``, ``bad``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from appliance.store.sync_state import Status
from drivers.print_queue import QueueSnapshot
from drivers.scale.reading import Reading, State

#: Console palette colours only (Rich's colour names would go through the theme's own shades).
STYLES = {"ok": "", "warn": "bold #000000 on #aa5500", "bad": "bold #ffffff on #aa0000"}


@dataclass(frozen=True)
class Part:
    text: str
    level: str = "ok"  # ok | warn | bad


def sync_part(status: Status | None) -> Part:
    if status is None:
        return Part("OFN ?", "warn")
    waiting = f" {status.pending} waiting" if status.pending else ""
    age = f" {_age(status.oldest_pending_s)}" if status.pending and status.oldest_pending_s else ""
    if status.attention or status.audit_unexplained:
        return Part(f"OFN: needs attention{waiting}", "bad")
    if status.state == "online":
        return Part(f"OFN online{waiting}{age}", "warn" if status.pending > 20 else "ok")
    if status.state == "starting":
        return Part(f"OFN not synced yet{waiting}", "warn")
    names = {"offline": "offline", "key_rejected": "key refused", "cycle_closed": "cycle closed"}
    return Part(
        f"OFN {names.get(status.state, status.state)}{waiting}{age}", "bad" if status.state != "offline" else "warn"
    )


def printer_part(snapshot: QueueSnapshot | None, enabled: bool) -> Part | None:
    if not enabled:
        return None
    if snapshot is None or snapshot.printer in ("unknown", "ready"):
        waiting = f" ({snapshot.waiting})" if snapshot and snapshot.waiting else ""
        level = "bad" if snapshot is not None and snapshot.needs_attention else "ok"
        return Part(f"Printer ok{waiting}" if level == "ok" else "Printer: see menu", level)
    names = {"out of paper": "no paper", "printer offline": "offline"}
    return Part(f"Printer {names.get(snapshot.printer, snapshot.printer)}", "bad")


def scale_part(reading: Reading | None, enabled: bool) -> Part | None:
    if not enabled:
        return None
    if reading is None:
        return Part("Scale ?", "warn")
    if reading.state is State.NO_ANSWER:
        return Part("Scale unplugged" if not reading.connected else "Scale silent", "bad")
    if reading.state in (State.ERROR, State.GARBLED):
        return Part("Scale error", "bad")
    if reading.state is State.OVER_CAPACITY:
        return Part("Scale over", "warn")
    return Part("Scale ok")


def drawer_part(drawer_open: bool | None, alert: str) -> Part | None:
    if drawer_open is None:
        return None
    if alert:
        return Part("Drawer OPEN", "bad")
    return Part("Drawer open", "warn") if drawer_open else Part("Drawer shut")


def status_parts(
    lane: str,
    cashier: str,
    sync: Status | None,
    printer: tuple[QueueSnapshot | None, bool],
    scale: tuple[Reading | None, bool],
    drawer: tuple[bool | None, str],
    training: bool = False,
) -> list[Part]:
    parts = [Part(f"{lane} · {cashier or 'no cashier'}")]
    if training:
        parts.append(Part("TRAINING", "warn"))
    parts.append(sync_part(sync))
    for part in (printer_part(*printer), scale_part(*scale), drawer_part(*drawer)):
        if part is not None:
            parts.append(part)
    return parts


def _age(seconds: int | None) -> str:
    if not seconds:
        return ""
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}min"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}"


class StatusBar(Static):
    def show(self, parts: list[Part]) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, part in enumerate(parts):
            if index:
                text.append(" | ")
            text.append(f" {part.text} " if part.level != "ok" else part.text, style=STYLES[part.level])
        self.update(text)
