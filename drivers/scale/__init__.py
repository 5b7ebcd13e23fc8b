"""Serial weighing scales: Toledo 8217, NCI SCP-01, CAS ECR and CAS PD-II, behind one ``Scale`` interface.

One module per protocol (pure frame finding and decoding), ``wire`` for one bounded exchange,
``link`` for the port's life (unplug, backoff, reopen), ``driver`` to put them together. Which
protocol a scale speaks is configured, with the keys that tune it to a scale's variant; ``probe``
exists for discovery tools and claims a port only on a well-formed reply. See docs/scale.md for
the bytes.

What a reading is (``reading``) is imported with the package; the driver and the port's link when
first asked for: the counter's screens know readings before its first frame, the scale itself is
built after it (tui/app.py; docs/benchmarks.md, "bench/counter_start.py").
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .reading import CommandResult, Reading, State, Unsupported

if TYPE_CHECKING:
    from .driver import PROTOCOLS, Scale, SerialScale, open_scale, probe, protocol_class, protocol_for, protocol_named
    from .link import Backoff

#: The names imported from their module when first asked for.
_DRIVER = (
    "PROTOCOLS",
    "Scale",
    "SerialScale",
    "open_scale",
    "probe",
    "protocol_class",
    "protocol_for",
    "protocol_named",
)
_LATER = {**dict.fromkeys(_DRIVER, ".driver"), "Backoff": ".link"}


def __getattr__(name: str) -> Any:
    if (module := _LATER.get(name)) is not None:
        return getattr(import_module(module, __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PROTOCOLS",
    "Backoff",
    "CommandResult",
    "Reading",
    "Scale",
    "SerialScale",
    "State",
    "Unsupported",
    "open_scale",
    "probe",
    "protocol_class",
    "protocol_for",
    "protocol_named",
]
