"""Ties wear out: used ties grow stronger, unused ones weaken and dissolve."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.network.table import NO_KIND
from sim.network.ties import EDUCATION, RESIDENCY, SUPPLY, EdgeArrays

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Strength a used tie gains in a quarter, as a multiple of the tie decay rate (assumed).
USED_TIE_GAIN = 2
#: Decay rate of unused education ties as a share of the tie decay rate (assumed: staff keep
#: in touch with where they trained).
EDUCATION_DECAY_SHARE = 0.5


def decay_ties(model: ClusterModel, edges: EdgeArrays, used: np.ndarray) -> int:
    """Weaken unused ties, strengthen used ones, dissolve weak ones. ``used`` flags the ties
    of ``edges`` (the ties as they stood at the start of the quarter) used this quarter; ties
    formed since count as unused. Returns ties dissolved."""
    p = model.params
    decay, floor = p["tie_decay"], p["tie_min_strength"]
    g = model.graph
    t = g.ties
    flagged = np.zeros(t.size, dtype=bool)
    slots = edges.live_slots(t)
    flagged[slots[used & (slots >= 0)]] = True
    kind, strength = t.kind[: t.size], t.strength[: t.size]  # over every slot at once
    decaying = t.alive[: t.size] & (kind != RESIDENCY) & (kind != NO_KIND)
    np.copyto(strength, np.minimum(1.0, strength + USED_TIE_GAIN * decay), where=decaying & flagged)
    off = decaying & ~flagged
    rate = decay * np.where(kind == EDUCATION, EDUCATION_DECAY_SHARE, 1.0)
    np.multiply(strength, 1.0 - rate, out=strength, where=off)
    dead = np.flatnonzero(off & (strength < floor))
    g.discard_ties(zip(t.a[dead].tolist(), t.b[dead].tolist(), strict=True))
    return len(dead)


def used_ties(model: ClusterModel, edges: EdgeArrays, flows: np.ndarray) -> np.ndarray:
    """Which ties of ``edges`` were used this quarter: supply ties that carried goods,
    knowledge ties between innovators (universities always count as innovators)."""
    innov = np.r_[model.firms["innovated"], np.ones(len(model.university_ids), dtype=bool)]
    supply = edges.kind == SUPPLY
    used = np.zeros(len(edges.u), dtype=bool)
    used[np.flatnonzero(supply)] = flows > 0
    used |= ~supply & innov[edges.u] & innov[edges.v]
    return used
