"""Text drawn a line at a time, for the few lines a scan changes (the message line, the last item).

A Textual ``Static`` draws every line of its box again whenever its text changes, and each line
drawn costs about a tenth of a millisecond of styling (borders, padding, the console's colour
filter): the message line and the last-item panel were ten of the sixteen lines a scan's frame
drew (docs/benchmarks.md, bench/counter_scan.py). This widget keeps its text wrapped to its width
and each line drawn, and a new text repaints only the lines that differ: "Added Pasta" after
"Added Flour" is one line, the blank lines under it none.

Text is taken as given (a ``str`` is plain text, never markup): what the till says may hold
brackets.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip

from ..compositor import runs
from .kept_styles import KeptStyles
from .repaint import ScreenRepaint


def as_text(content: str | Text) -> Text:
    return content if isinstance(content, Text) else Text(content)


class DrawnLines(ScreenRepaint, KeptStyles):
    """A widget drawn a line at a time, each line kept once drawn: a change repaints the lines it
    names (:meth:`_repaint`), and a new width or style draws them all again.

    A subclass says how its text wraps (:meth:`_wrap`), which styles it draws with
    (:meth:`_look_up_styles`, kept until they may change: tui/widgets/kept_styles.py) and how one
    line is drawn (:meth:`_draw`).
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._laid: tuple[int, tuple[Style, ...]] | None = None  # the width and styles the lines below are for
        self._lines: list[Text] = []  # the text, wrapped at that width
        self._strips: dict[int, Strip] = {}

    def _wrap(self, width: int) -> list[Text]:
        raise NotImplementedError

    def _draw(self, y: int, width: int, *styles: Style) -> Strip:
        raise NotImplementedError

    def _repaint(self, *lines: int) -> None:
        """Repaint ``lines`` (one refresh for them all: each costs Textual's bookkeeping)."""
        if not lines:
            return
        for y in lines:
            self._strips.pop(y, None)
        width = max(1, self.content_size.width)
        self.refresh(*(Region(0, top, width, height) for top, height in runs(sorted(set(lines)))))

    def render_lines(self, crop: Region) -> list[Strip]:
        laid = (self.content_size.width, self.kept_styles())
        if self._laid != laid:
            self._laid, self._lines, self._strips = laid, self._wrap(laid[0]), {}
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            assert self._laid is not None  # Textual asks for lines through render_lines
            width, styles = self._laid
            strip = self._strips[y] = self._draw(y, width, *styles)
        return strip


class TextLines(DrawnLines):
    """Wrapped text whose unchanged lines are not drawn again."""

    DEFAULT_CSS = "TextLines { height: auto; }"  # as tall as its text, like a Static

    def __init__(self, content: str | Text = "", *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._text = as_text(content)

    @property
    def text(self) -> Text:
        return self._text

    def update(self, content: str | Text) -> None:
        """Show ``content``; repaint the lines that changed (all of them before the first frame)."""
        text = as_text(content)
        if same(text, self._text):
            return
        self._text = text
        if self._laid is None or self._laid[0] != self.content_size.width:
            self.refresh()  # not drawn yet at this width: everything is drawn anyway
            return
        before, self._lines = self._lines, self._wrap(self._laid[0])
        self._repaint(*changed_lines(before, self._lines))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._wrap(width))

    def _wrap(self, width: int) -> list[Text]:
        return wrapped(self.app.console, self._text, width)

    def _draw(self, y: int, width: int, *styles: Style) -> Strip:
        (style,) = styles
        if y >= len(self._lines):
            return Strip.blank(width, style)
        return drawn(self.app.console, self._lines[y], width, style)


def changed_lines(before: list[Text], after: list[Text]) -> list[int]:
    """The lines that differ between two wrappings of a text (a line one has and the other not too)."""
    return [
        y
        for y in range(max(len(before), len(after)))
        if y >= len(before) or y >= len(after) or not same(before[y], after[y])
    ]


def same(one: Text, other: Text) -> bool:
    """Whether two texts look the same: Rich's ``==`` compares the words and the spans, not the
    text's own style (the message line's level: the same words said as an error)."""
    return one == other and one.style == other.style


def wrapped(console: Console, text: Text, width: int) -> list[Text]:
    """``text`` cut into the lines it takes at ``width`` cells (none for no text).

    What Rich's ``Text.wrap`` gives, with a line that already fits taken as it is: the wrap divides
    and measures every line again, a tenth of a millisecond for the three texts a scan shows, whose
    lines nearly always fit (tests/test_text_lines.py holds the two to the same lines).
    """
    plain = text.plain
    if width <= 0 or not plain:
        return []
    if "\t" in plain:  # Rich expands tabs to the next stop: leave it to the wrap
        return list(text.wrap(console, width))
    lines = text.split("\n", allow_blank=True) if "\n" in plain else [text.copy()]
    out: list[Text] = []
    for line in lines:
        if cell_len(line.plain) <= width:
            out.append(line)
        else:
            out.extend(line.wrap(console, width))
    return out


def drawn(console: Console, line: Text, width: int, style: Style) -> Strip:
    """One line of text over ``style`` (the widget's), padded to ``width`` cells."""
    over = style
    if line.style and not line.spans:  # Rich applies a text's own style only through its spans
        over = style + console.get_style(line.style, default=Style.null())
    return Strip(Segment.apply_style(line.render(console), over)).adjust_cell_length(width, style)
