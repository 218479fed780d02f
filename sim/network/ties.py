"""Ties of the cooperation graph: their kinds, forming them, and their arrays for the phases.

The networkx graph (a :class:`~sim.network.graph.TieGraph`) is the one source of truth for
ties. Nodes are agent ids (firms, universities, parks); node attributes ``kind`` and
``country``. Edge attributes: ``kind`` (supply, rnd, export_consortium, education, residency),
``strength`` (0-1 trust), ``born`` (quarter formed), ``cross`` (cross-border) and, for supply
ties, ``supplier`` (the id of the selling firm). The graph stores them in numpy columns
(``graph.ties``), so once per step :func:`edge_arrays` derives the arrays of the vectorised
phases without a loop over edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from sim.network.table import KIND_CODE, KINDS, NO_KIND

if TYPE_CHECKING:
    from sim.model import ClusterModel
    from sim.network.table import TieTable

SUPPLY, RND, EXPORT, EDUCATION, RESIDENCY = range(len(KINDS))


HORIZONTAL = (RND, EXPORT, EDUCATION)


IS_HORIZONTAL = np.isin(np.arange(len(KINDS)), HORIZONTAL)  # by kind code

#: Trust a new tie starts with, 0-1, unless its maker sets another (assumed: halfway).
NEW_TIE_STRENGTH = 0.5
#: Ends of a tie: each tie is two entries of a symmetric adjacency matrix (by definition).
ENDS_PER_TIE = 2
#: Most nodes for which tie ends are sorted as 16-bit numbers, which is faster and gives the
#: same order (implementation: every node index fits in 16 bits).
SORT16_MAX_NODES = 2**16
#: Sizes below which a sparse matrix is indexed with 32-bit integers, as scipy's graph
#: routines do (implementation: the largest int32 plus one).
INT32_LIMIT = 2**31


@dataclass
class EdgeArrays:
    """Cooperation ties as arrays over node indices (firm rows, then universities).

    Attributes:
        u: first node index of each tie (for supply ties: the buyer).
        v: second node index (for supply ties: the supplier).
        kind: kind code (index into ``KINDS``).
        strength: trust 0-1 (a copy: the graph's value when the arrays were derived).
        cross: tie links the two countries.
        n_nodes: firms plus universities.
        slot: the tie's slot in ``graph.ties`` (how later phases find it again).
        ends: agent ids of the two ends as stored in the slot (to check the slot still holds
            the same tie).
        triangles: triangles of these ties through each node (from the graph's own count
            when the arrays were derived; None: count them from the ties).
    """

    u: np.ndarray
    v: np.ndarray
    kind: np.ndarray
    strength: np.ndarray
    cross: np.ndarray
    n_nodes: int
    slot: np.ndarray | None = None
    ends: np.ndarray | None = None
    triangles: np.ndarray | None = None

    def live_slots(self, table: TieTable,
                   positions: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Slots in ``table`` of the ties at ``positions`` of these arrays (indices or a mask),
        -1 where the slot no longer holds the same tie (it dissolved, or another pair took
        the slot since the arrays were derived) or the arrays keep no slots."""
        count = np.arange(len(self.u))[positions].size
        if self.slot is None or count == 0:
            return np.full(count, -1, dtype=np.int64)
        slots, ends = self.slot[positions], self.ends[positions]
        same = table.alive[slots] & (table.a[slots] == ends[:, 0]) \
            & (table.b[slots] == ends[:, 1])
        return np.where(same, slots, -1)

    def supply(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(buyer rows, supplier rows, strength) of supply ties."""
        m = self.kind == SUPPLY
        return self.u[m], self.v[m], self.strength[m]

    def adjacency(self) -> sp.csr_matrix:
        """Symmetric 0/1 adjacency of cooperation ties."""
        n = self.n_nodes
        ones = np.ones(len(self.u) * ENDS_PER_TIE)
        a = sp.csr_matrix((ones, (np.r_[self.u, self.v], np.r_[self.v, self.u])), shape=(n, n))
        a.data[:] = 1.0  # parallel ties of different kinds count once
        return a

    def links(self) -> sp.csr_matrix:
        """Each tie once, as a link from ``u`` to ``v`` (enough for connected components, and
        cheaper to build than :meth:`adjacency`)."""
        n = self.n_nodes
        # any order of the ties of a node will do; small ids sort faster as 16-bit numbers
        order = np.argsort(self.u.astype(np.uint16), kind="stable") if n <= SORT16_MAX_NODES \
            else np.argsort(self.u)
        index = np.int32 if max(n, len(self.u)) < INT32_LIMIT else np.int64  # as scipy's graphs
        indptr = np.zeros(n + 1, dtype=index)
        np.cumsum(np.bincount(self.u, minlength=n), out=indptr[1:])
        return sp.csr_matrix((np.ones(len(order)), self.v[order].astype(index), indptr),
                             shape=(n, n))

    def degree(self) -> np.ndarray:
        """Ties of each node: the row sums of :meth:`adjacency` (each pair of nodes is tied
        at most once, as in the graph; a tie of a node with itself counts once)."""
        n = self.n_nodes
        loops = self.u[self.u == self.v]
        return (np.bincount(self.u, minlength=n) + np.bincount(self.v, minlength=n)
                - np.bincount(loops, minlength=n)).astype(float)


def id_space(model: ClusterModel) -> int:
    """One more than the largest agent id on a tie, a firm or a university."""
    t = model.graph.ties
    top = max(int(t.a[: t.size].max(initial=-1)), int(t.b[: t.size].max(initial=-1)),
              int(model.firms.ids.max(initial=-1)), int(model.university_ids.max(initial=-1)))
    return top + 1


def node_rows(model: ClusterModel, size: int | None = None) -> np.ndarray:
    """Agent id -> node index (firm rows first, then universities); -1 for other agents."""
    size = id_space(model) if size is None else size
    rows = np.full(size, -1, dtype=np.int64)
    n = model.firms.n
    rows[model.firms.ids] = np.arange(n)
    rows[model.university_ids] = n + np.arange(len(model.university_ids))
    return rows


def edge_arrays(model: ClusterModel) -> EdgeArrays:
    """Derive tie arrays from the graph's tie columns (residency ties excluded), in slot
    order."""
    t = model.graph.ties
    every = t.kind[: t.size]
    slot = np.flatnonzero(t.alive[: t.size] & (every != RESIDENCY) & (every != NO_KIND))
    kind = every[slot]
    a, b = t.a[slot], t.b[slot]
    swap = (kind == SUPPLY) & (t.supplier[slot] == a)  # u = buyer, v = supplier
    rows = node_rows(model)
    u, v = rows[np.where(swap, b, a)], rows[np.where(swap, a, b)]
    triangles = t.triangles_of(np.r_[model.firms.ids, model.university_ids]).astype(float)
    return EdgeArrays(u, v, kind, t.strength[slot].copy(), t.cross[slot].copy(),
                      model.firms.n + len(model.university_ids), slot,
                      np.column_stack([a, b]), triangles)


def add_tie(model: ClusterModel, a: int, b: int, kind: str, supplier: int | None = None,
            strength: float = NEW_TIE_STRENGTH) -> None:
    """Add (or refresh) a tie between agents ``a`` and ``b``."""
    g = model.graph
    nodes = g._node
    g.form(a, b, KIND_CODE[kind], strength, model.quarter,
           nodes[a]["country"] != nodes[b]["country"], -1 if supplier is None else supplier)


def add_new_ties(model: ClusterModel, a: list[int] | np.ndarray, b: list[int] | np.ndarray,
                 kind: str, strength: float = NEW_TIE_STRENGTH,
                 supplier: list[int] | np.ndarray | None = None) -> np.ndarray:
    """Form ties between agents ``a[i]`` and ``b[i]`` where there is none yet (ties that exist
    are left as they are; pairs of an agent with itself and repeats are skipped), all of one
    kind, at once. ``supplier`` gives the selling firm of each supply tie. Returns a mask of
    the pairs that formed a tie."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if a.shape != b.shape:
        raise ValueError(f"add_new_ties: {a.size} first ends but {b.size} second ends")
    country = node_country(model, np.r_[a, b])
    cross = country[: a.size] != country[a.size:]
    return model.graph.form_new(a.tolist(), b.tolist(), KIND_CODE[kind], strength,
                                model.quarter, cross,
                                None if supplier is None else np.asarray(supplier,
                                                                         dtype=np.int64))


def node_country(model: ClusterModel, ids: np.ndarray) -> np.ndarray:
    """Country code of each agent of ``ids`` (the ``country`` of its graph node; firms' from
    the firm columns, which hold the same)."""
    f = model.firms
    rows = f.rows_of(ids)
    out = f["country"][rows].astype(np.int64) if f.n else np.zeros(ids.size, dtype=np.int64)
    other = np.flatnonzero(rows < 0)
    if other.size:
        nodes = model.graph._node
        out[other] = [nodes[x]["country"] for x in ids[other].tolist()]
    return out


def cooperation_degree(model: ClusterModel) -> np.ndarray:
    """Cooperation ties of each firm (residency excluded) at the end of last quarter."""
    e, n = model.edges, model.firms.n
    cached = getattr(model, "_degree_cache", None)
    if cached is None or cached[0] is not e or cached[1].size != n:
        firm_u, firm_v = e.u[e.u < n], e.v[e.v < n]
        model._degree_cache = (e, np.bincount(firm_u, minlength=n)
                               + np.bincount(firm_v, minlength=n))
    return model._degree_cache[1].copy()
