"""A report laid out as text (an X or Z report) as a print document for the receipt printer.

The printed text is :func:`appliance.reports.text.shift_report_text` line for line, at the paper's
width, so a printed X reads exactly as ``ofn-checkout report x`` prints it and a printed Z as
``report z``: the document only adds the emphasis on the title and the cash difference, and the cut.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from appliance.core.document import Block, Cut, Document, Rule, Text
from appliance.reports.formatting import TRAINING_BANNER, Formatter
from appliance.reports.text import shift_report_text

#: Lines printed in bold when they start so: what the manager looks for first.
_EMPHASISED = ("Expected in drawer", "Counted", "Difference")


def text_document(lines: Iterable[str], columns: int, bold: Iterable[str] = ()) -> Document:
    """Each line as printed text (a rule of ``-`` across the paper as a Rule), then a cut."""
    strong = set(bold)
    blocks: list[Block] = []
    for line in lines:
        if line == "-" * columns:
            blocks.append(Rule("-"))
        else:
            blocks.append(Text(line, bold=line.strip() in strong or line.startswith(_EMPHASISED)))
    blocks.append(Cut(partial=True))
    return Document(tuple(blocks))


def shift_report_document(
    record: dict[str, Any],
    fmt: Formatter,
    lane_name: str,
    columns: int = 42,
    *,
    training: bool = False,
    sealed: tuple[int, str] | None = None,
) -> Document:
    """An X report, or a Z report with its seal, on paper ``columns`` characters wide."""
    text = shift_report_text(record, fmt, lane_name, columns, training=training, sealed=sealed)
    lines = text.split("\n")
    titles = {lines[1 if training else 0].strip(), TRAINING_BANNER, "CASH DRAWER"}
    return text_document(lines, columns, titles)
