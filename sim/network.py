"""The cooperation graph: ties, their arrays for the vectorised phases, decay, partner search.

The networkx graph (a :class:`~sim.ties.TieGraph`) is the one source of truth for ties. Nodes
are agent ids (firms, universities, parks); node attributes ``kind`` and ``country``. Edge
attributes: ``kind`` (supply, rnd, export_consortium, education, residency), ``strength`` (0-1
trust), ``born`` (quarter formed), ``cross`` (cross-border) and, for supply ties, ``supplier``
(the id of the selling firm). The graph stores them in numpy columns (``graph.ties``), so once
per step :func:`edge_arrays` derives the arrays of the vectorised phases without a loop over
edges, and decay works on the columns directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from sim.countries import rd_scale
from sim.sectors import SUPPLIES
from sim.ties import KIND_CODE, KINDS, NO_KIND, TieGraph

__all__ = ["KINDS", "KIND_CODE", "TieGraph", "EdgeArrays", "add_tie", "add_new_ties", "edge_arrays",
           "decay_ties", "used_ties", "partner_search", "university_search", "network_stats"]

if TYPE_CHECKING:
    from sim.model import ClusterModel

SUPPLY, RND, EXPORT, EDUCATION, RESIDENCY = range(5)
HORIZONTAL = (RND, EXPORT, EDUCATION)
IS_HORIZONTAL = np.isin(np.arange(5), HORIZONTAL)  # by kind code
#: Knowledge a tie carries, relative to an R&D tie (assumed).
KNOWLEDGE_WEIGHT = np.array([0.3, 1.0, 0.4, 0.8, 0.0])
#: R&D intensity at which a firm counts as fully research-active in partner choice (assumed: 2%
#: of sales with the assumed intensities, scaled with them, see sim.countries.rd_scale).
RD_ACTIVE = 0.02
#: R&D intensity above which a firm looks for university partners (0.5% of sales, scaled).
RD_SEEKS_UNIVERSITY = 0.005
#: Proximity of partners: same park, same country (cross-border is a model parameter).
SAME_PARK, SAME_COUNTRY = 1.0, 0.7


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

    def supply(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(buyer rows, supplier rows, strength) of supply ties."""
        m = self.kind == SUPPLY
        return self.u[m], self.v[m], self.strength[m]

    def adjacency(self) -> sp.csr_matrix:
        """Symmetric 0/1 adjacency of cooperation ties."""
        n = self.n_nodes
        ones = np.ones(len(self.u) * 2)
        a = sp.csr_matrix((ones, (np.r_[self.u, self.v], np.r_[self.v, self.u])), shape=(n, n))
        a.data[:] = 1.0  # parallel ties of different kinds count once
        return a

    def links(self) -> sp.csr_matrix:
        """Each tie once, as a link from ``u`` to ``v`` (enough for connected components, and
        cheaper to build than :meth:`adjacency`)."""
        n = self.n_nodes
        # any order of the ties of a node will do; small ids sort faster as 16-bit numbers
        order = np.argsort(self.u.astype(np.uint16), kind="stable") if n <= 2**16 \
            else np.argsort(self.u)
        index = np.int32 if max(n, len(self.u)) < 2**31 else np.int64  # as scipy's graphs
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
            strength: float = 0.5) -> None:
    """Add (or refresh) a tie between agents ``a`` and ``b``."""
    g = model.graph
    nodes = g._node
    g.form(a, b, KIND_CODE[kind], strength, model.quarter,
           nodes[a]["country"] != nodes[b]["country"], -1 if supplier is None else supplier)


