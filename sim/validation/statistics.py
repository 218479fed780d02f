"""Statistics of stylized facts: pure functions over numpy arrays.

Tails of firm sizes (Hill and Clauset-Shalizi-Newman power-law fits), the shape of growth
rates (Laplace and normal log-likelihoods, kurtosis, Subbotin shape), degree distributions
(Poisson and negative binomial fits), the Borgatti-Everett core of a graph and its value in
random graphs, persistence of a yearly binary state, and the firm x quarter panels they are
computed from.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from scipy import optimize, stats

from sim.inputs.units import QUARTERS_PER_YEAR

#: Share of the largest firms whose sizes the Hill estimator fits (the top decile).
TAIL_SHARE = 0.1
#: Largest share of nodes the core of the cooperation network may hold.
CORE_MAX_SHARE = 0.2


def hill_exponent(x: np.ndarray, top: float = TAIL_SHARE) -> float:
    """Hill estimate of the tail exponent ``a`` in ``P(X > x) ~ x^-a`` from the largest values.

    Args:
        x: sizes (non-positive and non-finite values are ignored).
        top: share of the largest values used (k = floor(top * n)).

    Returns:
        ``k / sum(log(x_(i) / x_(k+1)))`` over the k largest values; NaN with fewer than two.
    """
    x = np.sort(_positive(x))[::-1]
    k = int(math.floor(top * x.size))
    if k < 2 or x.size <= k:
        return math.nan
    logs = np.log(x[:k] / x[k])
    return float(k / logs.sum()) if logs.sum() > 0 else math.nan


def power_law_fit(x: np.ndarray, min_tail: int = 50,
                  candidates: int = 100) -> tuple[float, float, float]:
    """Continuous power-law fit of the upper tail (Clauset, Shalizi & Newman 2009).

    For each candidate lower bound ``xmin`` the exponent is the maximum-likelihood estimate
    ``n / sum(log(x / xmin))`` over the values at or above it; the chosen ``xmin`` minimises the
    Kolmogorov-Smirnov distance between the tail and the fit.

    Args:
        x: sizes (non-positive values are ignored).
        min_tail: fewest values a tail may have.
        candidates: most lower bounds tried (quantiles of the values).

    Returns:
        ``(a, xmin, ks)`` with ``a`` the exponent of ``P(X > x)``; NaNs if too few values.
    """
    x = np.sort(_positive(x))
    if x.size < min_tail:
        return math.nan, math.nan, math.nan
    pool = np.unique(x[: x.size - min_tail + 1])
    if pool.size > candidates:
        pool = np.unique(np.quantile(pool, np.linspace(0.0, 1.0, candidates),
                                     method="inverted_cdf"))
    best = (math.nan, math.nan, math.inf)
    for xmin in pool:
        tail = x[np.searchsorted(x, xmin):]
        logs = np.log(tail / xmin).sum()
        if logs <= 0:
            continue
        a = tail.size / logs
        fitted = 1.0 - (tail / xmin) ** -a
        upper = np.arange(1, tail.size + 1) / tail.size
        ks = float(np.max(np.maximum(np.abs(upper - fitted), np.abs(upper - 1 / tail.size
                                                                    - fitted))))
        if ks < best[2]:
            best = (float(a), float(xmin), ks)
    return best


def laplace_loglik(x: np.ndarray) -> float:
    """Mean log-likelihood per observation of the maximum-likelihood Laplace fit."""
    x = np.asarray(x, dtype=float)
    scale = np.mean(np.abs(x - np.median(x)))
    return float(-(math.log(2.0 * scale) + 1.0)) if scale > 0 else math.nan


def normal_loglik(x: np.ndarray) -> float:
    """Mean log-likelihood per observation of the maximum-likelihood normal fit."""
    var = float(np.var(np.asarray(x, dtype=float)))
    return -0.5 * (math.log(2.0 * math.pi * var) + 1.0) if var > 0 else math.nan


def kurtosis(x: np.ndarray) -> float:
    """Pearson kurtosis (normal = 3, Laplace = 6)."""
    x = np.asarray(x, dtype=float)
    return float(stats.kurtosis(x, fisher=False)) if x.size > 3 else math.nan


def subbotin_shape(x: np.ndarray) -> float:
    """Shape of a maximum-likelihood Subbotin (generalised normal) fit: 1 is the Laplace,
    2 the normal; smaller means fatter tails (Bottazzi & Secchi's measure)."""
    x = np.asarray(x, dtype=float)
    if x.size < 10 or np.var(x) <= 0:
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.gennorm.fit(x)[0])


