"""Stable ordering, faster: the same indices as ``np.argsort(keys, kind="stable")``."""

from __future__ import annotations

import numpy as np


def stable_argsort(keys: np.ndarray) -> np.ndarray:
    """Indices that sort ``keys`` ascending, equal keys in index order: exactly
    ``np.argsort(keys, kind="stable")``. NumPy's default sort is several times faster than its
    stable one on floats but may order equal keys otherwise, so its result is kept only when
    no two keys are equal (and none is NaN); otherwise the stable sort runs."""
    keys = np.asarray(keys)
    if keys.ndim != 1 or keys.size < 2:
        return np.argsort(keys, kind="stable")
    order = np.argsort(keys)
    ordered = keys[order]
    if (ordered[1:] == ordered[:-1]).any() \
            or (ordered.dtype.kind in "fc" and np.isnan(ordered[-1])):
        return np.argsort(keys, kind="stable")
    return order
