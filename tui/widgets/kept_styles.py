"""A widget's styles looked up once, not on every frame.

A widget drawn by its own ``render_line`` needs its Rich styles (its own, and those of its component
classes) for each pass. Textual computes ``rich_style`` afresh on every call, walking every ancestor
up to the screen, and empties the cache of component styles on every ``refresh()``, a repaint of
one line included: a scan's frame looked the same styles up eight times, about a fifth of its
Python (docs/benchmarks.md, bench/counter_scan.py).

The styles kept here are dropped when they may have changed: when Textual applies the stylesheet to
the widget (a class added or removed, a new theme: ``notify_style_update``), and on a repaint of the
whole widget, which Textual does when a style is set on the widget or inherited from a parent.
A repaint of some lines (with regions) keeps them.
"""

from __future__ import annotations

from typing import Self

from rich.style import Style
from textual.geometry import Region
from textual.widget import Widget


class KeptStyles(Widget):
    """Styles looked up by :meth:`_look_up_styles`, kept until they may have changed."""

    _kept_styles: tuple[Style, ...] | None = None

    def kept_styles(self) -> tuple[Style, ...]:
        styles = self._kept_styles
        if styles is None:
            styles = self._kept_styles = self._look_up_styles()
        return styles

    def _look_up_styles(self) -> tuple[Style, ...]:
        return (self.rich_style,)

    def notify_style_update(self) -> None:
        self._kept_styles = None
        super().notify_style_update()

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if not regions:
            self._kept_styles = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