def add_new_ties(model: ClusterModel, a: list[int] | np.ndarray, b: list[int] | np.ndarray,
                 kind: str, strength: float = 0.5,
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


def decay_ties(model: ClusterModel, edges: EdgeArrays, used: np.ndarray) -> int:
    """Weaken unused ties, strengthen used ones, dissolve weak ones. ``used`` flags the ties
    of ``edges`` (the ties as they stood at the start of the quarter) used this quarter; ties
    formed since count as unused. Returns ties dissolved."""
    p = model.params
    decay, floor = p["tie_decay"], p["tie_min_strength"]
    g = model.graph
    t = g.ties
    flagged = np.zeros(t.size, dtype=bool)
    if edges.slot is not None and len(edges.slot):
        same = t.alive[edges.slot] & (t.a[edges.slot] == edges.ends[:, 0]) \
            & (t.b[edges.slot] == edges.ends[:, 1])
        flagged[edges.slot[used & same]] = True
    kind, strength = t.kind[: t.size], t.strength[: t.size]  # over every slot at once
    decaying = t.alive[: t.size] & (kind != RESIDENCY) & (kind != NO_KIND)
    np.copyto(strength, np.minimum(1.0, strength + 2 * decay), where=decaying & flagged)
    off = decaying & ~flagged
    rate = decay * np.where(kind == EDUCATION, 0.5, 1.0)
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


def _draw_from_pools(rng: np.random.Generator, pools: list[np.ndarray],
                     want: np.ndarray) -> np.ndarray:
    """One uniform draw from ``pools[want]`` for every entry of ``want``; -1 where that pool
    is empty."""
    sizes = np.array([len(pl) for pl in pools])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    flat = np.concatenate(pools) if sizes.sum() else np.zeros(1, dtype=np.int64)
    pick = np.minimum((rng.random(want.shape) * sizes[want]).astype(np.int64),
                      np.maximum(sizes[want] - 1, 0))
    return np.where(sizes[want] > 0, flat[np.minimum(offsets[want] + pick, len(flat) - 1)], -1)


def _draw_weighted(rng: np.random.Generator, pools: list[np.ndarray], weights: np.ndarray,
                   want: np.ndarray) -> np.ndarray:
    """Like :func:`_draw_from_pools`, but each member of a pool is drawn with a chance
    proportional to ``weights`` (indexed by firm row)."""
    out = np.full(want.shape, -1, dtype=np.int64)
    u = rng.random(want.shape)
    for c, pool in enumerate(pools):
        mine = want == c
        if pool.size == 0 or not mine.any():
            continue
        cdf = np.cumsum(weights[pool])
        pick = np.searchsorted(cdf, u[mine] * cdf[-1], side="right")
        out[mine] = pool[np.minimum(pick, pool.size - 1)]
    return out


def partner_search(model: ClusterModel) -> int:
    """Some firms look for a partner among sampled candidates. Returns ties formed.

    All searchers of the quarter draw their candidates at once (a share from the other
    country) and score them together. The score of a candidate is complementarity of
    knowledge x proximity x attractiveness; the best candidate above the threshold becomes a
    partner. Whether the tie is vertical (supply) or horizontal (R&D, export consortium)
    follows the sectors' supply relations. Proposals are then taken in turn: a pair already
    tied, or a partner that reached its tie limit earlier in the quarter, forms nothing.
    With ``search_preference`` above 0 a candidate is drawn with a chance proportional to
    (its ties + 1) to that power: well-connected firms are better known.
    The levers of the searcher's country (``model.levers``): ``coordination`` (a coordination
    body) raises the share of cross-border candidates and their proximity; ``matching`` (a
    subcontracting exchange) raises search and the value of supply matches.
    """
    f, p, rng = model.firms, model.params, model.rng
    levers = model.levers
    n = f.n
    if n < 2:
        return 0
    degree = model.graph.degree_of(f.ids)
    country = f["country"]
    rate = p["search_rate"] * (1.0 + (f["park"] >= 0)) * (1.0 + levers.matching[country])
    max_ties = p["max_ties"]
    searchers = np.flatnonzero((rng.random(n) < rate) & (degree < max_ties))
    if searchers.size == 0:
        return 0
    k = int(p["search_candidates"])
    ci = country[searchers].astype(np.int64)
    share_other = np.minimum(0.15 + levers.coordination[ci], 0.9)
    other = rng.random((searchers.size, k)) < share_other[:, None]
    pools = [np.flatnonzero(country == c) for c in (0, 1)]
    want = np.where(other, 1 - ci[:, None], ci[:, None])
    preference = p["search_preference"]
    if preference > 0:  # well-connected firms are seen more often (preferential attachment)
        cand = _draw_weighted(rng, pools, (degree + 1.0) ** preference, want)
    else:
        cand = _draw_from_pools(rng, pools, want)
    valid = (cand >= 0) & (cand != searchers[:, None])
    cand = np.where(valid, cand, 0)
    scores = _partner_scores(model, searchers, ci, cand)
    scores[:, ~valid | (degree[cand] >= max_ties)] = -np.inf  # never chosen, whatever the
    flat = scores.transpose(1, 0, 2).reshape(searchers.size, 3 * k)  # threshold; kinds first
    choice = np.argmax(flat, axis=1)
    best = flat[np.arange(searchers.size), choice]
    go = np.flatnonzero(np.isfinite(best) & (best >= p["tie_threshold"]))
    kinds, partners = choice[go] // k, cand[go, choice[go] % k]
    return _form_ties(model, searchers[go], partners, kinds, degree)


def _partner_scores(model: ClusterModel, searchers: np.ndarray, ci: np.ndarray,
                    cand: np.ndarray) -> np.ndarray:
    """Scores (kinds SUPPLY, RND, EXPORT x searchers x candidates) of each candidate.

    Supply (vertical): where one sector supplies the other; the partner's appeal counts.
    R&D (horizontal): complementary knowledge, but only between firms that do R&D.
    Export consortium (horizontal): two exporters to third markets in the same sector.
    All scale with proximity; state-owned firms value horizontal ties less.
    """
    f, p, levers = model.firms, model.params, model.levers
    attract = _attractiveness(model)
    col = (slice(None), None)  # searcher values as a column against their candidates
    si, sc = f["sector"][searchers][col], f["sector"][cand]
    same_country = f["country"][cand] == ci[col]
    park_i = f["park"][searchers][col]
    same_park = (f["park"][cand] == park_i) & (park_i >= 0)
    proximity = np.where(same_park, SAME_PARK,
                         np.where(same_country, SAME_COUNTRY, p["cross_border_proximity"]))
    proximity = np.minimum(proximity + levers.coordination[ci][col] * ~same_country, 1.0)
    near = 0.4 + 0.6 * proximity
    vertical = SUPPLIES[sc, si] | SUPPLIES[si, sc]
    supply = np.where(vertical, (0.3 + 0.7 * attract[cand])
                      * (1.0 + levers.matching[ci])[col], 0.0)
    kf = f["kfield"]
    unit = kf / np.maximum(np.linalg.norm(kf, axis=1, keepdims=True), 1e-9)
    complement = 1.0 - np.einsum("skf,sf->sk", unit[cand], unit[searchers])
    research = np.minimum(f["rd_intensity"] / (RD_ACTIVE * rd_scale()), 1.0)
    rnd = 0.2 + 0.8 * complement * np.sqrt(research[cand] * research[searchers][col])
    exporter = f["exp_third"]
    consortium = np.where((sc == si) & exporter[cand] & exporter[searchers][col],
                          0.3 + 0.7 * attract[cand], 0.0)
    horizontal = np.where(f["state_owned"][searchers], 1.0 - p["state_horizontal_aversion"],
                          1.0)[col]
    return np.stack([supply, rnd * horizontal, consortium * horizontal]) * near


def _form_ties(model: ClusterModel, rows: np.ndarray, partners: np.ndarray, kinds: np.ndarray,
               degree: np.ndarray) -> int:
    """Form the proposed ties in turn (firm rows, partner rows, kind codes)."""
    f, adj = model.firms, model.graph.adj._atlas
    ids = f.ids
    max_ties = model.params["max_ties"]
    degree = degree.tolist()  # Python numbers: faster one by one
    keep = []
    pairs = set()
    for k, i, j in zip(range(rows.size), rows.tolist(), partners.tolist(), strict=True):
        if degree[j] >= max_ties:
            continue
        a, b = int(ids[i]), int(ids[j])
        pair = (a, b) if a < b else (b, a)
        if b in adj[a] or pair in pairs:
            continue
        pairs.add(pair)
        keep.append(k)
        degree[i] += 1
        degree[j] += 1
    rows, partners, kinds = rows[keep], partners[keep], kinds[keep]
    sector = f["sector"]
    for kind in (SUPPLY, RND, EXPORT):
        mine = kinds == kind
        if not mine.any():
            continue
        a, b = ids[rows[mine]], ids[partners[mine]]
        supplier = np.where(SUPPLIES[sector[partners[mine]], sector[rows[mine]]], b, a) \
            if kind == SUPPLY else None
        add_new_ties(model, a, b, KINDS[kind], supplier=supplier)
    return len(keep)


def _attractiveness(model: ClusterModel) -> np.ndarray:
    """0-1 appeal of a firm as a partner: quality, technology, delivery."""
    f = model.firms
    return np.clip(0.4 * f["quality"] + 0.3 * (f["tech"] - 3.0) / 3.0 + 0.3 * f["delivery"],
                   0.0, 1.0)


def university_search(model: ClusterModel) -> int:
    """Firms doing R&D look for a university partner (drawn in their own country or, as far
    as governments coordinate, in the other). Returns ties formed."""
    f, p, rng = model.firms, model.params, model.rng
    unis = model.universities
    if not unis or f.n == 0:
        return 0
    active = f["rd_intensity"] > RD_SEEKS_UNIVERSITY * rd_scale()
    searchers = np.flatnonzero(active & (rng.random(f.n) < 0.5 * p["search_rate"]))
    if searchers.size == 0:
        return 0
    coordination = model.levers.coordination
    ci = f["country"][searchers].astype(np.int64)
    cross = rng.random(searchers.size) < np.minimum(0.1 + coordination[ci], 0.9)
    want = np.where(cross, 1 - ci, ci)
    uni_country = np.array([u.country_index for u in unis])
    pools = [np.flatnonzero(uni_country == c) for c in (0, 1)]
    pick = _draw_from_pools(rng, pools, want)
    proximity = np.where(cross, p["cross_border_proximity"], SAME_COUNTRY)
    proximity = np.minimum(proximity + coordination[ci] * cross, 1.0)
    score = (0.3 + 0.7 * f["absorptive"][searchers]) * (0.4 + 0.6 * proximity)
    go = np.flatnonzero((pick >= 0) & (score >= p["tie_threshold"]))
    if go.size == 0:
        return 0
    uni_degree = model.graph.degree_of(model.university_ids)
    g, ids, rd = model.graph, f.ids, f["rd_intensity"]
    formed = 0
    for i, k in zip(searchers[go].tolist(), pick[go].tolist(), strict=True):
        uni = unis[k]
        a, b = int(ids[i]), uni.unique_id
        if uni_degree[k] >= uni.max_ties or g.has_edge(a, b):
            continue
        add_tie(model, a, b, "rnd" if rd[i] > 0.02 else "education")
        uni_degree[k] += 1
        formed += 1
    return formed


def triangles_per_node(adj: sp.csr_matrix, degree: np.ndarray) -> np.ndarray:
    """Triangles through each node of a symmetric 0/1 adjacency matrix.

    Each tie is pointed from the end of lower degree to the end of higher degree (ties
    broken by index), so every triangle has one lowest, one middle and one highest node and
    is counted once for each. The products only follow ties out of nodes, and a hub (a
    university with many trainees, say) has few ties pointing out, so the work stays near
    linear in the ties instead of growing with the square of the largest degree.
    """
    n = adj.shape[0]
    if n == 0 or adj.nnz == 0:
        return np.zeros(n)
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), degree))] = np.arange(n)
    coo = adj.tocoo()
    up = rank[coo.row] < rank[coo.col]
    out = sp.csr_matrix((np.ones(int(up.sum())), (coo.row[up], coo.col[up])), shape=(n, n))
    closing = (out @ out).multiply(out)  # lowest -> middle -> highest, closed lowest -> highest
    middle = (out.T @ out).multiply(out)  # a shared lower neighbour, then middle -> highest
    return (np.asarray(closing.sum(axis=1)).ravel() + np.asarray(closing.sum(axis=0)).ravel()
            + np.asarray(middle.sum(axis=1)).ravel())


