"""The weighed-line rule: a stable, non-zero weight, and back to zero before the next item."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.scale import Backoff, Reading, SerialScale, State
from drivers.scale_twin import ScaleTwin
from drivers.weighing import Reason, WeighGate, WeighRefused


def stable(grams: int) -> Reading:
    return Reading(State.STABLE, grams)


def test_a_stable_weight_is_taken_once() -> None:
    gate = WeighGate()
    assert gate.take(stable(734)) == 734
    with pytest.raises(WeighRefused) as refused:
        gate.take(stable(734))  # the same bag, still on the pan
    assert refused.value.verdict.reason is Reason.REMOVE_LAST
    assert "must show zero" in str(refused.value)


def test_the_pan_back_at_zero_allows_the_next_item() -> None:
    gate = WeighGate()
    gate.take(stable(734))
    assert gate.waiting_for_zero
    assert gate.check(stable(0)).reason is Reason.EMPTY
    assert not gate.waiting_for_zero
    assert gate.take(stable(410)) == 410


def test_a_reading_within_the_zero_band_counts_as_empty() -> None:
    gate = WeighGate(zero_band_grams=5)
    gate.take(stable(734))
    assert gate.check(stable(4)).reason is Reason.EMPTY
    assert gate.check(stable(6)).accepted


def test_a_few_grams_are_not_a_sale() -> None:
    verdict = WeighGate(zero_band_grams=5).check(stable(5))
    assert not verdict.accepted
    assert verdict.message == "Put the goods on the scale"


def test_going_below_zero_also_clears_the_pan() -> None:
    gate = WeighGate()
    gate.take(stable(900))
    assert gate.check(Reading(State.UNDER_ZERO)).reason is Reason.UNDER_ZERO
    assert gate.check(stable(880)).accepted


def test_motion_near_zero_does_not_re_arm() -> None:
    """Lifting the bag a little makes the scale move; only a settled zero proves it left the pan."""
    gate = WeighGate()
    gate.take(stable(900))
    gate.check(Reading(State.MOTION, 0))
    assert gate.check(stable(900)).reason is Reason.REMOVE_LAST


def test_a_lost_scale_keeps_the_gate_closed() -> None:
    gate = WeighGate()
    gate.take(stable(900))
    assert gate.check(Reading(State.NO_ANSWER, connected=False)).reason is Reason.DISCONNECTED
    assert gate.check(stable(900)).reason is Reason.REMOVE_LAST  # replugged with the bag still on


@pytest.mark.parametrize(
    ("reading", "reason", "words"),
    [
        (Reading(State.MOTION, 700), Reason.MOTION, "settling"),
        (Reading(State.OVER_CAPACITY), Reason.OVER_CAPACITY, "Too heavy"),
        (Reading(State.UNDER_ZERO, -20), Reason.UNDER_ZERO, "press Zero"),
        (Reading(State.NO_ANSWER), Reason.NO_ANSWER, "switched on"),
        (Reading(State.NO_ANSWER, connected=False), Reason.DISCONNECTED, "cable"),
        (Reading(State.ERROR, detail="bad frame"), Reason.ERROR, "settings"),
        (stable(1234), Reason.READY, "1.234 kg"),
    ],
)
def test_each_state_tells_the_cashier_what_to_do(reading: Reading, reason: Reason, words: str) -> None:
    verdict = WeighGate().check(reading)
    assert verdict.reason is reason
    assert words in verdict.message
    assert verdict.accepted is (reason is Reason.READY)


def test_a_manager_can_release_the_gate() -> None:
    gate = WeighGate()
    gate.take(stable(500))
    gate.release()
    assert gate.take(stable(500)) == 500


KINDS = st.sampled_from(["stable", "motion", "under", "over", "lost"])


@given(st.lists(st.tuples(KINDS, st.integers(min_value=-50, max_value=20_000)), max_size=40))
def test_no_two_takes_without_an_empty_pan_between(events: list[tuple[str, int]]) -> None:
    """Whatever the readings, two lines are never taken without a settled empty pan in between."""
    gate = WeighGate(zero_band_grams=5)
    emptied_since_take = True
    for kind, grams in events:
        reading = {
            "stable": Reading(State.STABLE, grams) if grams >= 0 else Reading(State.UNDER_ZERO, grams),
            "motion": Reading(State.MOTION, grams),
            "under": Reading(State.UNDER_ZERO),
            "over": Reading(State.OVER_CAPACITY),
            "lost": Reading(State.NO_ANSWER, connected=False),
        }[kind]
        if reading.state is State.UNDER_ZERO or (reading.state is State.STABLE and grams <= 5):
            emptied_since_take = True
        try:
            gate.take(reading)
        except WeighRefused:
            continue
        assert emptied_since_take
        assert reading.state is State.STABLE and reading.grams is not None and reading.grams > 5
        emptied_since_take = False


def test_weighing_through_the_twin(tmp_path: Path) -> None:
    """The whole path: pty twin, driver, gate; the same bag is refused until the pan is cleared."""
    link = tmp_path / "ttyScale"
    gate = WeighGate()
    with (
        ScaleTwin("toledo8217", link) as twin,
        SerialScale(str(link), "toledo8217", timeout=2.0, backoff=Backoff(first=0.0)) as scale,
    ):
        twin.show(650, motion=True)
        assert gate.check(scale.read()).reason is Reason.MOTION
        twin.show(650)
        assert gate.take(scale.read()) == 650
        assert gate.check(scale.read()).reason is Reason.REMOVE_LAST
        twin.show(0)
        assert gate.check(scale.read()).reason is Reason.EMPTY
        twin.show(1200)
        assert gate.take(scale.read()) == 1200
