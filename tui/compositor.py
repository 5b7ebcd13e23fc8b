"""A frame draws the lines it writes, not every line of every widget on the screen.

Textual's partial update (a frame that repaints what changed) writes only the spans of the regions
that changed, but first asks every widget on the screen for all of its lines: the footer, the status
bar, the whole basket and the screen itself, all 25 rows, to keep the few the spans name. Each line
asked for costs the widget's styles and line filters even when the line comes from a cache, and
every widget its own pass: a scan changes about ten lines, and its frame spent 1.5 of its 2 ms on
lines it threw away (docs/benchmarks.md, bench/counter_scan.py).

:class:`SpanCompositor` asks each widget only for the lines where a span crosses it, and only when a
widget in front has not already covered that part of the line. What it writes is the same: the
same spans, filled by the same widgets front to back (tests/test_counter_frame.py compares the two).
A full update (a new screen, a resize, a layout) is Textual's own.

The names used are Textual's internals, of the version pinned in provisioning/constraints.txt.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

Chops = list[dict[int, Strip | None]]


class SpanCompositor(Compositor):
    """A compositor whose partial updates draw only the lines they write."""

    def render_partial_update(self) -> ChopsUpdate | None:
        update_regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        if not update_regions:
            return None
        crop = Region.from_union(list(update_regions)).intersection(self.size.region)
        spans = list(self._regions_to_spans(update_regions))
        chops = self.span_chops(crop, spans)
        chop_ends = [cut_set[1:] for cut_set in self.cuts]
        return ChopsUpdate(chops, spans, chop_ends)

    def span_chops(self, crop: Region, spans: Iterable[tuple[int, int, int]]) -> Chops:
        """The chops of each line the spans cross, filled front to back as Textual fills them; the
        parts of a line no span crosses are left empty (an update never writes them)."""
        cuts = self.cuts
        chops: Chops = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        by_line: dict[int, list[tuple[int, int]]] = {}
        for y, x1, x2 in spans:
            by_line.setdefault(y, []).append((x1, x2))
        for widget, (region, clip) in self.visible_widgets.items():
            if not crop.overlaps(clip):
                continue
            shown = region.intersection(clip)
            if not shown:
                continue
            left, right = shown.column_span
            wanted = [
                y for y in shown.line_range if y in by_line and self._uncovered(chops, y, left, right, by_line[y])
            ]
            for top, height in runs(wanted):
                strips = widget.render_lines(Region(left - region.x, top - region.y, shown.width, height))
                for y, strip in zip(range(top, top + height), strips):
                    line = chops[y]
                    final_cuts = [cut for cut in cuts[y] if right >= cut >= left]
                    for cut, piece in zip(final_cuts, strip.divide([cut - left for cut in final_cuts[1:]])):
                        if line.get(cut) is None:
                            line[cut] = piece
        return chops

    def _uncovered(self, chops: Chops, y: int, left: int, right: int, spans: list[tuple[int, int]]) -> bool:
        """Whether some part of line ``y`` between ``left`` and ``right`` that a span crosses is not
        filled yet (by a widget in front)."""
        cut_set = self.cuts[y]
        line = chops[y]
        for start, end in zip(cut_set, cut_set[1:]):
            if end <= left or start >= right or line.get(start) is not None:
                continue
            if any(start < x2 and end > x1 for x1, x2 in spans):
                return True
        return False


def runs(lines: list[int]) -> list[tuple[int, int]]:
    """Sorted line numbers as runs of consecutive lines: (first line, how many)."""
    out: list[tuple[int, int]] = []
    for y in lines:
        if out and out[-1][0] + out[-1][1] == y:
            top, height = out[-1]
            out[-1] = (top, height + 1)
        else:
            out.append((y, 1))
    return out