def poisson_loglik(k: np.ndarray) -> float:
    """Total log-likelihood of counts under the maximum-likelihood Poisson fit."""
    k = np.asarray(k, dtype=float)
    return float(stats.poisson.logpmf(k, k.mean()).sum())


def negative_binomial_loglik(k: np.ndarray) -> float:
    """Total log-likelihood of counts under the maximum-likelihood negative binomial fit
    (the Poisson's when the counts are not over-dispersed: the Poisson is its limit)."""
    k = np.asarray(k, dtype=float)
    mean = k.mean()
    if mean <= 0 or k.var() <= mean:
        return poisson_loglik(k)

    def minus_loglik(log_r: float) -> float:
        r = math.exp(log_r)
        return -float(stats.nbinom.logpmf(k, r, r / (r + mean)).sum())

    fit = optimize.minimize_scalar(minus_loglik, bounds=(-8.0, 12.0), method="bounded")
    return max(-float(fit.fun), poisson_loglik(k))


def degree_statistics(degrees: np.ndarray) -> dict[str, float]:
    """Skewness of a degree distribution and its comparison with a Poisson.

    Returns:
        ``mean``, ``max_over_mean``, ``skewness``, ``dispersion`` (variance / mean; 1 for a
        Poisson) and ``lr_negbin_poisson``: twice the log-likelihood gain of a negative
        binomial over a Poisson fit (chi-square with 1 degree of freedom under a Poisson).
    """
    k = np.asarray(degrees, dtype=float)
    mean = float(k.mean()) if k.size else math.nan
    if not k.size or mean <= 0:
        return {"mean": mean, "max_over_mean": math.nan, "skewness": math.nan,
                "dispersion": math.nan, "lr_negbin_poisson": math.nan}
    return {
        "mean": mean,
        "max_over_mean": float(k.max() / mean),
        "skewness": float(stats.skew(k)),
        "dispersion": float(k.var() / mean),
        "lr_negbin_poisson": 2.0 * (negative_binomial_loglik(k) - poisson_loglik(k)),
    }


