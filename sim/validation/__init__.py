"""Validation of the baseline: calibration targets from data and stylized facts.

Two kinds of check, both over several seeds of the baseline scenario:

- **Targets** (``sim/data/targets.toml``): country figures with their source, year and
  tolerance. *Inputs* are set directly from the country data (tax rates, park regimes): the
  check is that the model applies them as given. *Outputs* emerge from behaviour (R&D over
  output, SME shares, FDI over output, AZ-BY trade over output): the calibration must make the
  model land near them. Money in the model is at the scale of the modelled firm sample, so every
  output is a ratio.
- **Stylized facts** of industrial dynamics: a Zipf-like upper tail of firm sizes, tent-shaped
  growth rates with fat tails, a skewed and core-periphery cooperation network, and persistent
  innovation. Each has a test statistic computed per seed.

The statistics are pure functions over numpy arrays; :func:`collect_run` steps a model and
records what they need (per quarter: firm ids, workers, sales, innovation, and sums by country;
at the end: the cooperation ties). :func:`validate` runs the seeds and evaluates everything;
:func:`write_validation_report` writes ``docs/validation.md`` and its figures
(``clustersim validate``).
"""

from __future__ import annotations

import math
import sys
import time
import tomllib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from scipy import optimize, stats

from sim.inputs.countries import COUNTRIES, country_values
from sim.inputs.scenario import SCENARIO_DIR, Scenario, load_scenario
from sim.reporting.run_report import PNG_OPTIONS, band, fmt, md_table, seeds_text

TARGETS_FILE = Path(__file__).resolve().parents[1] / "data" / "targets.toml"
BASELINE = SCENARIO_DIR / "baseline.toml"
QUARTERS_PER_YEAR = 4
#: Least quarters a validation run needs: two model years (one year-on-year transition).
MIN_STEPS = 2 * QUARTERS_PER_YEAR
#: Share of the largest firms whose sizes the Hill estimator fits (the top decile).
TAIL_SHARE = 0.1
#: Largest share of nodes the core of the cooperation network may hold.
CORE_MAX_SHARE = 0.2
TOLERANCE_KINDS = ("absolute", "relative", "factor", "range", "horizon")
#: Country sums recorded every quarter (see :func:`quarter_sums`).
SUMS = ("rd_spend", "value_added", "fdi", "sales_partner", "employees", "sme_value_added",
        "sme_employees", "taxed_profit", "profit_tax")


class ValidationError(ValueError):
    """Bad input to a validation run (reported with exit code 2 by the command line)."""


# ---------------------------------------------------------------------------------------------
# statistics: pure functions over arrays


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


# ---------------------------------------------------------------------------------------------
# collecting a run


@dataclass
class RunObservations:
    """What one run leaves for validation.

    Attributes:
        seed: the run's seed.
        quarters: the recorded quarters 1..T.
        ids, workers, sales, innovated: per recorded quarter, one array over the live firms.
        sums: name (``SUMS``) -> array (quarters, 2 countries) of quarterly sums.
        edges: cooperation ties at the end as node-index pairs (firms, then universities).
        nodes: number of cooperation nodes (firms and universities) at the end.
        vat: the VAT rate the model charges in each country.
        parks: park name -> its reliefs (shares) and ``relief_years``.
        horizon_years: warm-up plus recorded quarters, in years.
        national_factor: how many real tech firms each model firm stands for (the country
            data's ``real_tech_firms`` over the modelled firms).
        gdp_quarter: each country's GDP per quarter, USD m (country data).
    """

    seed: int
    quarters: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    ids: list[np.ndarray] = field(default_factory=list)
    workers: list[np.ndarray] = field(default_factory=list)
    sales: list[np.ndarray] = field(default_factory=list)
    innovated: list[np.ndarray] = field(default_factory=list)
    sums: dict[str, np.ndarray] = field(default_factory=dict)
    edges: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    nodes: int = 0
    vat: np.ndarray = field(default_factory=lambda: np.zeros(2))
    parks: dict[str, dict[str, float]] = field(default_factory=dict)
    horizon_years: float = 0.0
    national_factor: np.ndarray = field(default_factory=lambda: np.ones(2))
    gdp_quarter: np.ndarray = field(default_factory=lambda: np.ones(2))


def quarter_sums(model: Any) -> dict[str, np.ndarray]:
    """This quarter's sums by country (index 0 = AZ, 1 = BY) of what the targets need."""
    f = model.firms
    country = f["country"]
    sme = f.is_sme()
    taxed = (f["profit"] > 0) & (f["relief_profit"] == 0)
    columns = {
        "rd_spend": f["rd_spend"], "value_added": f["value_added"], "fdi": f["fdi"],
        "sales_partner": f["sales_partner"], "employees": f["employees"],
        "sme_value_added": f["value_added"] * sme, "sme_employees": f["employees"] * sme,
        "taxed_profit": f["profit"] * taxed, "profit_tax": (f["profit"] - f["net_income"]) * taxed,
    }
    return {name: np.bincount(country, weights=columns[name], minlength=2)[:2]
            for name in SUMS}


