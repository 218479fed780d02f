"""The cooperation graph: a networkx graph whose tie attributes are stored in numpy columns.

:class:`TieGraph` is an ordinary ``networkx.Graph`` (every networkx function, view and
algorithm works on it, and it is the one source of truth for which ties exist), except that
the attribute mapping of each edge is a :class:`TieData` reading and writing one slot of a
:class:`~sim.network.table.TieTable`, so ``graph.edges[a, b]["strength"]`` and
``graph.edges(data=True)`` show the current values of the columns.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

import networkx as nx
import numpy as np

from sim.network.table import (
    COOPERATION,
    CORE_ATTRIBUTES,
    KIND_CODE,
    KINDS,
    NO_KIND,
    TieTable,
)


class TieData(MutableMapping):
    """The attribute mapping of one tie: a view of its slot in the :class:`TieTable`.

    Keys ``kind`` (a name from ``KINDS``), ``strength`` (float), ``born`` (int), ``cross``
    (bool) and ``supplier`` (int or None) are columns; any other key is kept aside.
    ``copy()`` gives a plain dict. When its tie is removed the mapping is detached: it keeps
    the tie's last attributes as a plain dict (as a removed networkx edge's dict would) and no
    longer reads or writes the slot, which a new tie may take.
    """

    __slots__ = ("_table", "slot", "_values")

    def __init__(self, table: TieTable, slot: int) -> None:
        self._table: TieTable | None = table
        self.slot = slot
        self._values: dict[Any, Any] | None = None

    def detach(self) -> None:
        """Keep the current attributes as a plain dict and let go of the slot."""
        if self._table is not None:
            self._values = self.copy()
            self._table = None

    def __getitem__(self, key: Any) -> Any:
        t, s = self._table, self.slot
        if t is None:
            return self._values[key]
        if key == "strength":
            return float(t.strength[s])
        if key == "kind":
            code = int(t.kind[s])
            if code == NO_KIND:
                raise KeyError(key)
            return KINDS[code]
        if key == "born":
            return int(t.born[s])
        if key == "cross":
            return bool(t.cross[s])
        if key == "supplier":
            v = int(t.supplier[s])
            return None if v < 0 else v
        return t.extra[s][key] if s in t.extra and key in t.extra[s] else _missing(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        t, s = self._table, self.slot
        if t is None:
            self._values[key] = value
            return
        _check(key, value)
        if key == "strength":
            t.strength[s] = value
        elif key == "kind":
            t.set_kind(s, KIND_CODE[value])
        elif key == "born":
            t.born[s] = value
        elif key == "cross":
            t.cross[s] = bool(value)
        elif key == "supplier":
            t.supplier[s] = -1 if value is None else int(value)
        else:
            t.extra.setdefault(s, {})[key] = value

    def __delitem__(self, key: Any) -> None:
        if self._table is None:
            del self._values[key]
            return
        if key in CORE_ATTRIBUTES:
            raise KeyError(f"the tie attribute {key!r} cannot be deleted")
        del self._table.extra[self.slot][key]

    def __iter__(self) -> Iterator[Any]:
        t, s = self._table, self.slot
        if t is None:
            yield from self._values
            return
        if t.kind[s] != NO_KIND:
            yield "kind"
        yield from ("strength", "born", "cross", "supplier")
        yield from t.extra.get(s, {})

    def __len__(self) -> int:
        t, s = self._table, self.slot
        if t is None:
            return len(self._values)
        return 4 + (t.kind[s] != NO_KIND) + len(t.extra.get(s, {}))

    def update(self, other: Any = (), /, **kw: Any) -> None:  # faster than the mixin's
        """Set several attributes (as ``dict.update``)."""
        items = list(other.items() if hasattr(other, "items") else other) + list(kw.items())
        if self._table is not None:
            for k, v in items:  # all checked first: a bad value changes nothing
                _check(k, v)
        for k, v in items:
            self[k] = v

    def copy(self) -> dict[Any, Any]:
        """The attributes as a plain dict."""
        return dict(self.items())

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        """Within a copy of the whole graph (its table already copied): a view of the copied
        table; on its own (e.g. networkx copying edge data one by one): a plain dict."""
        table = memo.get(id(self._table)) if self._table is not None else None
        if table is None:
            return copy.deepcopy(self.copy(), memo)
        data = TieData(table, self.slot)
        memo[id(self)] = data
        return data

    def __repr__(self) -> str:
        return repr(self.copy())


def _check(key: Any, value: Any) -> None:
    """Raise if ``value`` cannot be stored as the column ``key``."""
    try:
        if key == "kind":
            if value not in KIND_CODE:
                raise ValueError(f"tie kind must be one of {', '.join(KINDS)}, got {value!r}")
        elif key in ("strength",):
            float(value)
        elif key in ("born",) or (key == "supplier" and value is not None):
            int(value)
    except TypeError as err:
        raise ValueError(f"tie attribute {key!r}: {value!r} is not a number") from err


def _missing(key: Any) -> Any:
    raise KeyError(key)


class TieGraph(nx.Graph):
    """A networkx graph keeping its tie attributes in a :class:`TieTable` (``ties``).

    Adding and removing edges and nodes goes through networkx as usual; the overrides only
    keep the table's slots in step (and detach the attribute mappings of removed ties, so
    they keep their values). Use :func:`sim.network.add_tie` to form ties with all their
    attributes; the model's own hot paths use :meth:`form`, :meth:`form_new`,
    :meth:`discard_ties` and :meth:`discard_nodes`.
    """

    def __init__(self, incoming_graph_data: Any = None, **attr: Any) -> None:
        self.ties = TieTable()
        attr.pop("backend", None)  # as networkx: an explicit backend="networkx" is ignored
        super().__init__(**attr)
        self.ties.adj = self._adj  # before any tie is added
        if incoming_graph_data is not None:
            nx.convert.to_networkx_graph(incoming_graph_data, create_using=self)
            self.graph.update(attr)  # as networkx: given attributes over the data's

    def _slot_data(self, u: Any, v: Any) -> TieData:
        return TieData(self.ties, self.ties.new(u, v))

    def add_edge(self, u_of_edge: Any, v_of_edge: Any, **attr: Any) -> None:
        """As ``networkx.Graph.add_edge``; a new tie gets a slot in the columns."""
        u, v = u_of_edge, v_of_edge
        for node in (u, v):
            if node not in self._node:
                if node is None:
                    raise ValueError("None cannot be a node")
                self._adj[node] = self.adjlist_inner_dict_factory()
                self._node[node] = self.node_attr_dict_factory()
        self._add_edge(u, v, attr)

    def _add_edge(self, u: Any, v: Any, attr: dict[Any, Any]) -> None:
        for key, value in attr.items():  # a bad value adds nothing
            _check(key, value)
        self._tie_data(u, v).update(attr)
        nx._clear_cache(self)

    def _tie_data(self, u: Any, v: Any) -> TieData:
        """The mapping of the tie ``u``-``v``; a new tie (a new slot) if there is none."""
        data = self._adj[u].get(v)
        if data is None:
            data = self._slot_data(u, v)
            self._adj[u][v] = data
            self._adj[v][u] = data
            nx._clear_cache(self)
        return data

    def form(self, a: int, b: int, kind: int, strength: float, born: int, cross: bool,
             supplier: int = -1) -> int:
        """Add (or refresh) the tie ``a``-``b`` with all its attributes, writing the columns
        directly (the fast path of :meth:`add_edge` for the model's own ties; both nodes
        must exist). Returns its slot."""
        t = self.ties
        s = self._tie_data(a, b).slot
        t.set_kind(s, kind)
        t.strength[s] = strength
        t.born[s] = born
        t.cross[s] = cross
        t.supplier[s] = supplier
        return s

    def form_new(self, a: Iterable[int], b: Iterable[int], kind: int,
                 strength: float | np.ndarray, born: int, cross: np.ndarray | None = None,
                 supplier: np.ndarray | None = None) -> np.ndarray:
        """Form the ties ``a[i]``-``b[i]`` that do not exist yet, all at once (pairs of one
        agent with itself, pairs already tied and repeats within the batch form nothing).
        ``cross``, ``supplier`` and an array ``strength`` are given per pair. Both nodes of
        every pair must exist. Returns a mask of the pairs that formed a tie."""
        adj, t = self._adj, self.ties
        a, b = list(a), list(b)
        n = len(a)
        sizes = [len(b)] + [len(x) for x in (cross, supplier) if x is not None] \
            + ([len(strength)] if np.ndim(strength) else [])
        if any(size != n for size in sizes):
            raise ValueError(f"form_new: {n} pairs but arrays of lengths {sizes}")
        formed = np.zeros(n, dtype=bool)
        # Each new tie takes the slot new_many will give it (freed slots from the end of the
        # list, then fresh ones), and, if it is a cooperation tie between agents, closes
        # triangles with the cooperation ties there already or formed earlier in the batch.
        while t.size + n > len(t.a):  # room for every pair (flags of all slots readable)
            t._grow()
        free, fresh = t._free, t.size
        reused = min(n, len(free))
        ahead = free[len(free) - reused:][::-1] + list(range(fresh, fresh + n - reused))
        try:
            agents = ((np.asarray(a, dtype=np.int64) >= 0) & (np.asarray(b, dtype=np.int64) >= 0)
                      if COOPERATION[kind] else np.zeros(n, dtype=bool)).tolist()
        except (TypeError, ValueError):
            self._check_nodes(a, b)
            raise
        # A tie formed earlier in the batch counts at once: its flag is raised here (and
        # lowered again if the batch fails); new_many resets the flags, raised again below.
        flags = memoryview(t.coop)
        keep: list[int] = []
        counted: list[int] = []
        hits: list[int] = []
        make = object.__new__  # a TieData without the call of __init__ (faster)
        try:
            for k, x, y, agent in zip(range(n), a, b, agents, strict=False):
                near = adj[x]
                if y in near or x == y:
                    continue
                far = adj[y]
                c = len(keep)
                s = ahead[c]
                data = make(TieData)
                data._table, data.slot, data._values = t, s, None
                near[y] = far[x] = data
                keep.append(k)
                if agent:  # the common neighbours, looked up from the end with fewer ties
                    if len(near) <= len(far):
                        for w in near:
                            if w in far and flags[near[w].slot] and flags[far[w].slot]:
                                hits += (x, y, w)
                    else:
                        for w in far:
                            if w in near and flags[near[w].slot] and flags[far[w].slot]:
                                hits += (x, y, w)
                    flags[s] = True
                    counted.append(c)
            if not keep:
                return formed
            flags.release()
            slots = t.new_many([a[k] for k in keep], [b[k] for k in keep])
            if slots.tolist() != ahead[: len(keep)]:  # cannot happen: new_many's order
                raise RuntimeError("form_new: slots out of step with the tie table")
        except BaseException as err:
            for k in keep:  # nothing formed
                del adj[a[k]][b[k]], adj[b[k]][a[k]]
            for c in counted:
                t.coop[ahead[c]] = False
            if isinstance(err, KeyError):  # every end is looked up in the loop
                self._check_nodes(a, b)
            raise
        formed[keep] = True
        t.kind[slots] = kind
        t.coop[slots[counted]] = True
        t._add_triangles(hits, 1)
        t.strength[slots] = strength if np.ndim(strength) == 0 else np.asarray(strength)[formed]
        t.born[slots] = born
        if cross is not None:
            t.cross[slots] = np.asarray(cross)[formed]
        if supplier is not None:
            t.supplier[slots] = np.asarray(supplier)[formed]
        nx._clear_cache(self)
        return formed

    def _check_nodes(self, a: list[Any], b: list[Any]) -> None:
        """Raise a KeyError naming the ends of ``a`` and ``b`` that are not nodes."""
        missing = [x for x in {*a, *b} if x not in self._adj]
        if missing:
            raise KeyError(f"form_new: not nodes of the graph: {missing[:5]}") from None

    def slot_of(self, a: Any, b: Any) -> int:
        """Slot of the tie ``a``-``b``, or -1 if there is none."""
        data = self._adj.get(a, {}).get(b)
        return data.slot if isinstance(data, TieData) else -1

    def slots_of(self, pairs: np.ndarray | Iterable[tuple[Any, Any]]) -> np.ndarray:
        """:meth:`slot_of` of each pair ``a, b`` (rows of an array, or any pairs)."""
        get, none = self._adj.get, {}
        if isinstance(pairs, np.ndarray):
            pairs = pairs.reshape(-1, 2).tolist()
        return np.array([d.slot if isinstance(d := get(a, none).get(b), TieData) else -1
                         for a, b in pairs], dtype=np.int64)

    def add_edges_from(self, ebunch_to_add: Iterable[Any], **attr: Any) -> None:
        """As ``networkx.Graph.add_edges_from``, one :meth:`add_edge` per tie."""
        for e in ebunch_to_add:
            if len(e) == 3:
                u, v, dd = e
            elif len(e) == 2:
                (u, v), dd = e, {}
            else:
                raise nx.NetworkXError(f"Edge tuple {e} must be a 2-tuple or 3-tuple.")
            for node in (u, v):
                if node not in self._node:
                    self.add_node(node)
            self._add_edge(u, v, {**attr, **dd})

    def add_weighted_edges_from(self, ebunch_to_add: Iterable[Any], weight: str = "weight",
                                **attr: Any) -> None:
        """As ``networkx.Graph.add_weighted_edges_from``."""
        self.add_edges_from(((u, v, {weight: d}) for u, v, d in ebunch_to_add), **attr)

    def _release(self, data: Any, detach: bool) -> None:
        if isinstance(data, TieData) and data._table is self.ties:
            slot = data.slot
            if detach:
                data.detach()
            self.ties.free(slot)

    def remove_edge(self, u: Any, v: Any) -> None:
        """As ``networkx.Graph.remove_edge``; frees the tie's slot."""
        data = self._adj.get(u, {}).get(v)
        super().remove_edge(u, v)
        self._release(data, True)

    def remove_edges_from(self, ebunch: Iterable[Any]) -> None:
        """As ``networkx.Graph.remove_edges_from`` (missing ties are ignored)."""
        self._drop_edges(ebunch, detach=True)

    def discard_ties(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        """Remove ties (missing ones are ignored) without keeping their attribute mappings
        usable: faster, for callers that hold no mapping of these ties."""
        self._drop_edges(pairs, detach=False)

    def _drop_edges(self, ebunch: Iterable[Any], detach: bool) -> None:
        adj, t = self._adj, self.ties
        found, seen = [], set()
        for e in ebunch:
            u, v = e[:2]
            data = adj.get(u, {}).get(v)
            if data is not None and id(data) not in seen:
                seen.add(id(data))
                found.append((u, v, data))
        # The ties stop counting in triangles one after the other, while all are still in
        # the graph (a tie no longer counted closes no triangle), then they go at once.
        mine = [d for _, _, d in found if isinstance(d, TieData) and d._table is t]
        t._count_many([d.slot for d in mine], False)
        for u, v, _data in found:
            del adj[u][v]
            if u != v:
                del adj[v][u]
        if detach:
            for data in mine:
                data.detach()
        t.free_many([d.slot for d in mine])
        nx._clear_cache(self)

    def remove_node(self, n: Any) -> None:
        """As ``networkx.Graph.remove_node``; frees the slots of its ties."""
        if n not in self._node:
            super().remove_node(n)  # networkx's error
        self._drop_nodes([n], detach=True)

    def remove_nodes_from(self, nodes: Iterable[Any]) -> None:
        """As ``networkx.Graph.remove_nodes_from`` (missing nodes are ignored)."""
        self._drop_nodes(nodes, detach=True)

    def discard_nodes(self, nodes: Iterable[Any]) -> None:
        """Remove nodes and their ties (missing nodes are ignored) without keeping the ties'
        attribute mappings usable: faster, for callers that hold none."""
        self._drop_nodes(nodes, detach=False)

    def _drop_nodes(self, nodes: Iterable[Any], detach: bool) -> None:
        adj, t = self._adj, self.ties
        nodes = [n for n in dict.fromkeys(nodes) if n in adj]
        # Their ties stop counting in triangles one after the other (a tie between two of
        # them once), while all are still in the graph, then they go at once.
        t._count_many([d.slot for n in nodes for d in adj[n].values()
                       if isinstance(d, TieData) and d._table is t], False)
        mine = []
        for n in nodes:
            nbrs = adj[n]
            for u, data in list(nbrs.items()):
                del adj[u][n]
                if isinstance(data, TieData) and data._table is t:
                    mine.append(data)
            del adj[n]
            del self._node[n]
        if detach:
            for data in mine:
                data.detach()
        t.free_many([d.slot for d in mine])
        nx._clear_cache(self)

    def clear(self) -> None:
        """Remove every node and tie."""
        self.clear_edges()
        super().clear()

    def clear_edges(self) -> None:
        """Remove every tie, keeping the nodes."""
        for nbrs in self._adj.values():
            for data in nbrs.values():
                if isinstance(data, TieData) and data._table is self.ties:
                    data.detach()
        super().clear_edges()
        self.ties.clear()

    def degree_by_id(self, size: int) -> np.ndarray:
        """Ties of every agent id below ``size`` (all kinds, as ``graph.degree``)."""
        return self.ties.degree_of(np.arange(size))

    def degree_of(self, ids: np.ndarray) -> np.ndarray:
        """Ties of each of the agents ``ids`` (all kinds, as ``graph.degree``)."""
        return self.ties.degree_of(ids)
