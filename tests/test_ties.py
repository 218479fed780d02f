"""The cooperation graph keeps tie attributes in columns: networkx operations and the columns
must always agree, and the arrays of the vectorised phases must be what the graph says."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import networkx as nx
import numpy as np
import pytest
from conftest import fresh_model, spec

from sim.network import KINDS, TieData, TieGraph, edge_arrays, node_country, search
from sim.network.decay import decay_ties
from sim.network.search import partner_search
from sim.network.stats import network_stats, triangles_per_node
from sim.network.ties import EDUCATION


def graph_view(g: nx.Graph) -> dict[frozenset, dict]:
    """Every tie with its attributes, read through the networkx API."""
    return {frozenset((a, b)): dict(d) for a, b, d in g.edges(data=True)}


def table_view(g: TieGraph) -> dict[frozenset, dict]:
    """Every live slot of the columns, in the same form."""
    t = g.ties
    out = {}
    for s in t.live().tolist():
        d = {"strength": float(t.strength[s]), "born": int(t.born[s]),
             "cross": bool(t.cross[s]),
             "supplier": None if t.supplier[s] < 0 else int(t.supplier[s])}
        if t.kind[s] >= 0:
            d["kind"] = KINDS[t.kind[s]]
        d.update(t.extra.get(s, {}))
        out[frozenset((int(t.a[s]), int(t.b[s])))] = d
    return out


def test_networkx_operations_keep_the_columns_in_step():
    g = TieGraph()
    g.add_edge(1, 2, kind="supply", strength=0.4, born=3, cross=True, supplier=2)
    g.add_edges_from([(2, 3, {"kind": "rnd", "strength": 0.9}), (3, 4)], born=5)
    g.add_edge(1, 2, strength=0.6)  # refresh keeps the slot
    assert g.edges[1, 2]["strength"] == 0.6 and g.edges[2, 1]["supplier"] == 2
    assert "kind" not in g.edges[3, 4]  # a tie added without a kind has none
    g.edges[2, 3]["note"] = "joint lab"
    assert graph_view(g) == table_view(g)
    assert g.ties.live().size == 3
    g.remove_edge(2, 3)
    g.remove_edges_from([(3, 4), (7, 8)])  # a missing edge is ignored, as in networkx
    assert graph_view(g) == table_view(g) and g.ties.live().size == 1
    g.add_edges_from([(1, 5, {"kind": "rnd"}), (5, 6, {"kind": "education"}),
                      (6, 1, {"kind": "export_consortium"})])
    slots_before = g.ties.size
    g.remove_nodes_from(iter([5, 99]))
    assert graph_view(g) == table_view(g) and g.number_of_edges() == 2
    g.add_edge(7, 8, kind="rnd")  # reuses a freed slot
    assert g.ties.size == slots_before
    g.remove_node(1)
    assert graph_view(g) == table_view(g) and g.number_of_edges() == 1
    with pytest.raises(ValueError, match="tie kind must be one of"):
        g.add_edge(7, 8, kind="friendship")
    with pytest.raises(KeyError):
        del g.edges[7, 8]["strength"]


def test_copies_and_pickles_are_independent():
    g = TieGraph()
    g.add_edge(1, 2, kind="rnd", strength=0.3)
    h = g.copy()
    h.edges[1, 2]["strength"] = 0.9
    assert g.edges[1, 2]["strength"] == 0.3 and isinstance(h, TieGraph)
    plain = nx.Graph(g)
    assert plain.edges[1, 2]["kind"] == "rnd" and not isinstance(plain[1][2], TieData)
    back = pickle.loads(pickle.dumps(g))
    back.edges[1, 2]["strength"] = 0.7
    assert g.edges[1, 2]["strength"] == 0.3 and back.edges[1, 2]["strength"] == 0.7
    assert graph_view(back) == table_view(back)


def test_degrees_from_the_columns_equal_networkx_degrees():
    g = TieGraph()
    rng = np.random.default_rng(0)
    for a, b in rng.integers(0, 40, (120, 2)).tolist():
        if a != b:
            g.add_edge(a, b, kind=KINDS[(a + b) % len(KINDS)])
    g.remove_nodes_from(range(0, 40, 7))
    deg = g.degree_by_id(40)
    assert all(deg[n] == d for n, d in g.degree())
    assert deg[[n for n in range(40) if n not in g]].sum() == 0


def reference_edge_arrays(model):
    """The ties of the graph as the phases need them, by a plain loop over networkx edges."""
    index = {int(i): r for r, i in enumerate(model.firms.ids.tolist())}
    index.update((u.unique_id, model.firms.n + k) for k, u in enumerate(model.universities))
    out = set()
    for a, b, d in model.graph.edges(data=True):
        if d["kind"] == "residency":
            continue
        u, v = index[a], index[b]
        if d["kind"] == "supply":
            if d["supplier"] == a:
                u, v = v, u  # buyer first
        else:
            u, v = min(u, v), max(u, v)  # the phases treat other ties symmetrically
        out.add((u, v, d["kind"], round(d["strength"], 12), d["cross"]))
    return out


def oriented(u: int, v: int, kind: str) -> tuple[int, int]:
    return (u, v) if kind == "supply" else (min(u, v), max(u, v))


@pytest.mark.parametrize("scenario", ["baseline", "full_package"])
def test_edge_arrays_match_the_graph_after_a_run(scenario):
    from conftest import bundled
    model = fresh_model(bundled(scenario, scale=0.2), seed=4)
    for _ in range(6):
        model.step()
    e = edge_arrays(model)
    got = {(*oriented(u, v, KINDS[k]), KINDS[k], round(s, 12), c) for u, v, k, s, c in
           zip(e.u.tolist(), e.v.tolist(), e.kind.tolist(), e.strength.tolist(),
               e.cross.tolist(), strict=True)}
    assert got == reference_edge_arrays(model)
    assert len(got) > 100
    assert graph_view(model.graph) == table_view(model.graph)
    # every tie's ends are live agents
    live = set(model.firms.ids.tolist()) | set(model.university_by_id) \
        | {p.unique_id for p in model.parks}
    assert all(a in live and b in live for a, b in model.graph.edges())
    # the countries ties are judged cross-border by are those of the graph's nodes
    nodes = np.array(list(model.graph.nodes), dtype=np.int64)
    assert node_country(model, nodes).tolist() == \
        [model.graph.nodes[n]["country"] for n in nodes.tolist()]


def test_decay_weakens_unused_ties_and_dissolves_weak_ones():
    model = fresh_model(spec(scale=0.1, model={"warmup": 0}), seed=2)
    g, p = model.graph, model.params
    edges = edge_arrays(model)
    assert len(edges.u) > 10
    before = edges.strength.copy()
    used = np.zeros(len(edges.u), dtype=bool)
    used[::2] = True
    weakest = int(np.flatnonzero(~used)[0])
    g.ties.strength[edges.slot[weakest]] = p["tie_min_strength"] * 1.01  # about to dissolve
    before[weakest] = p["tie_min_strength"] * 1.01
    n_before = g.number_of_edges()
    dissolved = decay_ties(model, edges, used)
    after = g.ties.strength[edges.slot]
    assert np.allclose(after[used], np.minimum(1.0, before[used] + 2 * p["tie_decay"]))
    off = ~used
    off[weakest] = False
    rate = p["tie_decay"] * np.where(edges.kind[off] == EDUCATION, 0.5, 1.0)
    alive = g.ties.alive[edges.slot[off]]
    assert np.allclose(after[off][alive], (before[off] * (1 - rate))[alive])
    assert dissolved >= 1 and g.number_of_edges() == n_before - dissolved
    a, b = edges.ends[weakest]
    assert not g.has_edge(int(a), int(b))


def test_removed_ties_keep_their_attributes_and_leave_the_slot_alone():
    g = TieGraph()
    g.add_edge(1, 2, kind="supply", strength=0.4, born=3, cross=True, supplier=2, note="x")
    g.add_edge(2, 3, kind="rnd", strength=0.9, born=1)
    stale = g.edges[1, 2]
    g.remove_edge(1, 2)
    g.add_edge(7, 8, kind="education", strength=0.1)  # takes the freed slot
    assert stale["kind"] == "supply" and stale["note"] == "x" and stale["strength"] == 0.4
    stale["strength"] = 0.99
    assert g.edges[7, 8]["strength"] == 0.1
    # networkx functions that remove edges and add them back with the old data
    before = graph_view(g)
    nx.relabel_nodes(g, {1: 10, 2: 20}, copy=False)
    assert graph_view(g) == {frozenset((20, 3)): before[frozenset((2, 3))],
                             frozenset((7, 8)): before[frozenset((7, 8))]}
    assert graph_view(g) == table_view(g)
    h = nx.contracted_nodes(g, 20, 7, self_loops=False, copy=False)
    assert h.edges[20, 3]["kind"] == "rnd" and h.edges[20, 8]["kind"] == "education"
    assert graph_view(h) == table_view(h)


def test_copies_of_edge_data_are_plain_and_whole_graph_copies_are_views_of_their_table():
    import copy
    import time

    def chain(n: int) -> TieGraph:
        g = TieGraph()
        g.add_edges_from((i, i + 1, {"kind": "rnd", "strength": 0.5}) for i in range(n))
        return g

    def fastest_copy(g: TieGraph) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            g.to_directed()
            times.append(time.perf_counter() - start)
        return min(times)

    # each edge copies its own data, not the whole table: ten times the edges cost about ten
    # times as much (a copy of the table per edge: a hundred times); measured 8.5-14.6 on a loaded
    # machine; the fastest of three runs, as load slows single runs at random
    small, g = chain(2_000), chain(20_000)
    assert fastest_copy(g) / fastest_copy(small) < 35.0
    d = g.to_directed()
    assert d.number_of_edges() == 40_000 and d.edges[5, 6]["kind"] == "rnd"
    deep = copy.deepcopy(g)
    deep.edges[5, 6]["strength"] = 0.9
    assert g.edges[5, 6]["strength"] == 0.5 and deep.ties.strength[deep.slot_of(5, 6)] == 0.9
    assert graph_view(deep) == table_view(deep)


def test_bad_edges_change_nothing():
    g = TieGraph()
    g.add_edges_from([(1, 2, {0: "numeric key", "kind": "rnd"})])  # any hashable key
    assert g.edges[1, 2][0] == "numeric key"
    assert g.copy().edges[1, 2][0] == "numeric key"
    with pytest.raises(ValueError):
        g.add_edge(5, 6, kind="friendship")
    with pytest.raises(ValueError):
        g.add_edge(1, 2, strength="strong")
    assert not g.has_edge(5, 6) and g.edges[1, 2]["strength"] == 0.0
    with pytest.raises(KeyError):
        g.form_new([1, 3], [3, 99], KINDS.index("rnd"), 0.5, 0)
    with pytest.raises(ValueError):
        g.form_new([1, 3], [3, 2], KINDS.index("supply"), 0.5, 0, supplier=np.array([3]))
    assert g.number_of_edges() == 1 and graph_view(g) == table_view(g)


@pytest.mark.parametrize("preference", [0.0, 1.5])
def test_partner_search_never_proposes_invalid_candidates(monkeypatch, preference):
    """With no threshold, searchers that drew only themselves form nothing (an invalid
    candidate must not turn into a tie with the first firm), with uniform draws and with
    draws weighted by degree."""
    model = fresh_model(spec(scale=0.05, model={"warmup": 0, "tie_threshold": 0.0,
                                                "search_rate": 1.0,
                                                "search_preference": preference}), seed=3)
    model.graph.discard_ties(list(model.graph.edges()))

    def only_themselves(rng, pools, *rest):
        want = rest[-1]
        rows = np.flatnonzero(model.firms["country"] >= 0)
        return np.broadcast_to(rows[:want.shape[0], None], want.shape).copy()

    monkeypatch.setattr(search, "_draw_from_pools", only_themselves)
    monkeypatch.setattr(search, "_draw_weighted", only_themselves)
    assert partner_search(model) == 0
    assert model.graph.number_of_edges() == 0


# ------------------------------------------------------------------ triangle bookkeeping
def reference_triangles(g: nx.Graph) -> dict:
    """Triangles through every node, counted from scratch on the cooperation ties (a kind
    other than residency, between two distinct agents with non-negative integer ids)."""
    h = nx.Graph()
    h.add_nodes_from(g)
    h.add_edges_from((a, b) for a, b, d in g.edges(data=True)
                     if d.get("kind", "residency") != "residency" and a != b
                     and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0
                             for x in (a, b)))
    return nx.triangles(h)


def assert_triangles(g: TieGraph, top: int = 200) -> None:
    ref = reference_triangles(g)
    ids = np.arange(top)
    want = [ref.get(i, 0) for i in range(top)]  # nodes not in the graph: none
    assert g.ties.triangles_of(ids).tolist() == want
    assert g.ties.triangles_of(np.array([-1, 10**6])).tolist() == [0, 0]
    # the degrees kept alongside: every kind, a tie of a node with itself counted twice
    assert g.degree_of(ids).tolist() == [g.degree(i) if i in g else 0 for i in range(top)]


def test_triangle_counts_follow_every_way_ties_come_and_go():
    rng = np.random.default_rng(5)
    g = TieGraph()
    g.add_nodes_from(range(60))
    g.add_node("park")
    names = list(KINDS)
    for step in range(600):
        a, b = (int(x) for x in rng.integers(0, 60, 2))
        op = int(rng.integers(17))
        kind = names[int(rng.integers(len(names)))]
        if op == 0:
            g.add_edge(a, b, kind=kind, strength=0.5)
        elif op == 1:
            g.add_edges_from([(a, b, {"kind": kind}), (b, (a + 1) % 60)])  # second: no kind
        elif op == 2:
            g.add_nodes_from((a, b))  # the fast paths need both nodes
            g.form(a, b, KINDS.index(kind), 0.5, 0, False) if a != b else None
        elif op == 3:
            pairs = rng.integers(0, 60, (8, 2))
            g.add_nodes_from(pairs.ravel().tolist())
            g.form_new(pairs[:, 0].tolist(), pairs[:, 1].tolist(), KINDS.index(kind), 0.5, 0)
        elif op == 4 and g.has_edge(a, b):
            g.edges[a, b]["kind"] = kind  # into and out of the counted kinds
        elif op == 5 and g.has_edge(a, b):
            g.remove_edge(a, b)
        elif op == 6:
            g.remove_edges_from([(a, b), (b, (b + 3) % 60)])
        elif op == 7:
            g.discard_ties([(a, b), ((a + 5) % 60, b)])
        elif op == 8 and a in g and step % 5 == 0:
            g.remove_node(a)
        elif op == 9 and step % 5 == 0:
            g.remove_nodes_from([a, 999])
        elif op == 10 and step % 5 == 0:
            g.discard_nodes([b])
        elif op == 11:
            g.add_edge(a, "park", kind="rnd")  # a node without an integer id
            g.add_nodes_from([-1, -2, a, b])  # nor a non-negative one
            g.form_new([a, -1, b, -2, b], [-1, b, -2, a, a], KINDS.index("rnd"), 0.5, 0)
        elif op == 12:
            g.add_edge(a, a, kind="rnd")  # a self-loop closes no triangle
        elif op == 13 and a in g and b not in g:
            nx.relabel_nodes(g, {a: b}, copy=False)
        elif op == 14 and a in g and b in g and a != b and step % 3 == 0:
            nx.contracted_nodes(g, a, b, self_loops=bool(step % 2), copy=False)
        elif op == 15 and g.has_edge(a, b):
            nx.set_edge_attributes(g, {(a, b): "residency"}, "kind")
        elif op == 16:
            g.add_edges_from([(a, b, {"kind": "supply"})], kind="rnd")  # the data's kind wins
        assert_triangles(g)
    assert sum(reference_triangles(g).values()) > 30  # the test saw triangles
    for h in (g.copy(), copy.deepcopy(g), pickle.loads(pickle.dumps(g)), TieGraph(g)):
        assert_triangles(h)
        h.remove_nodes_from(list(h)[:10])  # a copy keeps its own count, in step with its ties
        assert_triangles(h)
    assert_triangles(g)
    g.clear_edges()
    assert_triangles(g)
    g.add_edges_from([(1, 2, {"kind": "rnd"}), (2, 3, {"kind": "rnd"}), (3, 1, {"kind": "rnd"})])
    assert g.ties.triangles_of([1, 2, 3, 4]).tolist() == [1, 1, 1, 0]
    g.clear()
    assert_triangles(g)


@pytest.mark.parametrize("scenario", ["baseline", "full_package"])
def test_triangle_counts_of_a_run_equal_a_count_from_scratch(scenario):
    from conftest import bundled
    from scipy.sparse.csgraph import connected_components
    model = fresh_model(bundled(scenario, scale=0.3), seed=2)
    for _ in range(8):
        model.step()
        e = model.edges
        assert e.triangles is not None
        adj = e.adjacency()
        scratch = triangles_per_node(adj, np.asarray(adj.sum(axis=1)).ravel())
        assert np.array_equal(e.triangles, scratch)
        assert np.array_equal(e.degree(), np.asarray(adj.sum(axis=1)).ravel())
        assert np.array_equal(connected_components(e.links(), directed=False)[1],
                              connected_components(adj, directed=False)[1])
        slow = network_stats(model, dataclasses.replace(e, triangles=None))
        assert slow == model.network_stats
    assert e.triangles.sum() > 0


def test_slots_of_many_pairs_as_one_by_one():
    g = TieGraph()
    g.add_edges_from([(1, 2, {"kind": "rnd"}), (2, 3, {"kind": "supply"}), ("x", 1)])
    pairs = [(1, 2), (2, 1), (3, 2), (1, 3), (9, 1), (1, "x")]
    assert g.slots_of(np.array(pairs[:5])).tolist() == [g.slot_of(a, b) for a, b in pairs[:5]]
    assert g.slots_of(pairs).tolist() == [g.slot_of(a, b) for a, b in pairs]
    assert g.slots_of(np.zeros((0, 2), dtype=np.int64)).tolist() == []


def test_a_batch_that_fails_midway_forms_nothing(monkeypatch):
    g = TieGraph()
    g.add_edges_from([(1, 2, {"kind": "rnd"}), (2, 3, {"kind": "rnd"})])
    g.add_node(4)
    before, tri = graph_view(g), g.ties.triangles_of(range(5)).tolist()

    def broken(self, a, b):
        raise MemoryError

    monkeypatch.setattr(type(g.ties), "new_many", broken)
    with pytest.raises(MemoryError):
        g.form_new([1, 3, 4], [3, 4, 1], KINDS.index("rnd"), 0.5, 0)
    assert graph_view(g) == before and table_view(g) == before
    assert g.ties.triangles_of(range(5)).tolist() == tri == [0, 0, 0, 0, 0]
    monkeypatch.undo()
    g.form_new([1, 3, 4], [3, 4, 1], KINDS.index("rnd"), 0.5, 0)
    assert_triangles(g)