def cooperation_edges(model: Any) -> tuple[np.ndarray, int]:
    """Cooperation ties among firms and universities (residency ties in parks excluded), as
    node-index pairs, and the number of such nodes."""
    ids = [*model.firms.ids.tolist(), *(u.unique_id for u in model.universities)]
    index = {node: i for i, node in enumerate(ids)}
    pairs = [(index[a], index[b]) for a, b, data in model.graph.edges(data=True)
             if data["kind"] != "residency" and a in index and b in index]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2), len(ids)


def collect_run(scenario: Scenario, seed: int, steps: int) -> RunObservations:
    """Run ``scenario`` with ``seed`` for ``steps`` quarters and record what validation needs."""
    from sim.experiments.runs import run_model

    record = RunObservations(seed=seed)
    sums: dict[str, list[np.ndarray]] = {name: [] for name in SUMS}

    def on_quarter(model: Any) -> None:
        f = model.firms
        record.ids.append(f.ids.copy())
        record.workers.append(f["employees"].copy())
        record.sales.append(f["sales_total"].copy())
        record.innovated.append(f["innovated"].copy())
        for name, value in quarter_sums(model).items():
            sums[name].append(value)

    model = run_model(scenario, seed, steps, on_step=on_quarter)
    record.quarters = np.arange(1, steps + 1)
    record.sums = {name: np.array(values).reshape(-1, 2) for name, values in sums.items()}
    record.edges, record.nodes = cooperation_edges(model)
    record.vat = np.array(model.vat, dtype=float)
    record.parks = {park.name: {**park.reliefs, "relief_years": park.relief_quarters / 4,
                                **{f"{k}_years": q / 4 for k, q in park.relief_periods.items()}}
                    for park in model.parks}
    record.horizon_years = (int(model.params["warmup"]) + steps) / QUARTERS_PER_YEAR
    data = [model.spec.countries[code] for code in COUNTRIES]
    record.national_factor = np.array([
        c["real_tech_firms"] / max(c["model_firms"] * model.params["firm_scale"], 1e-12)
        for c in data])
    record.gdp_quarter = np.array([c["gdp_usd_bn"] * 1000.0 / QUARTERS_PER_YEAR for c in data])
    return record


# ---------------------------------------------------------------------------------------------
# targets


def load_targets(path: Path = TARGETS_FILE) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The targets and facts of ``sim/data/targets.toml``, checked for completeness."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    targets, facts = data.get("targets", []), data.get("facts", [])
    for t in targets:
        where = f"{path.name}: target {t.get('name')!r} ({t.get('country')})"
        for key in ("name", "country", "role", "label", "unit", "value", "source", "year",
                    "measure", "definition", "quarters", "tolerance_kind", "tolerance_source"):
            if key not in t:
                raise ValidationError(f"{where}: missing key {key!r}")
        if t["measure"] not in MEASURES:
            raise ValidationError(f"{where}: unknown measure {t['measure']!r}")
        if t["tolerance_kind"] not in TOLERANCE_KINDS:
            raise ValidationError(f"{where}: unknown tolerance_kind {t['tolerance_kind']!r}")
        needs = ("low", "high") if t["tolerance_kind"] == "range" else ("tolerance",)
        for key in needs:
            if key not in t:
                raise ValidationError(f"{where}: missing key {key!r}")
    for fact in facts:
        if fact.get("name") not in FACT_STATISTICS:
            raise ValidationError(f"{path.name}: unknown fact {fact.get('name')!r}")
    return targets, facts


def _window(record: RunObservations, target: dict[str, Any]) -> np.ndarray:
    first, last = target["quarters"]
    return (record.quarters >= first) & (record.quarters <= last)


def _pooled(numerator: str, denominator: str) -> Callable[[RunObservations, dict[str, Any]], float]:
    def measure(record: RunObservations, target: dict[str, Any]) -> float:
        c, rows = COUNTRIES.index(target["country"]), _window(record, target)
        den = record.sums[denominator][rows, c].sum()
        return float(record.sums[numerator][rows, c].sum() / den) if den > 0 else math.nan

    return measure


