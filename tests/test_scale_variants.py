"""Scales that speak a protocol their own way, and the ``devices.scale`` keys that tell the driver.

- Toledo-compatible scales whose status bit 5 is "always 1" (Ohaus, Rice Lake):
  ``toledo_status_bit5 = "always-one"``;
- CAS ECR scales whose block check counts SOH, as Ohaus's manual words it: ``cas_bcc = "from-soh"``.

Over real ptys to the twin set to the same variant, through the config's section as the till
builds it, and over a scripted port for the exchanges a twin does not produce.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.cli.main import main
from drivers.assembly import build_scale
from drivers.scale import Backoff, SerialScale, State, cas, probe, protocol_for
from drivers.scale.toledo import Toledo8217
from drivers.scale.wire import FrameError, Wire
from drivers.scale_twin import Display, ScaleTwin, cas_weight_reply, toledo_status

from .scale_port import ScriptedPort, SteppingClock

ANSWERS = 2.0


def scripted_wire(answers: dict[bytes, bytes]) -> tuple[Wire, ScriptedPort]:
    clock = SteppingClock()
    port = ScriptedPort(lambda request: answers.get(request, b""), clock)
    return Wire(port, 1.0, clock, mask=0x7F), port


# -- Toledo status bit 5 always 1 -----------------------------------------------------------------

ALWAYS_ONE = {"protocol": "toledo8217", "toledo_status_bit5": "always-one"}


@pytest.fixture
def always_one(tmp_path: Path) -> Iterator[tuple[ScaleTwin, SerialScale]]:
    link = tmp_path / "ttyOhaus"
    with ScaleTwin("toledo8217", link, toledo_status_bit5="always-one") as twin:
        with SerialScale(str(link), protocol_for(ALWAYS_ONE), timeout=ANSWERS, backoff=Backoff(first=0.0)) as scale:
            yield twin, scale


def test_tare_and_clear_tare_are_read_right_when_bit_5_is_always_set(always_one: tuple[ScaleTwin, SerialScale]) -> None:
    twin, scale = always_one
    twin.show(250)  # the empty container
    tare = scale.tare()
    assert tare.accepted, tare.detail
    assert scale.read().grams == 0
    twin.show(1250)
    assert scale.read().grams == 1000
    cleared = scale.clear_tare()
    assert cleared.accepted, cleared.detail  # bit 5 still set, but it says nothing here
    assert (scale.read().grams, scale.read().net) == (1250, False)


def test_a_status_frame_with_bit_5_always_set_is_not_taken_for_net(always_one: tuple[ScaleTwin, SerialScale]) -> None:
    twin, scale = always_one
    twin.show(300, motion=True)
    reading = scale.read()
    assert reading.raw.startswith(b"\x02?") and reading.raw[2] & 0x20  # the scale did set bit 5
    assert (reading.state, reading.net) == (State.MOTION, False)


def test_without_the_setting_such_a_scale_never_clears_its_tare(tmp_path: Path) -> None:
    """Why the key exists: read as a net bit, an always-set bit 5 refuses every clear-tare."""
    link = tmp_path / "ttyOhaus"
    with ScaleTwin("toledo8217", link, toledo_status_bit5="always-one") as twin:
        with SerialScale(str(link), "toledo8217", timeout=ANSWERS) as scale:
            twin.show(250)
            scale.tare()
            refused = scale.clear_tare()
    assert not refused.accepted and "still set" in refused.detail


def test_a_tare_that_did_not_take_is_seen_on_the_display() -> None:
    """Status after T is clean (bit 5 set, as always), but the scale still shows 1.250 kg: no tare."""
    wire, port = scripted_wire({b"T": toledo_status(bit5_always=True), b"W": b"\x0201.250\r"})
    result = Toledo8217(toledo_status_bit5="always-one").command(wire, "tare")
    assert not result.accepted and "took no tare" in result.detail
    assert port.written == [b"T", b"W"]


def test_a_tare_refused_for_motion_says_so_before_looking_at_the_display() -> None:
    wire, port = scripted_wire({b"T": toledo_status(motion=True, bit5_always=True)})
    result = Toledo8217(toledo_status_bit5="always-one").command(wire, "tare")
    assert not result.accepted and "moving" in result.detail and port.written == [b"T"]


def test_the_config_key_reaches_the_scale_the_till_builds(tmp_path: Path) -> None:
    scale = build_scale({"enabled": True, "port": str(tmp_path / "tty"), **ALWAYS_ONE})
    assert scale is not None and isinstance(scale.protocol, Toledo8217) and not scale.protocol.net_bit
    scale.close()
    with pytest.raises(ValueError, match="toledo_status_bit5 must be one of net, always-one"):
        protocol_for({"protocol": "toledo8217", "toledo_status_bit5": "sometimes"})


def test_scale_commands_read_the_variant_from_the_config(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "ttyOhaus"
    section = f'[devices.scale]\nenabled = true\nport = "{link}"\nprotocol = "toledo8217"\n'
    config_file.write_text(config_file.read_text() + "\n" + section + 'toledo_status_bit5 = "always-one"\n')
    with ScaleTwin("toledo8217", link, toledo_status_bit5="always-one") as twin:
        twin.show(250)
        assert main(["scale", "tare", "--config", str(config_file), "--timeout", "5"]) == 0
        assert main(["scale", "clear-tare", "--config", str(config_file), "--timeout", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["accepted"] is True


# -- CAS block check counted from SOH -------------------------------------------------------------

FROM_SOH = {"protocol": "cas", "cas_bcc": "from-soh"}


def test_the_block_check_from_soh_is_read_when_configured_and_named_when_not() -> None:
    frame = cas_weight_reply(Display(1234), check_from_soh=True)
    assert frame[12] == cas.block_check(frame[2:12]) ^ 0x01  # SOH in the XOR: bit 0 flipped
    assert cas.parse(frame, bcc="from-soh").grams == 1234
    with pytest.raises(FrameError, match="set devices.scale.cas_bcc = 'from-soh'"):
        cas.parse(frame)
    with pytest.raises(FrameError, match="set devices.scale.cas_bcc = 'from-sta'"):
        cas.parse(cas_weight_reply(Display(1234)), bcc="from-soh")


def test_a_damaged_frame_is_refused_in_either_variant() -> None:
    frame = bytearray(cas_weight_reply(Display(1234)))
    frame[5] ^= 0x04  # a digit hit by noise: neither check matches it
    for variant in cas.BCC_VARIANTS:
        with pytest.raises(FrameError, match="damaged"):
            cas.parse(bytes(frame), bcc=variant)


def test_why_the_variant_is_configured_rather_than_both_accepted() -> None:
    """A single error in bit 0 of one byte turns one variant's check into the other's."""
    frame = bytearray(cas_weight_reply(Display(1234)))
    frame[9] ^= 0x01  # "01.234" becomes "01.235"
    assert cas.parse(bytes(frame), bcc="from-soh").grams == 1235  # a wrong weight, accepted
    with pytest.raises(FrameError):
        cas.parse(bytes(frame))


def test_a_scale_whose_check_counts_soh_is_read_over_the_pty(tmp_path: Path) -> None:
    link = tmp_path / "ttyOhausEcr"
    with ScaleTwin("cas", link, cas_bcc="from-soh") as twin:
        twin.show(735)
        with SerialScale(str(link), protocol_for(FROM_SOH), timeout=ANSWERS) as scale:
            assert (scale.read().state, scale.read().grams) == (State.STABLE, 735)
        with SerialScale(str(link), "cas", timeout=ANSWERS) as unset:
            refused = unset.read()
        assert refused.state is State.ERROR and "cas_bcc = 'from-soh'" in refused.detail
        assert probe(str(link), protocol_for(FROM_SOH), timeout=ANSWERS)
        assert not probe(str(link), "cas", timeout=0.3)
