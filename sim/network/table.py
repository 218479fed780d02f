"""Tie storage: the attributes of every tie of the cooperation graph in numpy columns.

:class:`TieTable` holds the endpoints, kind, strength, quarter formed, cross-border flag,
supplier and (for supply ties) last quarter's orders of every tie in parallel arrays, one slot
per tie, so the phases that touch every tie each quarter (deriving the arrays for spillovers
and supply flows, decay, degrees) run vectorised over the columns instead of looping over edge
dictionaries. The networkx graph that owns the table (:class:`~sim.network.graph.TieGraph`)
keeps it in step.

Slots of removed ties are reused, so a tie keeps its slot for life; slot order is the order
in which the vectorised phases see the ties.

The table also keeps, as ties form, dissolve and change kind, the number of triangles of
cooperation ties through every agent (the ties the network statistics see: every kind but
residency, between two distinct agents with non-negative integer ids), so the clustering
coefficients need no count from scratch each quarter.
"""


from __future__ import annotations

from typing import Any

import numpy as np

#: Tie kinds, in the order of their codes.
KINDS = ("supply", "rnd", "export_consortium", "education", "residency")
KIND_CODE = {k: i for i, k in enumerate(KINDS)}
#: Kind code of an edge added through the networkx API without a ``kind`` (implementation:
#: a code no kind has; -1 also picks the last entry of per-kind arrays such as COOPERATION).
NO_KIND = -1
#: Tie attributes kept in the columns (any other attribute is kept aside, by slot).
CORE_ATTRIBUTES = ("kind", "strength", "born", "cross", "supplier")
#: Kind codes of cooperation ties (counted in triangles): all but residency (and no kind).
COOPERATION = np.array([k != "residency" for k in KINDS] + [False])  # index -1: no kind


