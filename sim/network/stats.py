"""Network statistics of the cooperation graph, per country and for both."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from sim.network.ties import IS_HORIZONTAL, EdgeArrays

if TYPE_CHECKING:
    from sim.model import ClusterModel


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
