"""Values several indicators share, computed once while a quarter's indicators are collected.

:func:`sim.indicators.compute_all` opens a memo on the model for the duration of one call;
inside it, :func:`shared` computes each named value once (the wage per worker, the sums per
home market) and hands the same array to every indicator that asks. Outside it (an indicator
called on its own, as tests do) every call computes afresh, so an indicator never reads a
value left over from another state of the model.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

_ATTRIBUTE = "_indicator_memo"


@contextmanager
def collecting(model: Any) -> Iterator[None]:
    """Share values between the indicators computed inside the block (one state of the
    model: nothing may change it meanwhile)."""
    setattr(model, _ATTRIBUTE, {})
    try:
        yield
    finally:
        setattr(model, _ATTRIBUTE, None)


def shared[T](model: Any, name: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per :func:`collecting` block for each ``name``; afresh outside."""
    store = getattr(model, _ATTRIBUTE, None)
    if store is None:
        return compute()
    if name not in store:
        store[name] = compute()
    return store[name]
