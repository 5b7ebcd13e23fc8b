"""Scale frames as bytes: recorded and generated frames through the pure decoders and one exchange.

The twin's encoders (written from the protocol descriptions) and the driver's decoders are two
independent readings of the same documents: the round-trip properties check one against the other.
Exchanges here run over a scripted port with a stepping clock (no pty, no waiting); the pty
twin tests are in test_scale_twin.py.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.scale import State, cas, cas_pd2, nci, protocol_named, toledo
from drivers.scale.link import Backoff, explain
from drivers.scale.reading import Reading, to_grams
from drivers.scale.wire import FrameError, Framing, Wire
from drivers.scale_twin import (
    Display,
    cas_weight_reply,
    nci_status_bytes,
    nci_weight_reply,
    toledo_status,
    toledo_weight_reply,
    with_parity,
)
from drivers.uart import misread

from .scale_port import ScriptedPort, SteppingClock


def exchange(protocol: str, answer: Callable[[bytes], bytes], *, chunk: int = 4096) -> Reading:
    clock = SteppingClock()
    port = ScriptedPort(answer, clock, chunk)
    speaker = protocol_named(protocol)
    return speaker.weigh(Wire(port, 1.0, clock, mask=speaker.mask))


def cas_answer(frame: bytes) -> Callable[[bytes], bytes]:
    return lambda request: b"\x06" if request == b"\x05" else frame if request == b"\x11" else b""


# -- Toledo 8217 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "grams", "net"),
    [
        (b"\x0201.234\r", 1234, False),
        (b"\x02 01.234\r", 1234, False),
        (b"\x02001.234\r", 1234, False),
        (b"\x0200.005N\r", 5, True),
        (b"\x0215.000\r", 15000, False),
    ],
)
def test_toledo_weight_frames_decode_to_grams(frame: bytes, grams: int, net: bool) -> None:
    assert toledo.parse(frame) == toledo.Reply(grams=grams, net=net)


@pytest.mark.parametrize(
    ("status", "state"),
    [(b"A", State.MOTION), (b"B", State.OVER_CAPACITY), (b"D", State.UNDER_ZERO), (b"E", State.UNDER_ZERO)],
)
def test_toledo_status_frames_say_why_there_is_no_weight(status: bytes, state: State) -> None:
    reply = toledo.parse(b"\x02?" + status + b"\r")
    reading = toledo.reading_from(reply, b"", last_grams=1234)
    assert reading.state is state
    assert reading.grams is None


def test_toledo_status_with_nothing_to_report_repeats_the_last_weight_or_refuses() -> None:
    quiet = toledo.parse(b"\x02?@\r")
    assert toledo.reading_from(quiet, b"", last_grams=812) == Reading(
        State.STABLE, 812, detail="status only: weight unchanged"
    )
    assert toledo.reading_from(quiet, b"", last_grams=None).state is State.ERROR
    assert toledo.reading_from(toledo.parse(b"\x02?P\r"), b"", last_grams=None).grams == 0  # centre of zero


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x0201.23\r", "pounds"),
        (b"\x02?\r", "status"),
        (b"\x02?\x01\r", "status"),  # bit 6 must be set
        (b"\x021.2.3\r", "weight"),
        (b"\x02abc\r", "weight"),
        (b"01.234\r", "frame"),
    ],
)
def test_toledo_refuses_frames_that_are_not_8217(frame: bytes, reason: str) -> None:
    with pytest.raises(FrameError, match=reason):
        toledo.parse(frame)


def test_toledo_finder_resynchronises_on_the_latest_start() -> None:
    buffer = b"W\r\x02\x02junk\x0200.250\rtrailing"
    start, end = toledo.find_frame(buffer) or (0, 0)
    assert buffer[start:end] == b"\x0200.250\r"
    assert toledo.find_frame(b"\x0200.2") is None  # incomplete: wait for the rest
    assert toledo.find_frame(b"noise\r") is None


def test_toledo_exchange_skips_noise_that_looks_like_a_frame() -> None:
    reading = exchange("toledo8217", lambda request: b"\x02junk\r\x02?\x01\r\x0200.250\r")
    assert (reading.state, reading.grams) == (State.STABLE, 250)


# -- NCI SCP-01 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "state", "grams"),
    [
        (b"\n0001.234kg\r\n00\r\x03", State.STABLE, 1234),
        (b"\n0001.234KG\r\n00\r\x03", State.STABLE, 1234),
        (b"\n  12.50kg\r\n00\r\x03", State.STABLE, 12500),
        (b"\n0250g\r\n00\r\x03", State.STABLE, 250),
        (b"\n0001.234kg\r\nS00\r\x03", State.STABLE, 1234),  # SCP-02 variant
        (b"\n0001.234kg\r\n10\r\x03", State.MOTION, 1234),
        (b"\n-0000.020kg\r\n01\r\x03", State.UNDER_ZERO, -20),
        (b"\n______kg\r\n01\r\x03", State.UNDER_ZERO, None),
        (b"\n^^^^^^kg\r\n02\r\x03", State.OVER_CAPACITY, None),
        (b"\n0000.000kg\r\n20\r\x03", State.STABLE, 0),
        (b"\n------kg\r\n00\r\x03", State.ERROR, None),
        (b"\n0001.234kg\r\n40\r\x03", State.ERROR, None),  # RAM error (byte 1 bit 2)
        (b"\n0001.234kg\r\n08\r\x03", State.ERROR, None),  # faulty calibration (byte 2 bit 3)
        (b"\n0002.72lb\r\n00\r\x03", State.ERROR, None),
        (b"\n10\r\x03", State.ERROR, None),  # a status frame in reply to W
    ],
)
def test_nci_frames(frame: bytes, state: State, grams: int | None) -> None:
    reading = nci.reading_from(nci.parse(frame), frame)
    assert (reading.state, reading.grams) == (state, grams)


def test_nci_net_weight_comes_from_the_third_status_byte() -> None:
    reading = nci.reading_from(nci.parse(b"\n0000.500kg\r\n0p4\r\x03"), b"")
    assert (reading.state, reading.grams, reading.net) == (State.STABLE, 500, True)


@pytest.mark.parametrize(
    "status",
    [b"0", b"\x010", b"p0", b"0p", b"0pp"],  # too short, fixed bits clear, byte 1 says "follows", chain open
)
def test_nci_refuses_status_bytes_that_break_the_fixed_bits_or_the_chain(status: bytes) -> None:
    with pytest.raises(FrameError):
        nci.parse_status(status)


def test_nci_unknown_command_reply_is_recognised() -> None:
    assert nci.parse(b"\n?\r\x03").unknown_command


def test_nci_finder_skips_a_line_feed_inside_noise() -> None:
    buffer = b"W\r\n junk \n0000.750kg\r\n00\r\x03"
    start, end = nci.find_frame(buffer) or (0, 0)
    assert buffer[start:end] == b"\n0000.750kg\r\n00\r\x03"
    assert nci.find_frame(b"\n0000.750kg\r\n00\r") is None


# -- CAS ECR ------------------------------------------------------------------------------------


def cas_frame(data: bytes, bcc: int | None = None) -> bytes:
    check = cas.block_check(data) if bcc is None else bcc
    return b"\x01\x02" + data + bytes((check, 0x03, 0x04))


@pytest.mark.parametrize(
    ("data", "state", "grams"),
    [
        (b"S 01.234kg", State.STABLE, 1234),
        (b"U 01.234kg", State.MOTION, 1234),
        (b"S-00.020kg", State.UNDER_ZERO, -20),
        (b"SF99.999kg", State.OVER_CAPACITY, None),
        (b"S 0250.0 g", State.STABLE, 250),
    ],
)
def test_cas_frames(data: bytes, state: State, grams: int | None) -> None:
    reading = cas.parse(cas_frame(data))
    assert (reading.state, reading.grams) == (state, grams)


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (cas_frame(b"S 01.234kg", bcc=0), "damaged"),
        (cas_frame(b"X 01.234kg"), "status"),
        (cas_frame(b"S 01.234lb"), "lb"),
        (cas_frame(b"S 0x.234kg"), "weight"),
    ],
)
def test_cas_refuses_damaged_frames(frame: bytes, reason: str) -> None:
    with pytest.raises(FrameError, match=reason):
        cas.parse(frame)


def test_cas_exchange_reports_a_nak_as_an_error() -> None:
    reading = exchange("cas", lambda request: b"\x15")
    assert reading.state is State.ERROR
    assert "NAK" in reading.detail


def test_cas_exchange_asks_enq_then_dc1() -> None:
    clock = SteppingClock()
    port = ScriptedPort(cas_answer(cas_frame(b"S 00.300kg")), clock)
    reading = protocol_named("cas").weigh(Wire(port, 1.0, clock))
    assert reading.grams == 300
    assert port.written == [b"\x05", b"\x11"]


# -- one exchange -------------------------------------------------------------------------------


def test_an_echoing_adapter_is_noticed_and_its_echo_skipped() -> None:
    clock = SteppingClock()
    port = ScriptedPort(lambda request: request + b"\x0200.400\r", clock)
    wire = Wire(port, 1.0, clock, mask=0x7F)
    assert protocol_named("toledo8217").weigh(wire).grams == 400
    assert wire.echo_seen


def test_only_an_echo_is_no_answer_and_says_so() -> None:
    reading = exchange("toledo8217", lambda request: request)
    assert reading.state is State.NO_ANSWER
    assert "echo" in reading.detail
    assert reading.raw == b"W"


def test_a_frame_cut_short_is_no_answer_when_time_runs_out() -> None:
    reading = exchange("nci", lambda request: b"\n0001.2")
    assert reading.state is State.NO_ANSWER
    assert "incomplete" in reading.detail


def test_parity_bits_are_stripped_on_seven_bit_protocols() -> None:
    with_bit_seven = bytes(with_parity(b) for b in b"\x0201.234\r")
    assert exchange("toledo8217", lambda request: with_bit_seven).grams == 1234


def test_tare_must_show_net_to_count_as_done() -> None:
    assert toledo.command_outcome("tare", toledo.parse(toledo_status(net=True)), b"").accepted
    assert not toledo.command_outcome("tare", toledo.parse(toledo_status()), b"").accepted
    refused = toledo.command_outcome("zero", toledo.parse(toledo_status(outside_zero=True)), b"")
    assert not refused.accepted and "too far from zero" in refused.detail


# -- round trips: the twin's encoders against the driver's decoders --------------------------------

GRAMS = st.integers(min_value=-99_999, max_value=99_999)
displays = st.builds(
    lambda grams, motion, over, net: Display(grams, motion=motion, over=over, under=grams < 0, net=net),
    GRAMS,
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
ENCODERS = {"toledo8217": toledo_weight_reply, "nci": nci_weight_reply, "cas": cas_weight_reply}


def expected(display: Display, protocol: str) -> tuple[State, int | None, bool]:
    """The meaning of a display for the till, written from the protocol tables, not from the code."""
    net = display.net and protocol != "cas"  # CAS ECR has no net flag
    if display.over:
        return State.OVER_CAPACITY, None, net
    figure = None if protocol == "toledo8217" else display.grams  # Toledo sends a status, no figure
    if display.under:
        return State.UNDER_ZERO, figure, net
    if display.motion:
        return State.MOTION, figure, net
    return State.STABLE, display.grams, net


@pytest.mark.parametrize("protocol", ENCODERS)
@given(display=displays, chunk=st.integers(min_value=1, max_value=8))
def test_every_display_round_trips_through_twin_and_driver(protocol: str, display: Display, chunk: int) -> None:
    encoded = ENCODERS[protocol](display)
    answer = cas_answer(encoded) if protocol == "cas" else (lambda request: encoded)
    reading = exchange(protocol, answer, chunk=chunk)
    assert (reading.state, reading.grams, reading.net) == expected(display, protocol)


@given(bits=st.tuples(*[st.booleans()] * 6))
def test_every_toledo_status_combination_decodes_by_precedence(bits: tuple[bool, ...]) -> None:
    motion, over, under, outside_zero, centre, net = bits
    frame = toledo_status(motion=motion, over=over, under=under, outside_zero=outside_zero, centre=centre, net=net)
    reading = toledo.reading_from(toledo.parse(frame), frame, last_grams=777)
    if over:
        assert reading.state is State.OVER_CAPACITY
    elif under:
        assert reading.state is State.UNDER_ZERO
    elif motion:
        assert reading.state is State.MOTION
    else:
        assert (reading.state, reading.grams) == (State.STABLE, 0 if centre else 777)
    assert reading.net is net


@given(display=displays, faults=st.integers(min_value=0, max_value=15))
def test_every_nci_status_combination_decodes(display: Display, faults: int) -> None:
    status = nci.parse_status(nci_status_bytes(display, faults=faults))
    assert (status.motion, status.under, status.over, status.net) == (
        display.motion,
        display.under,
        display.over,
        display.net,
    )
    assert bool(status.faults) == bool(faults)


PROTOCOL_NAMES = st.sampled_from(["toledo8217", "nci", "cas", "cas-pd2"])


MODULES = {"toledo8217": toledo, "nci": nci, "cas": cas, "cas-pd2": cas_pd2}


def holds_a_frame(protocol: str, data: bytes) -> bool:
    """Whether a genuine frame hides anywhere in ``data`` (as the port would deliver it)."""
    module = MODULES[protocol]
    data = bytes(b & protocol_named(protocol).mask for b in data)
    for offset in range(len(data)):
        span = module.find_frame(data[offset:])
        if span is not None:
            try:
                module.parse(data[offset + span[0] : offset + span[1]])
                return True
            except FrameError:
                continue
    return False


@given(protocol=PROTOCOL_NAMES, garbage=st.binary(max_size=64), chunk=st.integers(min_value=1, max_value=16))
def test_random_garbage_never_raises_and_is_never_a_weight(protocol: str, garbage: bytes, chunk: int) -> None:
    answer = (lambda request: b"\x06" if request == b"\x05" else garbage) if protocol == "cas" else (lambda r: garbage)
    reading = exchange(protocol, answer, chunk=chunk)
    assert reading.state in (State.ERROR, State.NO_ANSWER, State.GARBLED) or holds_a_frame(protocol, garbage)


@given(protocol=PROTOCOL_NAMES, data=st.binary(max_size=40))
def test_decoders_raise_only_frame_errors(protocol: str, data: bytes) -> None:
    module = MODULES[protocol]
    try:
        module.parse(data)
    except FrameError:
        pass


@given(grams=st.integers(min_value=-(10**9), max_value=10**9))
def test_kilogram_text_converts_to_exact_grams(grams: int) -> None:
    sign = "-" if grams < 0 else ""
    assert to_grams(f"{sign}{abs(grams) // 1000}.{abs(grams) % 1000:03d}", "kg") == grams


def test_kilogram_text_that_is_not_a_number_is_refused() -> None:
    assert [to_grams(text, "kg") for text in ("", "-", ".", "1.2.3", "1-2", "١.٢", "nan", "inf")] == [None] * 8


# -- port problems ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        (errno.ENOENT, "No scale at /dev/x"),
        (errno.EACCES, "dialout"),
        (errno.EAGAIN, "in use by another program"),
        (errno.EIO, "Lost the scale"),
    ],
)
def test_port_problems_read_as_advice(code: int, advice: str) -> None:
    assert advice in explain("/dev/x", OSError(code, "boom"))


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [Backoff(0.25, 2, 1.0).delay(n) for n in range(5)] == [0.0, 0.25, 0.5, 1.0, 1.0]


# -- garbage: a scale set to another baud rate ----------------------------------------------------

WRONG_BAUDS = st.sampled_from([1200, 2400, 4800, 19200, 38400])


def test_a_wrong_baud_rate_reads_as_garbage_not_as_silence() -> None:
    reply = misread(toledo_weight_reply(Display(1234)), 2400, 9600)
    reading = exchange("toledo8217", lambda request: reply)
    assert reading.state is State.GARBLED
    assert "garbage: check its baud rate and protocol" in reading.detail
    assert "Toledo 8217 at 9600 baud 7E1" in reading.detail and "switched on" not in reading.detail


@pytest.mark.parametrize("protocol", ENCODERS)
@given(display=displays, baud=WRONG_BAUDS)
def test_replies_at_a_wrong_baud_rate_are_never_a_weight(protocol: str, display: Display, baud: int) -> None:
    encoded = misread(ENCODERS[protocol](display), baud, 9600)
    ack = misread(b"\x06", baud, 9600)
    answer = (lambda r: ack if r == b"\x05" else encoded) if protocol == "cas" else (lambda r: encoded)
    reading = exchange(protocol, answer)
    assert reading.state in (State.GARBLED, State.NO_ANSWER, State.ERROR) and reading.grams is None


def test_a_reply_cut_short_is_told_from_garbage() -> None:
    framing = toledo.FRAMING
    assert framing.cut_short(b"\x0200.6")  # the start of a frame: more may come
    assert not framing.cut_short(b"\x00\xe0\x80")  # no frame starts there
    assert not framing.cut_short(b"\x02" + b"0" * 20)  # longer than any frame
    digits = Framing(b"0123456789", 10, body=b"0123456789.")
    assert digits.cut_short(b"01.2") and not digits.cut_short(b"01x") and not digits.cut_short(b"x")
