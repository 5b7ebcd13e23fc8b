"""Frozen dataclasses that cost little to make: the sale path makes about 180 fields of them a sale.

``dataclass(frozen=True)`` refuses every change through its ``__setattr__``, so the ``__init__`` it
writes sets each field with ``object.__setattr__(self, name, value)``: a call that costs about
1,300 instructions a field on CPython 3.11 (its arguments packed into a tuple, sliced, unpacked).
A sale of four lines made about 180 of those calls (its lines, totals, VAT, the completed sale,
the journal entry, the anchor, the tip, the shift): measured, 151,000 of its 1,174,000
instructions (docs/benchmarks.md).

:func:`frozen` is ``dataclass(frozen=True)`` with an ``__init__`` that sets the instance's whole
``__dict__`` in one such call. The class is the dataclass's in every other way: equality, hash,
repr, ``fields``, ``replace``, ``__post_init__``, and refusing changes once made. It knows plain
fields with or without a default, which is what its classes have; anything else (a default factory, keyword-only
fields, ``InitVar``, slots) is refused when the class is defined, never run wrong.
tests/test_frozen.py holds it to ``dataclass(frozen=True)``.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: type[T]) -> type[T]:
    """``@dataclass(frozen=True)``, made for less (see the module's docstring)."""
    made = dataclasses.dataclass(frozen=True)(cls)
    init = _init(made)
    if _parameters(init) != _parameters(made.__init__):  # type: ignore[misc]
        raise TypeError(f"{made.__qualname__}: frozen() makes plain fields only; use dataclass(frozen=True)")
    made.__init__ = init  # type: ignore[method-assign]
    return made


def _init(cls: type) -> Callable[..., None]:
    """An ``__init__`` taking the same parameters as the dataclass's, storing them into ``__dict__``."""
    if "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__qualname__}: frozen() needs the instance's __dict__")
    for field in dataclasses.fields(cls):
        if field.default_factory is not dataclasses.MISSING or field.kw_only or field.name == "self":
            raise TypeError(f"{cls.__qualname__}.{field.name}: frozen() knows plain fields and defaults only")
    fields = [field for field in dataclasses.fields(cls) if field.init]
    # (a field not in __init__ is read from the class, its default, or set by __post_init__, as the
    # dataclass's own __init__ leaves it)
    setter = "_set"  # object.__setattr__, under a name no field has
    while setter in {field.name for field in fields}:
        setter += "_"
    defaults: dict[str, Any] = {}
    parameters, lines = [], []
    for field in fields:
        if field.default is dataclasses.MISSING:
            parameters.append(field.name)
        else:
            defaults[f"_default_{field.name}"] = field.default
            parameters.append(f"{field.name}=_default_{field.name}")
        lines.append(f"{field.name!r}: {field.name}")
    # One call that sets the instance's whole __dict__ (a new instance has no field yet).
    source = f"def __init__(self, {', '.join(parameters)}):\n    {setter}(self, '__dict__', {{{', '.join(lines)}}})\n"
    if hasattr(cls, "__post_init__"):
        source += "    self.__post_init__()\n"
    namespace: dict[str, Any] = {}
    defaults[setter] = object.__setattr__
    exec(source, defaults, namespace)  # noqa: S102 - the text is made above from the field names alone
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _parameters(function: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]