def core_periphery(edges: np.ndarray, n: int,
                   max_share: float = CORE_MAX_SHARE) -> dict[str, float]:
    """Borgatti-Everett core of a graph among its top nodes by degree.

    The ideal pattern has every tie touching the core (core-core and core-periphery pairs
    tied, periphery-periphery pairs not). For each k up to ``max_share * n`` the core is the k
    nodes of highest degree; the chosen k maximises the correlation (over all node pairs)
    between the observed ties and the ideal pattern (Borgatti & Everett 1999).

    Args:
        edges: array (m, 2) of node indices in 0..n-1, each tie once.
        n: number of nodes (isolated ones included).
        max_share: largest core, as a share of nodes.

    Returns:
        ``core_fraction`` (core size / n), ``core_tie_share`` (share of ties touching the core)
        and ``rho`` (the correlation at the chosen core); NaNs without ties.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    m = edges.shape[0]
    if m == 0 or n < 3:
        return {"core_fraction": math.nan, "core_tie_share": math.nan, "rho": math.nan}
    degree = np.bincount(edges.ravel(), minlength=n)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(-degree, kind="stable")] = np.arange(n)
    first = np.minimum(rank[edges[:, 0]], rank[edges[:, 1]])
    touching = np.cumsum(np.bincount(first, minlength=n)).astype(float)  # ties touching top k+1
    k = np.arange(1, n + 1, dtype=float)
    pairs = n * (n - 1) / 2.0
    ideal = k * (k - 1) / 2.0 + k * (n - k)
    denom = np.sqrt(ideal * (pairs - ideal) * m * (pairs - m))
    rho = np.divide(pairs * touching - ideal * m, denom, out=np.full(n, -np.inf),
                    where=denom > 0)
    limit = max(1, int(math.floor(max_share * n)))
    best = int(np.argmax(rho[:limit]))
    return {"core_fraction": (best + 1) / n, "core_tie_share": float(touching[best] / m),
            "rho": float(rho[best])}


def random_edges(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """``m`` distinct ties drawn uniformly among the pairs of ``n`` nodes (an Erdos-Renyi
    G(n, m) graph) as an array (m, 2)."""
    m = min(m, n * (n - 1) // 2)
    chosen = np.zeros((0, 2), dtype=np.int64)
    while chosen.shape[0] < m:
        pairs = np.sort(rng.integers(0, n, size=(2 * m + 16, 2)), axis=1)
        pairs = np.vstack([chosen, pairs[pairs[:, 0] != pairs[:, 1]]])
        _, first = np.unique(pairs, axis=0, return_index=True)
        chosen = pairs[np.sort(first)]  # keep the order of drawing: no bias toward low ids
    return chosen[:m]


def random_graph_rho(n: int, m: int, draws: int = 20, seed: int = 0,
                     max_share: float = CORE_MAX_SHARE) -> float:
    """Mean Borgatti-Everett correlation (:func:`core_periphery`) of random graphs with ``n``
    nodes and ``m`` ties: what the fit is without any core-periphery structure. In a sparse
    graph with many isolated nodes the top nodes by degree touch most ties even at random, so
    the fit is judged against this rather than on its own."""
    rng = np.random.default_rng(seed)
    return float(np.mean([core_periphery(random_edges(n, m, rng), n, max_share)["rho"]
                          for _ in range(draws)]))


def persistence(flags: np.ndarray, valid: np.ndarray) -> dict[str, float]:
    """Transition probabilities of a yearly binary state (innovated or not) between
    consecutive years.

    Args:
        flags: array (units, years) of the state.
        valid: array (units, years), true where the state is observed.

    Returns:
        ``p11`` = P(state in t+1 | state in t), ``p01`` = P(state in t+1 | not in t), their
        ``difference``, the two-proportion ``z`` statistic, and the counts ``n1``, ``n0``.
    """
    flags, valid = np.asarray(flags, dtype=bool), np.asarray(valid, dtype=bool)
    both = valid[:, :-1] & valid[:, 1:]
    before, after = flags[:, :-1], flags[:, 1:]
    n1, n0 = int((both & before).sum()), int((both & ~before).sum())
    x1, x0 = int((both & before & after).sum()), int((both & ~before & after).sum())
    p11 = x1 / n1 if n1 else math.nan
    p01 = x0 / n0 if n0 else math.nan
    pooled = (x1 + x0) / (n1 + n0) if n1 + n0 else math.nan
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0)) if n1 and n0 else 0.0
    z = (p11 - p01) / spread if spread > 0 else math.nan
    return {"p11": p11, "p01": p01, "difference": p11 - p01, "z": z, "n1": n1, "n0": n0}


def panel(ids: Sequence[np.ndarray],
          values: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A firm x quarter panel from per-quarter arrays of firm ids and values.

    Returns:
        ``(firm_ids, table, present)``: the sorted ids of every firm seen, the values (firms x
        quarters, 0 where absent) and whether the firm was there that quarter.
    """
    every = np.unique(np.concatenate([np.asarray(i, dtype=np.int64) for i in ids])) \
        if ids else np.zeros(0, dtype=np.int64)
    table = np.zeros((every.size, len(ids)))
    present = np.zeros((every.size, len(ids)), dtype=bool)
    for t, (quarter_ids, quarter_values) in enumerate(zip(ids, values, strict=True)):
        rows = np.searchsorted(every, quarter_ids)
        table[rows, t] = quarter_values
        present[rows, t] = True
    return every, table, present


def yearly(table: np.ndarray, present: np.ndarray,
           how: str = "sum") -> tuple[np.ndarray, np.ndarray]:
    """Aggregate a quarterly panel (first column = first quarter of year 1) to years.

    Args:
        table: firms x quarters values.
        present: firms x quarters presence.
        how: ``sum`` (flows such as sales) or ``any`` (a state such as innovated).

    Returns:
        ``(years, valid)``: firms x full years; valid where the firm was there all year.
    """
    n, quarters = table.shape
    years = quarters // QUARTERS_PER_YEAR
    cut = years * QUARTERS_PER_YEAR
    block = table[:, :cut].reshape(n, years, QUARTERS_PER_YEAR)
    valid = present[:, :cut].reshape(n, years, QUARTERS_PER_YEAR).all(axis=2)
    if how == "sum":
        return block.sum(axis=2), valid
    if how == "any":
        return (block != 0).any(axis=2), valid
    raise ValueError(f"how must be 'sum' or 'any', got {how!r}")


def growth_rates(annual: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Year-on-year log growth of firms present in both years with positive values, demeaned
    year by year (so common shocks do not widen the distribution), pooled over years."""
    out = []
    for t in range(annual.shape[1] - 1):
        ok = valid[:, t] & valid[:, t + 1] & (annual[:, t] > 0) & (annual[:, t + 1] > 0)
        if ok.sum() < 2:
            continue
        g = np.log(annual[ok, t + 1] / annual[ok, t])
        out.append(g - g.mean())
    return np.concatenate(out) if out else np.zeros(0)


def _positive(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float).ravel()
    return x[np.isfinite(x) & (x > 0)]
