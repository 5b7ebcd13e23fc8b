"""The entry line: what the cashier types on the keypad, and the quantity waiting for the next item.

A widget of our own rather than a text Input: on a keypad ``+ - * /`` are actions, so only digits
and the decimal point (and letters, for a code typed on a full keyboard) are kept here; every
other key bubbles up to the screen's bindings.

In the demo the keyboard doubles as the scanner. A scanner types a whole code in a few
milliseconds and ends it with Enter; a person types a key every 80 ms or more. So the entry keeps
the time of each key, and a run of at least ``scan_min_chars`` keys, each within ``scan_gap`` of
the one before, that ends with Enter is a scan. Inside such a burst every printable character is
part of the code (a Code 128 may hold ``+`` or ``/``), not an action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from .kept_styles import KeptStyles
from .repaint import ScreenRepaint
from .text_lines import wrapped

#: Longer than any code a scanner types, the hub's receipt code included (docs/channels.md: at most
#: 1,000 signed bytes, 1,600 base32 characters); a stuck key must not grow the line without end.
MAX_LENGTH = 2048


@dataclass(frozen=True)
class Burst:
    """How the keyboard tells a scan from typing (the demo's keyboard-as-scanner)."""

    gap: float = 0.030
    min_chars: int = 6


class Entry(ScreenRepaint, KeptStyles, can_focus=True):
    """The digits typed so far, the waiting quantity, and a hint of what Enter will do.

    A key typed repaints the line in the screen's next frame at once (:class:`ScreenRepaint`): the
    digits of a keyboard-wedge scan and the scan's line share one frame, not one each.
    """

    text: reactive[str] = reactive("", layout=False, repaint=False)  # repainted by watch_text
    multiplier: reactive[int | None] = reactive(None)
    hint: reactive[str] = reactive("")

    class Changed(Message):
        """The typed text changed (a search follows it as the cashier types); posted only by an
        entry made with ``announce=True``."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self,
        *,
        burst: Burst | None = None,
        allow_letters: bool = True,
        text_mode: bool = False,
        secret: bool = False,
        announce: bool = False,
        id: str | None = None,
    ):
        super().__init__(id=id)
        # Post Changed on every change. Only a screen that searches as the cashier types wants it:
        # each message goes through the entry's, the screen's and the app's queues, and a
        # keyboard-wedge scan is fourteen changes, whose messages ran before the scan's frame.
        self.announce = announce
        self.secret = secret  # a PIN: each character shows as *
        self.burst = burst  # None: the scanner is a device of its own, every key is typing
        self.allow_letters = allow_letters
        self.text_mode = text_mode  # a name or an address on a full keyboard: every character is typed
        self._times: list[float] = []
        self._drawn: tuple[object, ...] | None = None  # what the line on screen was drawn from (_shows)

    def watch_text(self, text: str) -> None:
        # One repaint a frame however many keys came: the keys of a keyboard-wedge scan come
        # together, and each refresh costs Textual's bookkeeping. None when the line comes back to
        # what the screen shows: a keyboard-wedge scan's digits and the Enter that takes them come
        # in one read, so the entry is empty again before the frame (docs/benchmarks.md).
        if self._shows() == self._drawn:
            self.withdraw_repaint()
        elif not self.repaint_waiting():
            size = self.content_size
            super().refresh(Region(0, 0, size.width, size.height))  # the text's, not refresh()'s
        if self.announce:
            self.post_message(self.Changed(text))

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        """Asked by anything but the text (a quantity, a hint, a style, a size): the line is drawn
        again whatever the text does meanwhile."""
        self._drawn = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _shows(self) -> tuple[object, ...]:
        """What the line is drawn from, besides its styles (a new style repaints through refresh)."""
        return self.text, self.multiplier, self.hint, self.secret, self.content_size

    # -- what the screens read and change ------------------------------------------------------

    def clear(self) -> None:
        self.text = ""
        self._times = []

    def backspace(self) -> bool:
        """Delete the last character; False when there was nothing to delete."""
        if not self.text:
            return False
        self.text = self.text[:-1]
        self._times = self._times[:-1]
        return True

    def take(self) -> str:
        text, self.text, self._times = self.text, "", []
        return text

    def take_scan(self, now: float) -> str | None:
        """The code of a scanner-speed burst that Enter (at ``now``) ends, or None when it was typed.

        What was typed by hand before the burst stays in the entry.
        """
        if self.burst is None or not self._times:
            return None
        times = [*self._times, now]
        start = len(times) - 1
        while start > 0 and times[start] - times[start - 1] <= self.burst.gap:
            start -= 1
        count = len(self._times) - start
        if count < self.burst.min_chars:
            return None
        code = self.text[start:]
        self.text, self._times = self.text[:start], self._times[:start]
        return code

    def take_code(self, now: float) -> str:
        """What Enter adds: a scan the keyboard typed as a burst, else everything typed."""
        scanned = self.take_scan(now)
        return scanned if scanned is not None else self.take()

    def in_burst(self, now: float) -> bool:
        """A key arriving now belongs to a scan being typed by the keyboard-scanner."""
        return self.burst is not None and bool(self._times) and now - self._times[-1] <= self.burst.gap

    # -- keys ----------------------------------------------------------------------------------

    def type_key(self, event: events.Key) -> bool:
        """Whether the key is the entry's (typed, or dropped past MAX_LENGTH); False: an action key.
        The app hands the entry in focus every key, in order (tui/key_order.py)."""
        return self.type_keys((event,)) == 1

    def type_keys(self, keys: Sequence[events.Key]) -> int:
        """How many of ``keys``, from the first, are the entry's: those are typed, the rest left to
        the screen. The text changes once, however many were typed: a keyboard-wedge scan's digits
        come in one read of the terminal (tui/driver.py), and each change of the text costs Textual's
        reactive machinery and a repaint's bookkeeping (docs/benchmarks.md)."""
        text, count = self.text, 0
        for event in keys:
            typed = self._typed(text, event)
            if typed is None:
                break
            text, count = typed, count + 1
        if count:
            self.text = text
        return count

    def _typed(self, text: str, event: events.Key) -> str | None:
        """``text`` with the key typed (the same text when the line is full), or None: an action key."""
        char = event.character
        if not char or not char.isprintable():
            return None
        typed = (
            self.text_mode
            or char.isdigit()
            or char in ".,"
            or (self.allow_letters and char.isascii() and char.isalpha())
        )
        if not typed and not self.in_burst(event.time):
            return None  # an action key: the screen's bindings take it
        if len(text) >= MAX_LENGTH:
            return text
        self._times.append(event.time)
        return text + ("." if char == "," and not self.text_mode else char)

    # -- drawing -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """The line drawn from its Rich text, not through Textual's visual pipeline, which took a third
        of a millisecond of each frame a key is typed in. The same segments as Textual's: each with
        its offset in the line (Textual's text selection reads it), the rest of the line in the
        background alone (the screens' snapshots hold it)."""
        style, pad = self.kept_styles()
        width = self.content_size.width
        if y == 0:
            self._drawn = self._shows()
        lines = wrapped(self.app.console, self.render(), width) if y == 0 else []
        if not lines:
            return Strip.blank(width, pad)
        segments, x = [], 0
        for text, segment_style, _ in Segment.apply_style(lines[0].render(self.app.console), style):
            segments.append(Segment(text, (segment_style or style) + Style.from_meta({"offset": (x, y)})))
            x += cell_len(text)
        return Strip(segments).adjust_cell_length(width, pad)

    def _look_up_styles(self) -> tuple[Style, ...]:
        style = self.rich_style
        return style, Style.from_color(bgcolor=style.bgcolor)

    def render(self) -> Text:
        line = Text()
        if self.multiplier is not None:
            line.append(f"{self.multiplier} × ", style="bold")
        line.append("> ", style="bold")
        line.append("*" * len(self.text) if self.secret else self.text, style="bold")
        if not self.text and self.hint:
            line.append(self.hint, style="dim")
        return line