class TieTable:
    """Columns of tie attributes, one slot per tie (free slots are reused).

    Attributes:
        a, b: agent ids of the two ends (``a`` as first given when the tie was formed).
        kind: kind code (index into ``KINDS``; ``NO_KIND`` if never set).
        strength: trust 0-1.
        born: quarter the tie was formed.
        cross: the tie links the two countries.
        supplier: id of the selling firm of a supply tie, -1 otherwise.
        orders: for a supply tie, the share of the buyer's locally sourceable inputs it
            ordered from the supplier last quarter (what it received; 0 for a new tie), where
            this quarter's split starts from (:func:`sim.phases.supply.buy_inputs`).
        alive: the slot holds a tie.
        coop: the slot holds a cooperation tie (a kind other than residency, between two
            distinct agents with non-negative integer ids): the ties counted in ``tri``.
        tri: triangles of cooperation ties through each agent id (grows with the ids; read
            it with :meth:`triangles_of`).
        deg: ties of each agent id, all kinds (as ``graph.degree``; read it with
            :meth:`degree_of`).
        extra: other attributes set through networkx, by slot (rare).
        adj: the adjacency of the graph the table belongs to (``TieGraph._adj``), where the
            triangle count finds the common neighbours of a tie's ends.

    Kinds must be set through :meth:`set_kind` (or the graph and its edge mappings, which
    use it), never by writing the ``kind`` column, so the triangle count stays exact.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0  # slots ever used: alive ones and free ones are all below it
        self._free: list[int] = []
        cap = max(int(capacity), 16)
        self.a = np.zeros(cap, dtype=np.int64)
        self.b = np.zeros(cap, dtype=np.int64)
        self.kind = np.full(cap, NO_KIND, dtype=np.int8)
        self.strength = np.zeros(cap)
        self.born = np.zeros(cap, dtype=np.int32)
        self.cross = np.zeros(cap, dtype=bool)
        self.supplier = np.full(cap, -1, dtype=np.int64)
        self.orders = np.zeros(cap)
        self.alive = np.zeros(cap, dtype=bool)
        self.coop = np.zeros(cap, dtype=bool)
        self.tri = np.zeros(cap, dtype=np.int64)
        self.deg = np.zeros(cap, dtype=np.int64)
        self.extra: dict[int, dict[Any, Any]] = {}
        self.adj: dict[Any, dict[Any, Any]] = {}

    _ARRAYS = ("a", "b", "kind", "strength", "born", "cross", "supplier", "orders", "alive",
               "coop")

    def new(self, a: Any, b: Any) -> int:
        """A slot for a new tie between ``a`` and ``b`` (attributes at their defaults)."""
        if self._free:
            slot = self._free.pop()
        else:
            if self.size == len(self.a):
                self._grow()
            slot = self.size
            self.size += 1
        self.a[slot], self.b[slot] = _id(a), _id(b)
        self._reset(slot)
        self._add_degree(np.array([self.a[slot], self.b[slot]]), 1)
        return slot

    def new_many(self, a: list[int], b: list[int]) -> np.ndarray:
        """Slots for many new ties at once (freed slots first); attributes at defaults."""
        k = len(a)
        reuse = [self._free.pop() for _ in range(min(k, len(self._free)))]
        fresh = k - len(reuse)
        while self.size + fresh > len(self.a):
            self._grow()
        slots = np.array(reuse + list(range(self.size, self.size + fresh)), dtype=np.int64)
        self.size += fresh
        self.a[slots], self.b[slots] = a, b
        self._reset(slots)
        self._add_degree(np.r_[self.a[slots], self.b[slots]], 1)
        return slots

    def _add_degree(self, ends: np.ndarray, sign: int) -> None:
        """Count ``sign`` more ties at each of the agent ids ``ends`` (-1: not an agent)."""
        ends = ends[ends >= 0]
        if ends.size:
            self.deg = _add_at(self.deg, ends, sign)

    def _reset(self, slots: int | np.ndarray) -> None:
        """Attributes of newly taken slots at their defaults; the slots hold ties."""
        self.kind[slots] = NO_KIND
        self.strength[slots] = 0.0
        self.born[slots] = 0
        self.cross[slots] = False
        self.supplier[slots] = -1
        self.orders[slots] = 0.0
        self.alive[slots] = True
        self.coop[slots] = False

    def free(self, slot: int) -> None:
        """Release the slot of a removed tie (its triangles no longer count)."""
        if self.alive[slot]:
            self._count(slot, False)
            for end in (int(self.a[slot]), int(self.b[slot])):
                if end >= 0:
                    self.deg[end] -= 1
            self.alive[slot] = False
            self.kind[slot] = NO_KIND
            self.extra.pop(slot, None)
            self._free.append(slot)

    def free_many(self, slots: list[int]) -> None:
        """:meth:`free` of each of the distinct ``slots`` in turn, at once."""
        if not slots:
            return
        arr = np.array(slots, dtype=np.int64)
        arr = arr[self.alive[arr]]
        if not arr.size:
            return
        live = arr.tolist()
        self._count_many(live, False)
        self._add_degree(np.r_[self.a[arr], self.b[arr]], -1)
        self.alive[arr] = False
        self.kind[arr] = NO_KIND
        if self.extra:
            for slot in live:
                self.extra.pop(slot, None)
        self._free += live

    def clear(self) -> None:
        """Release every slot."""
        adj = self.adj
        self.__init__(len(self.a))
        self.adj = adj

    def set_kind(self, slot: int, code: int) -> None:
        """Set the kind of the tie in ``slot`` (its ends must be in ``adj``), keeping the
        triangle count in step."""
        self.kind[slot] = code
        a, b = self.a[slot], self.b[slot]
        self._count(slot, bool(COOPERATION[code]) and a >= 0 and b >= 0 and a != b)

    def _count(self, slot: int, coop: bool) -> None:
        """Make the tie in ``slot`` count as a cooperation tie or not."""
        if self.coop[slot] != coop:
            self._count_many([slot], coop)

    def _count_many(self, slots: list[int], coop: bool) -> None:
        """Make the ties in ``slots`` count as cooperation ties (``coop``) or no longer count,
        one after the other (ties already so are passed over): each adds or takes away the
        triangles it closes with two other counted ties."""
        adj, flags = self.adj, memoryview(self.coop)  # faster to read one by one
        hits: list[int] = []  # the three corners of every triangle closed or opened
        for s, u, v in zip(slots, self.a[slots].tolist(), self.b[slots].tolist(), strict=True):
            if flags[s] == coop:
                continue
            if coop:
                flags[s] = True
            nu, nv = adj[u], adj[v]
            for w in nu.keys() & nv.keys():
                if flags[nu[w].slot] and flags[nv[w].slot]:
                    hits += (u, v, w)
            if not coop:
                flags[s] = False
        self._add_triangles(hits, 1 if coop else -1)

    def _add_triangles(self, hits: list[int], sign: int) -> None:
        """Count ``sign`` more triangles at each agent id of ``hits`` (with repeats)."""
        if hits:
            self.tri = _add_at(self.tri, np.array(hits, dtype=np.int64), sign)

    def triangles_of(self, ids: np.ndarray) -> np.ndarray:
        """Triangles of cooperation ties through each of the agents ``ids``."""
        return value_by_id(self.tri, ids)

    def degree_of(self, ids: np.ndarray) -> np.ndarray:
        """Ties of each of the agents ``ids`` (all kinds, as ``graph.degree``)."""
        return value_by_id(self.deg, ids)

    def live(self) -> np.ndarray:
        """Slots holding a tie, in slot order."""
        return np.flatnonzero(self.alive[: self.size])

    def _grow(self) -> None:
        cap = 2 * len(self.a)
        for name in self._ARRAYS:
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        self.kind[self.size:] = NO_KIND
        self.supplier[self.size:] = -1


def _add_at(counts: np.ndarray, ids: np.ndarray, sign: int) -> np.ndarray:
    """``counts`` (grown to hold every id of ``ids``) with ``sign`` added once per
    occurrence of each id."""
    top = int(ids.max()) + 1
    if top > len(counts):
        grown = np.zeros(max(2 * len(counts), top), dtype=counts.dtype)
        grown[: len(counts)] = counts
        counts = grown
    if ids.size > 64:  # many ids: one count of each (faster than adding one by one)
        counts += sign * np.bincount(ids, minlength=len(counts))
    else:
        np.add.at(counts, ids, sign)
    return counts


def value_by_id(counts: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``counts[ids]``, 0 for ids outside the array."""
    ids = np.asarray(ids, dtype=np.int64)
    inside = (ids >= 0) & (ids < len(counts))
    return np.where(inside, counts[np.where(inside, ids, 0)], 0)


def _id(node: Any) -> int:
    """Agent ids are integers; other node keys get -1 in the endpoint columns."""
    return int(node) if isinstance(node, (int, np.integer)) and not isinstance(node, bool) \
        else -1
