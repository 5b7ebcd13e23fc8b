"""The status bar: lane and cashier, OFN and what waits, printer, scale, drawer, in one line.

The parts are built by :func:`status_parts` from the values the bridge last posted, so what the
bar says is tested without a screen; the widget only draws them, each with a class that colours
it (``ok``, ``warn``, ``bad``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from appliance.store.sync_state import Status
from drivers.scale.reading import Reading, State

if TYPE_CHECKING:  # the print queue loads with the devices, after the first frame (tui/app.py)
    from drivers.print_queue import QueueSnapshot

#: Console palette colours only (Rich's colour names would go through the theme's own shades).
STYLES = {"ok": "", "warn": "bold #000000 on #aa5500", "bad": "bold #ffffff on #aa0000"}


@dataclass(frozen=True)
class Part:
    text: str
    level: str = "ok"  # ok | warn | bad
    device: bool = False  # the printer, the scale or the drawer: said together when all is well


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
        return Part(f"Printer ok{waiting}" if level == "ok" else "Printer: see menu", level, device=True)
    names = {"out of paper": "no paper", "printer offline": "offline"}
    return Part(f"Printer {names.get(snapshot.printer, snapshot.printer)}", "bad", device=True)


def scale_part(reading: Reading | None, enabled: bool) -> Part | None:
    if not enabled:
        return None
    if reading is None:
        return Part("Scale ?", "warn", device=True)
    if reading.state is State.NO_ANSWER:
        return Part("Scale unplugged" if not reading.connected else "Scale silent", "bad", device=True)
    if reading.state in (State.ERROR, State.GARBLED):
        return Part("Scale error", "bad", device=True)
    if reading.state is State.OVER_CAPACITY:
        return Part("Scale over", "warn", device=True)
    return Part("Scale ok", device=True)


def drawer_part(drawer_open: bool | None, alert: str) -> Part | None:
    if drawer_open is None:
        return None
    if alert:
        return Part("Drawer OPEN", "bad", device=True)
    return Part("Drawer open", "warn", device=True) if drawer_open else Part("Drawer shut", device=True)


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


def status_line(parts: list[Part], width: int) -> Text:
    """The parts as one line of at most ``width`` cells (0: no limit). On an 80-column console a
    long cashier name, a sale waiting offline and a drawer do not fit: the separators tighten
    first, then the devices that are fine are said together after the rest ("Printer+Scale ok",
    then "Devices ok"), then not at all, so a problem is never the part cut off; only what still
    does not fit ends in "…"."""
    for shown, separator in _tighter(parts):
        line = _joined(shown, separator)
        if not width or line.cell_len <= width:
            return line
    line.truncate(width, overflow="ellipsis")
    return line


def _tighter(parts: list[Part]) -> Iterator[tuple[list[Part], str]]:
    """Ways of saying the parts, each shorter than the one before; made only when asked for."""
    yield parts, " | "
    yield parts, "|"
    says_ok = [part for part in parts if _fine(part) and part.text.endswith(" ok")]
    yield _together(parts, says_ok, "+".join(part.text.removesuffix(" ok") for part in says_ok) + " ok"), "|"
    fine = [part for part in parts if _fine(part)]
    everything = len(fine) == sum(part.device for part in parts)
    yield _together(parts, fine, "Devices ok" if everything else "others ok"), "|"
    yield [part for part in parts if not _fine(part)], "|"


def _joined(parts: list[Part], separator: str) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, part in enumerate(parts):
        if index:
            text.append(separator)
        text.append(f" {part.text} " if part.level != "ok" else part.text, style=STYLES[part.level])
    return text


def _fine(part: Part) -> bool:
    return part.device and part.level == "ok"


def _together(parts: list[Part], together: list[Part], text: str) -> list[Part]:
    """``together`` said in one part, ``text``, after everything else (two or more of them)."""
    if len(together) < 2:
        return parts
    return [part for part in parts if part not in together] + [Part(text, device=True)]


class StatusBar(Static):
    """The bar keeps the parts it was last shown, to fit them again when the screen is resized.

    It is shown again on every scale reading while goods sit on the pan, mostly with the same
    parts: those change nothing. Its height is one row whatever it says, so an update never asks
    for the screen's layout again."""

    parts: list[Part] = []

    def show(self, parts: list[Part]) -> None:
        if parts == self.parts:
            return
        self.parts = parts
        self.update(status_line(parts, self.size.width), layout=False)

    def on_resize(self) -> None:
        self.update(status_line(self.parts, self.size.width), layout=False)