def _bilateral_turnover(record: RunObservations, target: dict[str, Any]) -> float:
    c, rows = COUNTRIES.index(target["country"]), _window(record, target)
    turnover = record.sums["sales_partner"][rows].sum()  # AZ to BY plus BY to AZ
    den = record.sums["value_added"][rows, c].sum()
    return float(turnover / den) if den > 0 else math.nan


def _vat_rate(record: RunObservations, target: dict[str, Any]) -> float:
    return float(record.vat[COUNTRIES.index(target["country"])])


def _park(record: RunObservations, target: dict[str, Any]) -> dict[str, float]:
    if target.get("park") not in record.parks:
        raise ValidationError(f"target {target['name']!r}: the model has no park named "
                              f"{target.get('park')!r}")
    return record.parks[target["park"]]


def _park_relief(record: RunObservations, target: dict[str, Any]) -> float:
    return float(_park(record, target)[target["name"].removeprefix("park_")])


def _park_relief_years(record: RunObservations, target: dict[str, Any]) -> float:
    """``park_relief_years``: the park's relief period; ``park_<relief>_years``: that
    relief's own period."""
    return float(_park(record, target)[target["name"].removeprefix("park_")])


#: Measure name (``measure`` in targets.toml) -> model value of a target in one run.
MEASURES: dict[str, Callable[[RunObservations, dict[str, Any]], float]] = {
    "effective_profit_tax": _pooled("profit_tax", "taxed_profit"),
    "vat_rate": _vat_rate,
    "park_relief": _park_relief,
    "park_relief_years": _park_relief_years,
    "rd_over_value_added": _pooled("rd_spend", "value_added"),
    "sme_value_added_share": _pooled("sme_value_added", "value_added"),
    "sme_employment_share": _pooled("sme_employees", "employees"),
    "fdi_over_value_added": _pooled("fdi", "value_added"),
    "bilateral_turnover_over_value_added": _bilateral_turnover,
}


def allowed_range(target: dict[str, Any]) -> tuple[float, float]:
    """The interval of model values a target accepts (``horizon`` targets: the data value;
    a value beyond the run's length is also accepted when the data value is, see
    :func:`within_tolerance`)."""
    kind, value = target["tolerance_kind"], float(target["value"])
    tol = float(target.get("tolerance", 0.0))
    if kind == "absolute":
        return value - tol, value + tol
    if kind == "relative":
        return value * (1 - tol), value * (1 + tol)
    if kind == "factor":
        return value / tol, value * tol
    if kind == "range":
        return float(target["low"]), float(target["high"])
    return value, value


def within_tolerance(target: dict[str, Any], model_value: float, horizon_years: float) -> bool:
    """Whether a model value meets a target."""
    if not math.isfinite(model_value):
        return False
    if target["tolerance_kind"] == "horizon":
        return abs(min(model_value, horizon_years)
                   - min(float(target["value"]), horizon_years)) <= 1e-9
    low, high = allowed_range(target)
    return low - 1e-12 <= model_value <= high + 1e-12


def national_scale(record: RunObservations, quarters: tuple[int, int] = (1, 8)) -> dict[str, Any]:
    """Output targets at national scale, for information: the sample's flows times the number
    of real tech firms each model firm stands for (an assumption of the country data), over
    the country's GDP.

    Returns:
        ``rd_gdp`` and ``fdi_gdp`` (arrays over AZ, BY: the tech firms' R&D and FDI over
        national GDP) and ``turnover`` (AZ-BY sales of tech products, USD m a year).
    """
    rows = (record.quarters >= quarters[0]) & (record.quarters <= quarters[1])
    years = rows.sum() / QUARTERS_PER_YEAR
    gdp = record.gdp_quarter * rows.sum()

    def scaled(name: str) -> np.ndarray:
        return record.sums[name][rows].sum(axis=0) * record.national_factor

    return {"rd_gdp": scaled("rd_spend") / gdp, "fdi_gdp": scaled("fdi") / gdp,
            "turnover": float(scaled("sales_partner").sum() / years) if years else math.nan}


# ---------------------------------------------------------------------------------------------
# stylized facts


