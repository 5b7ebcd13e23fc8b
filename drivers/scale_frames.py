"""What a scale of each protocol sends, byte by byte: the encoders of the simulated scale.

Written from the protocol descriptions (docs/scale.md says which), independently of the driver's
decoders in ``drivers/scale/``, so a round trip through both checks one reading of the documents
against the other. Pure functions of what the scale shows; ``scale_twin`` puts them on a pty.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Display:
    """What the scale shows and reports: the weight after zero and tare, and its status."""

    grams: int
    motion: bool = False
    over: bool = False
    under: bool = False
    net: bool = False


def with_parity(byte: int) -> int:
    """Set bit 7 so the byte holds an even number of ones, as the status tables describe it."""
    return byte | 0x80 if bin(byte).count("1") % 2 else byte


def kilograms(grams: int, integer_digits: int) -> str:
    """``1234`` -> ``01.234``: whole kilograms zero-padded, three decimals, no sign, no float."""
    grams = abs(grams)
    return f"{grams // 1000:0{integer_digits}d}.{grams % 1000:03d}"


# -- Toledo 8217 ------------------------------------------------------------------------------------


def toledo_status(
    *,
    motion: bool = False,
    over: bool = False,
    under: bool = False,
    outside_zero: bool = False,
    centre: bool = False,
    net: bool = False,
    bit5_always: bool = False,
) -> bytes:
    """``STX ? s CR``; ``bit5_always``: a scale whose bit 5 is always 1 (Ohaus, Rice Lake "8213")."""
    bits = motion | over << 1 | under << 2 | outside_zero << 3 | centre << 4 | (net or bit5_always) << 5 | 1 << 6
    return bytes((0x02, ord("?"), with_parity(bits), 0x0D))


def toledo_weight_reply(display: Display, *, bit5_always: bool = False) -> bytes:
    """Reply to ``W``: the weight when it can be given, else the status byte that says why not."""
    if display.motion or display.over or display.under:
        return toledo_status(
            motion=display.motion, over=display.over, under=display.under, net=display.net, bit5_always=bit5_always
        )
    return b"\x02" + kilograms(display.grams, 2).encode() + (b"N" if display.net else b"") + b"\r"


# -- NCI SCP-01 --------------------------------------------------------------------------------------


def nci_status_bytes(display: Display, *, faults: int = 0) -> bytes:
    """Two status bytes, or three when a tare is active (byte 3 carries the net bit)."""
    first = 0x30 | display.motion | (display.grams == 0 and not display.over) << 1 | (faults & 0b11) << 2
    second = 0x30 | display.under | display.over << 1 | (faults >> 2 & 0b11) << 2 | display.net << 6
    status = [first, second] + ([0x30 | 1 << 2] if display.net else [])
    return bytes(with_parity(b) for b in status)


def nci_weight_reply(display: Display) -> bytes:
    if display.over:
        field = b"^^^^^^kg"
    else:
        field = (b"-" if display.grams < 0 else b"") + kilograms(display.grams, 4).encode() + b"kg"
    return b"\n" + field + b"\r\n" + nci_status_bytes(display) + b"\r\x03"


def nci_status_reply(display: Display) -> bytes:
    return b"\n" + nci_status_bytes(display) + b"\r\x03"


# -- CAS ECR ------------------------------------------------------------------------------------------


def cas_weight_reply(display: Display, *, check_from_soh: bool = False) -> bytes:
    """``SOH STX STA SIGN weight unit BCC ETX EOT``; ``check_from_soh``: the BCC as Ohaus words it."""
    status = b"U" if display.motion else b"S"
    sign = b"F" if display.over else b"-" if display.grams < 0 else b" "
    data = status + sign + kilograms(min(abs(display.grams), 99999), 2).encode() + b"kg"
    covered = (b"\x01" if check_from_soh else b"") + data  # "all characters except STX and ETX", before BCC
    check = 0
    for byte in covered:
        check ^= byte
    return b"\x01\x02" + data + bytes((check, 0x03, 0x04))


# -- CAS PD-II ----------------------------------------------------------------------------------------


def pd2_weight_line(display: Display) -> bytes:
    """Reply to ``W``: the figure shown, digits and a point, then CR; nothing while overloaded.

    The line has no unit, no stability flag and no overload sign: the scale sends what it shows,
    settled or not, and (as far as any source says) nothing when it cannot show a weight.
    """
    if display.over:
        return b""
    return (b"-" if display.grams < 0 else b"") + kilograms(display.grams, 2).encode() + b"\r"