def network_stats(model: ClusterModel, edges: EdgeArrays) -> dict[str, dict[str, float]]:
    """Density, cross-border share, horizontal/vertical ratio, clustering, largest component.

    Clustering reads the triangle counts the graph keeps (``edges.triangles``); arrays without
    them are counted from scratch (:func:`triangles_per_node`), with the same result."""
    node_country = np.r_[model.firms["country"],  # small codes: cheaper to gather by tie
                         [u.country_index for u in model.universities]].astype(np.int8)
    n = edges.n_nodes
    if edges.triangles is None:  # counted from scratch
        adj = edges.adjacency()
        deg = np.asarray(adj.sum(axis=1)).ravel()
        triangles = triangles_per_node(adj, deg)
    else:  # kept up to date by the graph
        deg, triangles = edges.degree(), edges.triangles
    pairs = deg * (deg - 1) / 2.0
    local = np.divide(triangles, pairs, out=np.zeros(n), where=pairs > 0)
    _, labels = connected_components(edges.links(), directed=False)
    giant = np.bincount(labels).argmax() if n else 0
    in_giant = labels == giant if n else np.zeros(0, dtype=bool)
    cu, cv = node_country[edges.u], node_country[edges.v]
    horizontal = IS_HORIZONTAL[edges.kind]
    count = np.count_nonzero
    stats = {}
    for key, sel_nodes in (("AZ", node_country == 0), ("BY", node_country == 1),
                           ("JOINT", np.ones(n, dtype=bool))):
        if key == "JOINT":
            touch = np.ones(len(edges.u), dtype=bool)
            within = touch
        else:
            c = 0 if key == "AZ" else 1
            touch = (cu == c) | (cv == c)
            within = (cu == c) & (cv == c)
        m = count(sel_nodes)
        ties = count(touch)
        vertical = ties - count(touch & horizontal)
        stats[key] = {
            "ties": float(ties),
            "density": float(count(within) / (m * (m - 1) / 2)) if m > 1 else 0.0,
            "cross_border_share": float(count(edges.cross & touch) / ties) if ties else 0.0,
            "horizontal_vertical_ratio": float((ties - vertical) / max(vertical, 1)),
            "clustering": float(local[sel_nodes].mean()) if m else 0.0,
            "largest_component_share": float(count(in_giant & sel_nodes) / m) if m else 0.0,
        }
    return stats