def run_statistics(record: RunObservations) -> dict[str, float]:
    """Every stylized-fact statistic of one run (see ``sim/data/targets.toml``, [[facts]])."""
    final_workers = record.workers[-1] if record.workers else np.zeros(0)
    tail_a, tail_xmin, tail_ks = power_law_fit(final_workers)
    _, sales, present = panel(record.ids, record.sales)
    growth = growth_rates(*yearly(sales, present, "sum"))
    _, innovated, present = panel(record.ids, [i.astype(float) for i in record.innovated])
    transitions = persistence(*yearly(innovated, present, "any"))
    degrees = np.bincount(record.edges.ravel(), minlength=record.nodes)
    deg = degree_statistics(degrees)
    core = core_periphery(record.edges, record.nodes)
    null_rho = random_graph_rho(record.nodes, record.edges.shape[0], seed=record.seed)
    return {
        "hill_top10": hill_exponent(final_workers, 0.1),
        "hill_top20": hill_exponent(final_workers, 0.2),
        "powerlaw_exponent": tail_a,
        "powerlaw_xmin": tail_xmin,
        "powerlaw_ks": tail_ks,
        "growth_observations": float(growth.size),
        "laplace_minus_normal": laplace_loglik(growth) - normal_loglik(growth),
        "growth_kurtosis": kurtosis(growth),
        "subbotin_shape": subbotin_shape(growth),
        "degree_mean": deg["mean"],
        "degree_max_over_mean": deg["max_over_mean"],
        "degree_skewness": deg["skewness"],
        "degree_dispersion": deg["dispersion"],
        "lr_negbin_poisson": deg["lr_negbin_poisson"],
        "core_fraction": core["core_fraction"],
        "core_tie_share": core["core_tie_share"],
        "core_rho": core["rho"],
        "core_rho_random": null_rho,
        "core_rho_ratio": core["rho"] / null_rho if null_rho > 0 else math.nan,
        "p_innovate_after_innovating": transitions["p11"],
        "p_innovate_after_not": transitions["p01"],
        "persistence": transitions["difference"],
        "persistence_z": transitions["z"],
    }


#: Fact name (``[[facts]]`` in targets.toml) -> its statistic in :func:`run_statistics`.
FACT_STATISTICS: dict[str, str] = {
    "size_tail": "hill_top10",
    "growth_laplace": "laplace_minus_normal",
    "growth_kurtosis": "growth_kurtosis",
    "degree_overdispersion": "lr_negbin_poisson",
    "degree_skewness": "degree_skewness",
    "core_share": "core_tie_share",
    "core_periphery_fit": "core_rho_ratio",
    "innovation_persistence": "persistence",
}

#: Labels of the statistics in the report's detail table.
STATISTIC_LABELS: dict[str, str] = {
    "hill_top10": "Hill exponent, top 10% of firms by workers",
    "hill_top20": "Hill exponent, top 20%",
    "powerlaw_exponent": "Power-law exponent above the KS-best xmin (Clauset et al.)",
    "powerlaw_xmin": "its xmin (workers)",
    "powerlaw_ks": "its Kolmogorov-Smirnov distance",
    "growth_observations": "Firm-years of sales growth",
    "laplace_minus_normal": "Log-likelihood per firm-year, Laplace minus normal",
    "growth_kurtosis": "Kurtosis of growth rates (normal 3, Laplace 6)",
    "subbotin_shape": "Subbotin shape of growth rates (Laplace 1, normal 2)",
    "degree_mean": "Mean degree",
    "degree_max_over_mean": "Largest degree / mean degree",
    "degree_skewness": "Skewness of degrees",
    "degree_dispersion": "Variance / mean of degrees (Poisson 1)",
    "lr_negbin_poisson": "2 x log-likelihood gain, negative binomial over Poisson",
    "core_fraction": "Core size / nodes",
    "core_tie_share": "Share of ties touching the core",
    "core_rho": "Core-periphery correlation (Borgatti-Everett)",
    "core_rho_random": "the same in random graphs of as many nodes and ties (mean of 20)",
    "core_rho_ratio": "Core-periphery correlation / that of random graphs",
    "p_innovate_after_innovating": "P(innovates in t+1 | innovated in t)",
    "p_innovate_after_not": "P(innovates in t+1 | did not innovate in t)",
    "persistence": "Difference of the two",
    "persistence_z": "Two-proportion z statistic",
}


def fact_holds(fact: dict[str, Any], value: float) -> bool:
    """Whether a statistic lies in a fact's ``[low, high]`` (a missing bound is open)."""
    if not math.isfinite(value):
        return False
    return (value >= fact.get("low", -math.inf)) and (value <= fact.get("high", math.inf))


# ---------------------------------------------------------------------------------------------
# evaluation over seeds


@dataclass
class Check:
    """A target or fact evaluated over seeds.

    Attributes:
        spec: the entry of targets.toml.
        values: the model value of each seed.
        median, low, high: the median and the 90% band (5th and 95th percentiles) across seeds.
        passed: whether the median meets the target or fact.
        seeds_passed: how many seeds meet it on their own.
    """

    spec: dict[str, Any]
    values: np.ndarray
    median: float
    low: float
    high: float
    passed: bool
    seeds_passed: int


@dataclass
class Validation:
    """Targets and facts of the baseline over several seeds, with what produced them."""

    seeds: list[int]
    steps: int
    targets: list[Check]
    facts: list[Check]
    statistics: dict[str, np.ndarray]
    records: list[RunObservations]
    seconds: float


