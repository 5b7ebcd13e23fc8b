"""Serial weighing scales: Toledo 8217, NCI SCP-01, CAS ECR and CAS PD-II, behind one ``Scale`` interface.

One module per protocol (pure frame finding and decoding), ``wire`` for one bounded exchange,
``link`` for the port's life (unplug, backoff, reopen), ``driver`` to put them together. Which
protocol a scale speaks is configured, with the keys that tune it to a scale's variant; ``probe``
exists for discovery tools and claims a port only on a well-formed reply. See docs/scale.md for
the bytes.
"""

from .driver import PROTOCOLS, Scale, SerialScale, open_scale, probe, protocol_class, protocol_for, protocol_named
from .link import Backoff
from .reading import CommandResult, Reading, State, Unsupported

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
