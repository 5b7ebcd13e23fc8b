"""What every benchmark prints: the median and the 99th percentile of its samples.

One definition for all of them (nearest rank for the p99), so that figures side by side in
docs/benchmarks.md are read the same way.
"""

from __future__ import annotations

import statistics


def quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
