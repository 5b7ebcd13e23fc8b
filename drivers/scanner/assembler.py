"""The ScanAssembler: key events in, scans out, decoded in every layout at once; no I/O, an explicit clock.

Pure, so the framing decisions can be tested key by key: a scan ends at its terminator, keys
that stop short of one are dropped after the inter-key timeout, and a scan that reads as
garbage in our layout but as a clean code in another is delivered flagged with that layout.
"""

from __future__ import annotations

import string

from evdev import ecodes

from ..keymaps import GS, LAYOUT_NAMES, KeyDecoder, get_layout
from .scans import DEFAULT_INTER_KEY_TIMEOUT, TERMINATORS, Dropped, Outcome, Scan

PLAUSIBLE = frozenset(string.ascii_letters + string.digits + "-. $/+%" + GS)  # Code 39's set, plus GS
SUGGESTION_ORDER = ("us", "fr", "de", "uk", "be")  # most scanners leave the factory in US


def _is_plausible(text: str) -> bool:
    return bool(text) and all(char in PLAUSIBLE for char in text)


class ScanAssembler:
    """Key events in, scans out: the decoding and framing, with no I/O and an explicit clock."""

    def __init__(
        self,
        layout: str = "us",
        *,
        terminator: str = "enter",
        inter_key_timeout: float = DEFAULT_INTER_KEY_TIMEOUT,
        gs_substitute: str | None = None,
        device: str = "",
    ) -> None:
        if terminator not in TERMINATORS:
            raise ValueError(f"terminator must be one of {', '.join(TERMINATORS)}")
        if inter_key_timeout <= 0:
            raise ValueError("inter_key_timeout must be positive")
        self.layout = get_layout(layout).name
        self.terminator = terminator
        self.inter_key_timeout = inter_key_timeout
        self.gs_substitute = gs_substitute or None
        self.device = device
        self._decoders = {name: KeyDecoder(get_layout(name)) for name in LAYOUT_NAMES}
        self._typed = {name: "" for name in LAYOUT_NAMES}
        self._last_key: float | None = None  # our clock when the last key press was read
        self._last_stamp: float | None = None  # the kernel's time of that press

    @property
    def pending(self) -> str:
        return self._typed[self.layout]

    def deadline(self) -> float | None:
        """When the partial scan times out; None with nothing pending."""
        if not self.pending or self._last_key is None:
            return None
        return self._last_key + self.inter_key_timeout

    def set_caps_lock(self, on: bool) -> None:
        for decoder in self._decoders.values():
            decoder.caps_lock = on

    def feed(self, event_type: int, code: int, value: int, now: float, stamp: float | None = None) -> list[Outcome]:
        """One input event, read at ``now``; ``stamp`` is when the kernel saw it, if known.

        The gap between two keys is measured with the kernel's timestamps when there are some, so
        a reader that fell behind (a busy Pi) does not cut a scan typed in one go; without them,
        and for a scan left waiting, our own clock decides.
        """
        if event_type == ecodes.EV_SYN and code == ecodes.SYN_DROPPED:
            dropped = self.interrupt("input events were lost (the reader fell behind)")
            return [dropped] if dropped else []
        if event_type == ecodes.EV_LED and code == ecodes.LED_CAPSL:
            self.set_caps_lock(bool(value))  # the host's Caps Lock, as the scanner is told it
            return []
        if event_type != ecodes.EV_KEY:
            return []
        outcomes: list[Outcome] = []
        if value == 1:
            if self.pending and self._gap(now, stamp) >= self.inter_key_timeout:
                if outcome := self._timed_out():
                    outcomes.append(outcome)
            self._last_key, self._last_stamp = now, stamp
        typed = {name: decoder.key(code, value) for name, decoder in self._decoders.items()}
        ends = TERMINATORS[self.terminator]
        ours = typed[self.layout]
        cut = next((position for position, char in enumerate(ours) if char in ends), None)
        if cut is not None:  # the terminator: what came before it ends this scan
            for name, text in typed.items():
                self._typed[name] += ours[:cut] if name == self.layout else "".join(c for c in text if c not in ends)
            if scan := self._finish():
                outcomes.append(scan)
            typed = dict.fromkeys(LAYOUT_NAMES, "") | {self.layout: ours[cut + 1 :]}
        for name, text in typed.items():
            self._typed[name] += text
        return outcomes

    def _gap(self, now: float, stamp: float | None) -> float:
        if stamp is not None and self._last_stamp is not None:
            return stamp - self._last_stamp
        return now - (self._last_key if self._last_key is not None else now)

    def expire(self, now: float) -> Outcome | None:
        """Time out a partial scan; only call it once every pending event has been fed."""
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return None
        return self._timed_out()

    def interrupt(self, reason: str) -> Dropped | None:
        """The stream broke (unplugged, events lost): a partial scan cannot be trusted."""
        partial = self.pending
        self._clear(reset_keys=True)
        return Dropped(partial, reason) if partial else None

    def _timed_out(self) -> Outcome | None:
        if self.terminator == "none":
            return self._finish()
        partial = self.pending
        self._clear(reset_keys=True)
        timeout_ms = round(self.inter_key_timeout * 1000)
        return Dropped(partial, f"no {self.terminator.title()} came within {timeout_ms} ms of the last key")

    def _clear(self, *, reset_keys: bool = False) -> None:
        self._typed = dict.fromkeys(LAYOUT_NAMES, "")
        if reset_keys:
            for decoder in self._decoders.values():
                decoder.reset()

    def _finish(self) -> Scan | None:
        texts = {name: self._substitute(text) for name, text in self._typed.items()}
        self._clear()
        text = texts[self.layout]
        if not text:
            return None  # a bare terminator: some scanners send one after a failed read
        if not _is_plausible(text):
            for name in SUGGESTION_ORDER:
                if name != self.layout and _is_plausible(texts[name]):
                    return Scan(text, self.device, self.layout, name, texts[name])
        return Scan(text, self.device, self.layout)

    def _substitute(self, text: str) -> str:
        return text.replace(self.gs_substitute, GS) if self.gs_substitute else text
