"""appliance.core.frozen: the same class as dataclass(frozen=True), but for how its __init__ stores."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.frozen import frozen
from appliance.core.sale import CompletedLine
from appliance.core.seal import Entry


@frozen
class Quick:
    number: int
    text: str
    flag: bool = False
    hidden: int = field(default=7, compare=False, repr=False)
    derived: int = field(init=False, default=0)


@dataclass(frozen=True)
class Reference:
    number: int
    text: str
    flag: bool = False
    hidden: int = field(default=7, compare=False, repr=False)
    derived: int = field(init=False, default=0)


def twins(number: int, text: str, flag: bool | None, hidden: int | None) -> tuple[Quick, Reference]:
    extra: dict[str, object] = {} if flag is None else {"flag": flag}
    extra |= {} if hidden is None else {"hidden": hidden}
    return Quick(number, text, **extra), Reference(number, text, **extra)  # type: ignore[arg-type]


@given(st.integers(), st.text(), st.none() | st.booleans(), st.none() | st.integers())
def test_made_as_a_frozen_dataclass_makes_it(number: int, text: str, flag: bool | None, hidden: int | None) -> None:
    quick, reference = twins(number, text, flag, hidden)
    assert vars(quick) == vars(reference)
    assert repr(quick).removeprefix("Quick") == repr(reference).removeprefix("Reference")
    assert hash(quick) == hash(Quick(number, text, quick.flag, hidden=quick.hidden + 1))  # hidden not compared
    assert quick == Quick(number, text, quick.flag) and quick != Quick(number + 1, text, quick.flag)
    assert dataclasses.replace(quick, text=text + "x").text == text + "x"
    assert dataclasses.astuple(quick) == dataclasses.astuple(reference)
    assert copy.deepcopy(quick) == quick and pickle.loads(pickle.dumps(quick)) == quick


def test_it_takes_the_same_arguments_and_refuses_the_same_mistakes() -> None:
    assert Quick(number=1, text="a", flag=True) == Quick(1, "a", True)
    mistakes = [((1,), {}), ((1, "a"), {"number": 2}), ((1, "a", True, 3, 4), {}), ((), {"derived": 1})]
    for arguments, keywords in mistakes:
        with pytest.raises(TypeError):
            Reference(*arguments, **keywords)
        with pytest.raises(TypeError):
            Quick(*arguments, **keywords)


def test_once_made_nothing_changes() -> None:
    quick = Quick(1, "a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.number = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del quick.text  # type: ignore[misc]
    assert (quick.number, quick.text) == (1, "a")


def test_post_init_runs_after_the_fields_are_stored() -> None:
    @frozen
    class Cents:
        euros: int
        cents: int = field(init=False, compare=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "cents", self.euros * 100)

    assert Cents(3).cents == 300


@pytest.mark.parametrize(
    "body",
    [
        {"__annotations__": {"items": "list[int]"}, "items": field(default_factory=list)},
        {"__annotations__": {"items": "list[int]"}, "items": field(init=False, default_factory=list)},
        {"__annotations__": {"a": "int", "_": "dataclasses.KW_ONLY", "b": "int"}},
        {"__annotations__": {"a": "int", "b": "dataclasses.InitVar[int]"}},
        {"__annotations__": {"a": "int"}, "__slots__": ("a",)},
    ],
    ids=["default factory", "made by a factory", "keyword-only", "InitVar", "slots"],
)
def test_what_it_does_not_know_is_refused_when_the_class_is_made(body: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="frozen"):
        frozen(type("Odd", (), {"__module__": __name__} | body))


def test_the_sale_paths_records_are_made_with_it() -> None:
    """The classes a sale makes many of (see the module's docstring for what it saves)."""
    for cls in (CompletedLine, Entry):
        assert "__setattr__" not in cls.__init__.__code__.co_names
