"""The cooperation graph: ties, their arrays for the vectorised phases, decay, partner search.

The networkx graph is the one source of truth for ties. Nodes are agent ids (firms, universities,
parks); node attributes ``kind`` and ``country``. Edge attributes: ``kind`` (supply, rnd,
export_consortium, education, residency), ``strength`` (0-1 trust), ``born`` (quarter formed),
``cross`` (cross-border) and, for supply ties, ``supplier`` (the id of the selling firm).
Once per step :func:`edge_arrays` derives numpy arrays from it for the hot loops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from sim.sectors import SUPPLIES

if TYPE_CHECKING:
    from sim.model import ClusterModel

KINDS = ("supply", "rnd", "export_consortium", "education", "residency")
KIND_CODE = {k: i for i, k in enumerate(KINDS)}
SUPPLY, RND, EXPORT, EDUCATION, RESIDENCY = range(5)
HORIZONTAL = (RND, EXPORT, EDUCATION)
#: Knowledge a tie carries, relative to an R&D tie (assumed).
KNOWLEDGE_WEIGHT = np.array([0.3, 1.0, 0.4, 0.8, 0.0])
#: R&D intensity at which a firm counts as fully research-active in partner choice (assumed).
RD_ACTIVE = 0.02
#: Proximity of partners: same park, same country (cross-border is a model parameter).
SAME_PARK, SAME_COUNTRY = 1.0, 0.7


@dataclass
class EdgeArrays:
    """Cooperation ties as arrays over node indices (firm rows, then universities).

    Attributes:
        u: first node index of each tie (for supply ties: the buyer).
        v: second node index (for supply ties: the supplier).
        kind: kind code (index into ``KINDS``).
        strength: trust 0-1.
        cross: tie links the two countries.
        n_nodes: firms plus universities.
    """

    u: np.ndarray
    v: np.ndarray
    kind: np.ndarray
    strength: np.ndarray
    cross: np.ndarray
    n_nodes: int

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


def node_index(model: ClusterModel) -> dict[int, int]:
    """Agent id -> node index (firm rows first, then universities)."""
    index = dict(model.firms._row)
    n = model.firms.n
    index.update((u.unique_id, n + k) for k, u in enumerate(model.universities))
    return index


def edge_arrays(model: ClusterModel) -> EdgeArrays:
    """Derive tie arrays from the graph (residency ties excluded)."""
    index = node_index(model)
    us, vs, kinds, strengths, cross = [], [], [], [], []
    for a, b, d in model.graph.edges(data=True):
        kind = KIND_CODE[d["kind"]]
        if kind == RESIDENCY:
            continue
        if kind == SUPPLY and d["supplier"] == a:
            a, b = b, a  # u = buyer, v = supplier
        us.append(index[a])
        vs.append(index[b])
        kinds.append(kind)
        strengths.append(d["strength"])
        cross.append(d["cross"])
    return EdgeArrays(
        np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64),
        np.array(kinds, dtype=np.int8), np.array(strengths, dtype=float),
        np.array(cross, dtype=bool), len(index),
    )


def add_tie(model: ClusterModel, a: int, b: int, kind: str, supplier: int | None = None,
            strength: float = 0.5) -> None:
    """Add (or refresh) a tie between agents ``a`` and ``b``."""
    g = model.graph
    cross = g.nodes[a]["country"] != g.nodes[b]["country"]
    g.add_edge(a, b, kind=kind, strength=strength, born=model.quarter, cross=cross,
               supplier=supplier)


def decay_ties(model: ClusterModel, used: set[tuple[int, int]]) -> int:
    """Weaken unused ties, strengthen used ones, dissolve weak ones. Returns ties dissolved."""
    p = model.params
    decay, floor = p["tie_decay"], p["tie_min_strength"]
    dead = []
    for a, b, d in model.graph.edges(data=True):
        if d["kind"] == "residency":
            continue
        if (a, b) in used or (b, a) in used:
            d["strength"] = min(1.0, d["strength"] + 2 * decay)
        else:
            rate = decay * (0.5 if d["kind"] == "education" else 1.0)
            d["strength"] *= 1.0 - rate
            if d["strength"] < floor:
                dead.append((a, b))
    model.graph.remove_edges_from(dead)
    return len(dead)


def used_ties(model: ClusterModel, edges: EdgeArrays, flows: np.ndarray) -> set[tuple[int, int]]:
    """Ties used this quarter: supply ties that carried goods, knowledge ties of innovators."""
    ids = np.r_[model.firms.ids, [u.unique_id for u in model.universities]].astype(np.int64)
    innov = np.r_[model.firms["innovated"], np.ones(len(model.universities), dtype=bool)]
    supply = edges.kind == SUPPLY
    used = np.zeros(len(edges.u), dtype=bool)
    used[np.flatnonzero(supply)] = flows > 0
    knowledge = ~supply & innov[edges.u] & innov[edges.v]
    used |= knowledge
    return set(zip(ids[edges.u[used]].tolist(), ids[edges.v[used]].tolist(), strict=True))


def partner_search(model: ClusterModel) -> int:
    """Some firms look for a partner among sampled candidates. Returns ties formed.

    The score of a candidate is complementarity of knowledge x proximity x attractiveness;
    the best candidate above the threshold becomes a partner. Whether the tie is vertical
    (supply) or horizontal (R&D, export consortium) follows the sectors' supply relations.
    The levers of the searcher's country (``model.levers``): ``coordination`` (a coordination
    body) raises the share of cross-border candidates and their proximity; ``matching`` (a
    subcontracting exchange) raises search and the value of supply matches.
    """
    f, p, rng = model.firms, model.params, model.rng
    levers = model.levers
    n = f.n
    if n < 2:
        return 0
    degree = np.fromiter((model.graph.degree(i) for i in f.ids.tolist()), dtype=float, count=n)
    rate = p["search_rate"] * (1.0 + (f["park"] >= 0)) * (1.0 + levers.matching[f["country"]])
    searchers = np.flatnonzero((rng.random(n) < rate) & (degree < p["max_ties"]))
    if searchers.size == 0:
        return 0
    k = p["search_candidates"]
    by_country = [np.flatnonzero(f["country"] == c) for c in (0, 1)]
    attract = _attractiveness(model)
    unit = f["kfield"] / np.maximum(np.linalg.norm(f["kfield"], axis=1, keepdims=True), 1e-9)
    formed = 0
    for i in searchers.tolist():
        ci = int(f["country"][i])
        other = rng.random(k) < min(0.15 + levers.coordination[ci], 0.9)
        cand = _sample_candidates(rng, by_country, ci, other)
        cand = cand[(cand != i)]
        if cand.size == 0:
            continue
        formed += _choose_partner(model, i, cand, unit, attract, degree)
    return formed


def _sample_candidates(rng: np.random.Generator, by_country: list[np.ndarray], ci: int,
                       other: np.ndarray) -> np.ndarray:
    out = []
    for c, count in ((ci, int((~other).sum())), (1 - ci, int(other.sum()))):
        pool = by_country[c]
        if count and pool.size:
            out.append(pool[rng.integers(0, pool.size, count)])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _attractiveness(model: ClusterModel) -> np.ndarray:
    """0-1 appeal of a firm as a partner: quality, technology, delivery."""
    f = model.firms
    return np.clip(0.4 * f["quality"] + 0.3 * (f["tech"] - 3.0) / 3.0 + 0.3 * f["delivery"],
                   0.0, 1.0)


def _choose_partner(model: ClusterModel, i: int, cand: np.ndarray, unit: np.ndarray,
                    attract: np.ndarray, degree: np.ndarray) -> int:
    """Score each candidate for each kind of tie and form the best one above the threshold.

    Supply (vertical): where one sector supplies the other; the partner's appeal counts.
    R&D (horizontal): complementary knowledge, but only between firms that do R&D.
    Export consortium (horizontal): two exporters to third markets in the same sector.
    All scale with proximity; state-owned firms value horizontal ties less.
    """
    f, p = model.firms, model.params
    ci = int(f["country"][i])
    supply_bonus = model.levers.matching[ci]
    si, sc = int(f["sector"][i]), f["sector"][cand]
    same_country = f["country"][cand] == f["country"][i]
    same_park = (f["park"][cand] == f["park"][i]) & (f["park"][i] >= 0)
    proximity = np.where(same_park, SAME_PARK,
                         np.where(same_country, SAME_COUNTRY, p["cross_border_proximity"]))
    proximity = np.minimum(proximity + model.levers.coordination[ci] * ~same_country, 1.0)
    near = 0.4 + 0.6 * proximity
    vertical = SUPPLIES[sc, si] | SUPPLIES[si, sc]
    supply = np.where(vertical, (0.3 + 0.7 * attract[cand]) * (1.0 + supply_bonus), 0.0)
    research = np.minimum(f["rd_intensity"] / RD_ACTIVE, 1.0)
    complement = 1.0 - unit[cand] @ unit[i]
    rnd = 0.2 + 0.8 * complement * np.sqrt(research[cand] * research[i])
    consortium = np.where((sc == si) & f["exp_third"][cand] & f["exp_third"][i],
                          0.3 + 0.7 * attract[cand], 0.0)
    if f["state_owned"][i]:
        rnd = rnd * (1.0 - p["state_horizontal_aversion"])
        consortium = consortium * (1.0 - p["state_horizontal_aversion"])
    kinds = np.vstack([supply, rnd, consortium]) * near  # rows: SUPPLY, RND, EXPORT
    kinds[:, degree[cand] >= p["max_ties"]] = 0.0
    kind, best = np.unravel_index(int(np.argmax(kinds)), kinds.shape)
    if kinds[kind, best] < p["tie_threshold"]:
        return 0
    j = int(cand[best])
    a, b = int(f.ids[i]), int(f.ids[j])
    if model.graph.has_edge(a, b):
        return 0
    if kind == SUPPLY:
        supplier = b if SUPPLIES[int(sc[best]), si] else a
        add_tie(model, a, b, "supply", supplier=supplier)
    else:
        add_tie(model, a, b, KINDS[kind])
    degree[i] += 1
    degree[j] += 1
    return 1


def university_search(model: ClusterModel) -> int:
    """Firms doing R&D look for a university partner. Returns ties formed."""
    f, p, rng = model.firms, model.params, model.rng
    unis = model.universities
    if not unis or f.n == 0:
        return 0
    active = f["rd_intensity"] > 0.005
    searchers = np.flatnonzero(active & (rng.random(f.n) < 0.5 * p["search_rate"]))
    formed = 0
    coordination = model.levers.coordination
    for i in searchers.tolist():
        ci = int(f["country"][i])
        want = 1 - ci if rng.random() < min(0.1 + coordination[ci], 0.9) else ci
        pool = [u for u in unis if u.country_index == want]
        if not pool:
            continue
        uni = pool[int(rng.integers(len(pool)))]
        a, b = int(f.ids[i]), uni.unique_id
        if model.graph.degree(b) >= uni.max_ties or model.graph.has_edge(a, b):
            continue
        proximity = SAME_COUNTRY if want == ci else p["cross_border_proximity"]
        proximity = min(proximity + coordination[ci] * (want != ci), 1.0)
        score = (0.3 + 0.7 * f["absorptive"][i]) * (0.4 + 0.6 * proximity)
        if score >= p["tie_threshold"]:
            add_tie(model, a, b, "rnd" if f["rd_intensity"][i] > 0.02 else "education")
            formed += 1
    return formed


def network_stats(model: ClusterModel, edges: EdgeArrays) -> dict[str, dict[str, float]]:
    """Density, cross-border share, horizontal/vertical ratio, clustering, largest component."""
    node_country = np.r_[model.firms["country"],
                         [u.country_index for u in model.universities]].astype(int)
    n = edges.n_nodes
    adj = edges.adjacency()
    deg = np.asarray(adj.sum(axis=1)).ravel()
    triangles = np.asarray((adj @ adj).multiply(adj).sum(axis=1)).ravel() / 2.0
    pairs = deg * (deg - 1) / 2.0
    local = np.divide(triangles, pairs, out=np.zeros(n), where=pairs > 0)
    _, labels = connected_components(adj, directed=False)
    giant = np.bincount(labels).argmax() if n else 0
    in_giant = labels == giant if n else np.zeros(0, dtype=bool)
    cu, cv = node_country[edges.u], node_country[edges.v]
    horizontal = np.isin(edges.kind, HORIZONTAL)
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
        m = int(sel_nodes.sum())
        ties = int(touch.sum())
        vertical = int((touch & ~horizontal).sum())
        stats[key] = {
            "ties": float(ties),
            "density": float(within.sum() / (m * (m - 1) / 2)) if m > 1 else 0.0,
            "cross_border_share": float(edges.cross[touch].mean()) if ties else 0.0,
            "horizontal_vertical_ratio": float((touch & horizontal).sum() / max(vertical, 1)),
            "clustering": float(local[sel_nodes].mean()) if m else 0.0,
            "largest_component_share": float(in_giant[sel_nodes].mean()) if m else 0.0,
        }
    return stats