def _check(spec: dict[str, Any], values: Sequence[float],
           holds: Callable[[float], bool]) -> Check:
    arr = np.asarray(values, dtype=float)
    median, low, high = band(arr)
    return Check(spec, arr, median, low, high, holds(median), sum(holds(v) for v in arr))


def evaluate(records: Sequence[RunObservations], steps: int, seconds: float = 0.0) -> Validation:
    """Every target and fact over the runs in ``records``."""
    targets, facts = load_targets()
    horizon = records[0].horizon_years
    checks = [
        _check(t, [MEASURES[t["measure"]](r, t) for r in records],
               lambda v, t=t: within_tolerance(t, v, horizon))
        for t in targets
    ]
    per_run = [run_statistics(r) for r in records]
    statistics = {name: np.array([s[name] for s in per_run]) for name in STATISTIC_LABELS}
    fact_checks = [_check(f, statistics[FACT_STATISTICS[f["name"]]],
                          lambda v, f=f: fact_holds(f, v)) for f in facts]
    return Validation([r.seed for r in records], steps, checks, fact_checks, statistics,
                      list(records), seconds)


def validate(seeds: Sequence[int], steps: int = 40,
             scenario: Scenario | Path = BASELINE, progress: bool = False) -> Validation:
    """Run the baseline (or ``scenario``) once per seed and evaluate targets and facts.

    Raises:
        ValidationError: no seeds, or fewer than ``MIN_STEPS`` quarters.
    """
    seeds = list(seeds)
    if not seeds:
        raise ValidationError("validation needs at least one seed")
    if steps < MIN_STEPS:
        raise ValidationError(f"--steps {steps}: validation needs at least {MIN_STEPS} quarters "
                              "(two model years, for year-on-year growth and persistence)")
    targets, _ = load_targets()
    window_end = max(t["quarters"][1] for t in targets)
    if steps < window_end:
        raise ValidationError(f"--steps {steps}: the targets are measured up to quarter "
                              f"{window_end}; run at least that many quarters")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    start = time.perf_counter()
    records = []
    for i, seed in enumerate(seeds):
        if progress:
            print(f"validate: {scenario.name} seed {seed} ({i + 1} of {len(seeds)}), "
                  f"{steps} quarters", file=sys.stderr, flush=True)
        records.append(collect_run(scenario, seed, steps))
    return evaluate(records, steps, time.perf_counter() - start)


# ---------------------------------------------------------------------------------------------
# the report


def _show(value: float, unit: str) -> str:
    if unit == "share":
        return f"{fmt(100 * value)}%" if math.isfinite(value) else "n/a"
    return fmt(value)


def _tolerance_text(spec: dict[str, Any], horizon: float) -> str:
    kind, unit = spec["tolerance_kind"], spec["unit"]
    if kind == "horizon":
        return f"= data (up to {fmt(horizon)} years, the run's length)"
    low, high = allowed_range(spec)
    if kind == "absolute" and high - low < 1e-5:
        return "= data"
    return f"[{_show(low, unit)}, {_show(high, unit)}]"


def _mark(check: Check) -> str:
    n = len(check.values)
    return f"{'pass' if check.passed else '**miss**'} ({check.seeds_passed}/{n} seeds)"


