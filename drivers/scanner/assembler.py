"""The ScanAssembler: key events in, scans out, decoded in every layout at once; no I/O, an explicit clock.

Pure, so the framing decisions can be tested key by key: a scan ends at its terminator, keys
that stop short of one are dropped after the inter-key timeout, so are the keys that follow such
a pause up to the next terminator (the rest of the same broken scan), and a scan that reads as
garbage in our layout but as a clean code in another is delivered flagged with that layout.
"""

from __future__ import annotations

import string

from ..keymaps import EV_KEY, EV_LED, EV_SYN, GS, LAYOUT_NAMES, LED_CAPSL, SYN_DROPPED, KeyDecoder, get_layout
from .scans import DEFAULT_INTER_KEY_TIMEOUT, TERMINATORS, Dropped, Outcome, Scan, cut_scan_reason

PLAUSIBLE = frozenset(string.ascii_letters + string.digits + "-. $/+%" + GS)  # Code 39's set, plus GS
SUGGESTION_ORDER = ("us", "fr", "de", "uk", "be")  # most scanners leave the factory in US


def _is_plausible(text: str) -> bool:
    return bool(text) and all(char in PLAUSIBLE for char in text)


class ScanAssembler:
    """Key events in, scans out: the decoding and framing, with no I/O and an explicit clock.

    A scan is trusted only from a clean start (after a terminator, or from the first key read) to
    its terminator with no pause longer than the timeout. When a pause cuts a scan, the keys
    before it are dropped at once, and the keys after it up to the next terminator are its tail:
    dropped too, since ``20422003`` is all a cut ``3017620422003`` leaves, and it may be another
    product's code. The burst after that terminator starts clean again. A keyboard typed by a
    person (keys further apart than the timeout) therefore never yields a scan, not even a piece.
    """

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
        self._tail_reason: str | None = None  # set while the keys typed belong to a broken scan

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
        if event_type == EV_SYN and code == SYN_DROPPED:
            dropped = self.interrupt("input events were lost (the reader fell behind)")
            self._tail_reason = "the rest of a scan whose keys were lost (the reader fell behind)"
            return [dropped] if dropped else []
        if event_type == EV_LED and code == LED_CAPSL:
            self.set_caps_lock(bool(value))  # the host's Caps Lock, as the scanner is told it
            return []
        if event_type != EV_KEY:
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
        """The stream broke (unplugged, events lost): a partial scan cannot be trusted.

        After an unplug the scanner starts afresh, so what it types next is a new scan.
        """
        partial = self.pending
        self._clear(reset_keys=True)
        self._tail_reason = None
        return Dropped(partial, reason) if partial else None

    def _timed_out(self) -> Outcome | None:
        if self.terminator == "none":
            return self._finish()
        partial = self.pending
        self._clear(reset_keys=True)
        timeout_ms = round(self.inter_key_timeout * 1000)
        reason = self._tail_reason or f"no {self.terminator.title()} came within {timeout_ms} ms of the last key"
        self._tail_reason = self._tail_reason or cut_scan_reason(self.inter_key_timeout)
        return Dropped(partial, reason)

    def _clear(self, *, reset_keys: bool = False) -> None:
        self._typed = dict.fromkeys(LAYOUT_NAMES, "")
        if reset_keys:
            for decoder in self._decoders.values():
                decoder.reset()

    def _finish(self) -> Outcome | None:
        texts = {name: self._substitute(text) for name, text in self._typed.items()}
        self._clear()
        text = texts[self.layout]
        tail, self._tail_reason = self._tail_reason, None
        if tail is not None:  # the terminator of a broken scan: what came before it is its tail
            return Dropped(text, tail) if text else None
        if not text:
            return None  # a bare terminator: some scanners send one after a failed read
        if not _is_plausible(text):
            for name in SUGGESTION_ORDER:
                if name != self.layout and _is_plausible(texts[name]):
                    return Scan(text, self.device, self.layout, name, texts[name])
        return Scan(text, self.device, self.layout)

    def _substitute(self, text: str) -> str:
        return text.replace(self.gs_substitute, GS) if self.gs_substitute else text