def _target_rows(checks: Sequence[Check], horizon: float) -> list[list[str]]:
    rows = []
    for c in checks:
        s = c.spec
        rows.append([
            f"{s['label']} ({s['country']})", _show(float(s["value"]), s["unit"]),
            f"{s['source']} ({s['year']})",
            f"{_show(c.median, s['unit'])} [{_show(c.low, s['unit'])}, "
            f"{_show(c.high, s['unit'])}]",
            _tolerance_text(s, horizon), _mark(c),
        ])
    return rows


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table whose cells may hold ``|`` (as in P(a | b))."""
    return md_table(header, [[cell.replace("|", "\\|") for cell in row] for row in rows])


def _criterion_text(fact: dict[str, Any]) -> str:
    low, high = fact.get("low"), fact.get("high")
    if low is not None and high is not None:
        return f"in [{fmt(low)}, {fmt(high)}]"
    return f"> {fmt(low)}" if low is not None else f"< {fmt(high)}"


def _national_lines(result: Validation) -> list[str]:
    """For information: the output ratios at national scale, next to the national figures."""
    national = [national_scale(r) for r in result.records]
    data = {code: country_values(code) for code in COUNTRIES}
    rd = {t["country"]: t["value"] for t in (c.spec for c in result.targets)
          if t["name"] == "rd_gdp"}

    def cell(key: str, k: int) -> str:
        return "{} [{}, {}]".format(*(_show(v, "share") for v in band(
            [n[key][k] for n in national])))

    rows = []
    for k, code in enumerate(COUNTRIES):
        fdi_tech = data[code]["fdi_share_gdp"] * data[code]["fdi_to_tech_share"]
        rows += [
            [f"Tech firms' R&D / GDP ({code})", cell("rd_gdp", k),
             f"all R&D / GDP: {_show(rd.get(code, math.nan), 'share')} (an upper bound: "
             "it includes public and university research and every sector)"],
            [f"Tech firms' FDI / GDP ({code})", cell("fdi_gdp", k),
             f"FDI / GDP x share going to tech (assumed): {_show(fdi_tech, 'share')} "
             "(sim/data/countries.toml; the model is set to start there)"],
        ]
    turnover = band([n["turnover"] for n in national])
    rows.append(["AZ-BY trade in tech products, USD m a year",
                 "{} [{}, {}]".format(*map(fmt, turnover)),
                 "all goods: USD 424.4 m (2021, today.az); 204 m (2018); 'almost $1 bn' "
                 "(2021, conflicting)"])
    return [
        "For information, the same outputs at national scale: the sample's flows times the "
        "number of real tech firms each model firm stands for (`real_tech_firms`, assumed in "
        "`sim/data/countries.toml`), over national GDP; quarters 1-8. No pass or fail: the "
        "scaling rests on assumed firm counts.",
        "",
        *_table(["Quantity", "Model: median [90% band]", "Data for comparison"], rows),
    ]


def validation_markdown(result: Validation, figures: dict[str, str]) -> str:
    """The text of ``docs/validation.md``."""
    horizon = result.records[0].horizon_years
    inputs = [c for c in result.targets if c.spec["role"] == "input"]
    outputs = [c for c in result.targets if c.spec["role"] == "output"]
    met = sum(c.passed for c in result.targets) + sum(c.passed for c in result.facts)
    total = len(result.targets) + len(result.facts)
    head = ["Target", "Data", "Source (year)", "Model: median [90% band]", "Accepted",
            "Result"]
    lines = [
        "# Validation of the baseline",
        "",
        "Generated by `clustersim validate` from `scenarios/baseline.toml` and the targets in "
        "`sim/data/targets.toml` (sources, years, tolerances and measures); do not edit by hand.",
        f"Seeds {seeds_text(result.seeds)}, {result.steps} quarters after a warm-up, "
        f"{datetime.now(UTC).date().isoformat()}, {result.seconds:.0f} s. The model value of "
        "each target and the statistic of each fact are computed per seed; the table gives "
        "the median with the 90% band (5th-95th percentile) across seeds. A target or fact "
        "passes when the median is accepted; in brackets, how many seeds pass on their own.",
        "",
        f"**{met} of {total}** targets and facts pass. How the model is built is described in "
        "[model.md](model.md).",
        "",
        "## Calibration targets: inputs",
        "",
        "Set directly from `sim/data/countries.toml`: the check is that the model applies the "
        "data as given (and that the two data files agree).",
        "",
        *_table(head, _target_rows(inputs, horizon)),
        "",
        "## Calibration targets: outputs",
        "",
        "These emerge from the firms' behaviour; the behavioural parameters in "
        "`sim/inputs/params.py` are assumed, and a calibration fits them to these targets. Money "
        "in the model is at the scale of the modelled firm sample, so every target is a ratio; "
        "'output' is value added (sales minus material inputs), the model's counterpart of "
        "GDP, summed over quarters 1-8 (the first two years after the warm-up).",
        "",
        *_table(head, _target_rows(outputs, horizon)),
        "",
        "How each output is measured:",
        "",
    ]
    seen = set()
    for c in outputs:
        s = c.spec
        if (s["name"], s["definition"]) in seen:
            continue
        seen.add((s["name"], s["definition"]))
        lines.append(f"- **{s['label']}** ({s['country']}): {s['definition']}. "
                     f"Tolerance: {s['tolerance_source']}.")
    lines += ["", *_national_lines(result), "", "## Stylized facts",
        "",
        "Each statistic is computed per seed at the default population: firm sizes and the "
        f"network at quarter {result.steps}, growth and innovation over years 1-"
        f"{result.steps // QUARTERS_PER_YEAR} (quarters 1-4 are year 1).",
        "",
        *_table(["Fact", "Statistic", "Model: median [90% band]", "Criterion", "Source",
                   "Result"],
                  [[f["label"], f["statistic"], f"{fmt(c.median)} [{fmt(c.low)}, "
                    f"{fmt(c.high)}]", _criterion_text(f) + f" ({f['criterion_source']})",
                    f["source"], _mark(c)] for c in result.facts for f in [c.spec]]),
        "",
        "More statistics (median [90% band] across seeds):",
        "",
        *_table(["Statistic", "Value"],
                  [[label, "{} [{}, {}]".format(*map(fmt, band(result.statistics[name])))]
                   for name, label in STATISTIC_LABELS.items()]),
        "",
        "## Figures",
        "",
    ]
    for caption, path in figures.items():
        lines += [f"![{caption}]({path})", "", f"*{caption}.*", ""]
    lines += [
        "## Reproduce",
        "",
        f"    clustersim validate --seeds {len(result.seeds)} --steps {result.steps}",
        "",
    ]
    return "\n".join(lines)


def _save(fig: Figure, path: Path) -> None:
    fig.savefig(path, pil_kwargs=PNG_OPTIONS)


def plot_sizes(result: Validation, path: Path) -> None:
    """CCDF of firm sizes at the last quarter on log-log axes, with the Hill fit of the top
    decile (first seed in colour, the others grey)."""
    fig = Figure(figsize=(6.4, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    for k, record in reversed(list(enumerate(result.records))):
        x = np.sort(_positive(record.workers[-1]))[::-1]
        ccdf = np.arange(1, x.size + 1) / x.size
        ax.loglog(x, ccdf, ".", ms=2.5, color="#1f6fb4" if k == 0 else "0.75",
                  label=f"seed {record.seed}" if k == 0 else None)
    first = np.sort(_positive(result.records[0].workers[-1]))[::-1]
    a = hill_exponent(first, TAIL_SHARE)
    k = int(math.floor(TAIL_SHARE * first.size))
    if math.isfinite(a) and k >= 2:
        xs = np.geomspace(first[k], first[0], 50)
        ax.loglog(xs, (k / first.size) * (xs / first[k]) ** -a, color="#c4362b",
                  label=f"Hill fit of the top 10%: a = {a:.2f}")
        ax.loglog(xs, (k / first.size) * (xs / first[k]) ** -1.0, ":", color="0.2",
                  label="Zipf, a = 1")
    ax.set_xlabel("workers")
    ax.set_ylabel("share of firms larger, P(S > s)")
    ax.set_title(f"Firm sizes at quarter {result.steps}")
    ax.legend(fontsize=8)
    _save(fig, path)


def plot_growth(result: Validation, path: Path) -> None:
    """Histogram of year-on-year log sales growth (all seeds pooled) on a log y-axis, with
    the Laplace and normal fits."""
    g = []
    for record in result.records:
        _, sales, present = panel(record.ids, record.sales)
        g.append(growth_rates(*yearly(sales, present, "sum")))
    growth = np.concatenate(g) if g else np.zeros(0)
    fig = Figure(figsize=(6.4, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    if growth.size > 10:
        edge = float(np.quantile(np.abs(growth), 0.999))
        bins = np.linspace(-edge, edge, 61)
        density, _ = np.histogram(growth, bins=bins, density=True)
        mids = 0.5 * (bins[1:] + bins[:-1])
        ax.semilogy(mids[density > 0], density[density > 0], "o", ms=3, color="#1f6fb4",
                    label=f"model ({growth.size:,} firm-years)")
        xs = np.linspace(-edge, edge, 400)
        loc, scale = np.median(growth), np.mean(np.abs(growth - np.median(growth)))
        ax.semilogy(xs, stats.laplace.pdf(xs, loc, scale), color="#c4362b", label="Laplace fit")
        ax.semilogy(xs, stats.norm.pdf(xs, growth.mean(), growth.std()), "--", color="0.3",
                    label="normal fit")
        ax.set_ylim(bottom=max(density[density > 0].min() / 3, 1e-4))
    ax.set_xlabel("year-on-year log growth of sales (demeaned by year)")
    ax.set_ylabel("density")
    ax.set_title("Firm growth rates")
    ax.legend(fontsize=8)
    _save(fig, path)


def plot_degrees(result: Validation, path: Path) -> None:
    """Degree distribution of the cooperation network at the last quarter (all seeds pooled)
    against a Poisson of the same mean."""
    degrees = np.concatenate([np.bincount(r.edges.ravel(), minlength=r.nodes)
                              for r in result.records])
    fig = Figure(figsize=(6.4, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    if degrees.size:
        counts = np.bincount(degrees)
        k = np.arange(counts.size)
        share = counts / counts.sum()
        ax.semilogy(k[share > 0], share[share > 0], "o", ms=4, color="#1f6fb4", label="model")
        pois = stats.poisson.pmf(k, degrees.mean())
        ax.semilogy(k[pois > 1e-6], pois[pois > 1e-6], "--", color="0.3",
                    label=f"Poisson, mean {degrees.mean():.2f}")
        ax.set_ylim(bottom=min(share[share > 0].min(), 1e-3) / 2)
    core = result.statistics["core_tie_share"]
    ax.set_title(f"Cooperation network at quarter {result.steps}: a core of "
                 f"{100 * np.nanmedian(result.statistics['core_fraction']):.0f}% of nodes "
                 f"touches {100 * np.nanmedian(core):.0f}% of ties", fontsize=10)
    ax.set_xlabel("degree (firms and universities; residency in parks excluded)")
    ax.set_ylabel("share of nodes")
    ax.legend(fontsize=8)
    _save(fig, path)


def plot_innovation(result: Validation, path: Path) -> None:
    """P(innovates next year | innovated) and P(innovates next year | did not), per seed."""
    fig = Figure(figsize=(5.2, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    after = result.statistics["p_innovate_after_innovating"]
    not_after = result.statistics["p_innovate_after_not"]
    for x, values, colour in ((0, after, "#1f6fb4"), (1, not_after, "0.5")):
        med, lo, hi = band(values)
        ax.bar(x, med, color=colour, width=0.6)
        ax.errorbar(x, med, yerr=[[med - lo], [hi - med]], color="black", capsize=6)
        ax.plot(np.full(values.size, x), values, "k.", ms=4)
    ax.set_xticks([0, 1], ["innovated in year t", "did not innovate in year t"])
    ax.set_ylabel("P(innovates in year t+1)")
    ax.set_ylim(0, 1)
    ax.set_title("Persistence of innovation (median, 90% band, seeds)", fontsize=10)
    _save(fig, path)


def plot_targets(result: Validation, path: Path) -> None:
    """Output targets: model median and band against the data value and accepted range."""
    checks = [c for c in result.targets if c.spec["role"] == "output"]
    fig = Figure(figsize=(7.2, 0.45 * len(checks) + 1.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    for y, c in enumerate(checks):
        low, high = allowed_range(c.spec)
        value = float(c.spec["value"])
        ax.plot([low / value, high / value], [y, y], color="#9ecae1", lw=7,
                solid_capstyle="butt")
        ax.plot(1.0, y, "|", color="0.2", ms=12)
        colour = "#2a7f3b" if c.passed else "#c4362b"
        ax.errorbar(c.median / value, y, xerr=[[max(c.median - c.low, 0) / value],
                                               [max(c.high - c.median, 0) / value]],
                    fmt="o", color=colour, capsize=3)
    ax.set_yticks(range(len(checks)), [f"{c.spec['label']} ({c.spec['country']})"
                                       for c in checks], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("model / data (blue: accepted range; dot: median, bar: 90% band; "
                  "green passes)", fontsize=8)
    ax.invert_yaxis()
    _save(fig, path)


FIGURES: dict[str, tuple[str, Callable[[Validation, Path], None]]] = {
    "validation_targets.png": ("Output targets: model against data", plot_targets),
    "validation_sizes.png": ("Firm-size distribution (CCDF) with the fitted tail",
                             plot_sizes),
    "validation_growth.png": ("Firm growth rates with Laplace and normal fits", plot_growth),
    "validation_degrees.png": ("Degree distribution of the cooperation network",
                               plot_degrees),
    "validation_innovation.png": ("Innovation transition probabilities", plot_innovation),
}


def write_validation_report(seeds: Sequence[int], steps: int = 40,
                            out: Path = Path("docs/validation.md"),
                            progress: bool = False) -> Validation:
    """Run the validation and write ``out`` with its figures in ``out.parent / "img"``.

    The Markdown file is written to a temporary name and renamed, so an interrupted run never
    leaves half a report.

    Raises:
        ValidationError: bad seeds, steps or output path.
    """
    out = Path(out)
    if out.is_dir():
        raise ValidationError(f"--out {out}: is a folder; give a file name such as "
                              f"{out / 'validation.md'}")
    if out.suffix != ".md":
        raise ValidationError(f"--out {out}: expected a Markdown file name ending in .md")
    for folder in out.parents:
        if folder.exists() and not folder.is_dir():
            raise ValidationError(f"--out {out}: {folder} exists and is not a folder")
    result = validate(seeds, steps, progress=progress)
    img = out.parent / "img"
    img.mkdir(parents=True, exist_ok=True)
    figures = {}
    for name, (caption, draw) in FIGURES.items():
        if progress:
            print(f"validate: drawing {img / name}", file=sys.stderr, flush=True)
        draw(result, img / name)
        figures[caption] = f"img/{name}"
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(validation_markdown(result, figures), encoding="utf-8")
    tmp.replace(out)
    return result
