"""Partner search: firms look for suppliers, R&D partners, consortium members and universities.

Searchers draw a sample of candidates instead of scanning all pairs; a candidate's score is
complementarity x proximity x attractiveness, and the best one above the threshold becomes a
partner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import LOWEST_GENERATION
from sim.inputs.sectors import SUPPLIES
from sim.network.table import KINDS
from sim.network.ties import EXPORT, NEW_TIE_STRENGTH, RND, SUPPLY, add_new_ties, add_tie
from sim.phases.ideas import novelty
from sim.phases.supply import GENERATION_RANGE

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: R&D intensity at which a firm counts as fully research-active in partner choice (assumed: 2%
#: of sales with the assumed intensities, times the model's R&D scale, see
#: sim.inputs.countries.rd_scale_of).
RD_ACTIVE = 0.02


#: R&D intensity above which a firm looks for university partners (assumed: 0.5% of sales;
#: times the model's R&D scale, like RD_ACTIVE).
RD_SEEKS_UNIVERSITY = 0.005


#: Proximity of two firms in the same park, 0-1 (assumed: the closest there is).
SAME_PARK = 1.0
#: Proximity of two firms in the same country outside a common park, and of a firm and a
#: university of its country, 0-1 (assumed; that of cross-border partners is the model
#: parameter cross_border_proximity).
SAME_COUNTRY = 0.7
#: Factor on a partner's score at proximity 0: every score is multiplied by (this + slope x
#: proximity), 0.4-1, for firms and universities alike (assumed).
SCORE_AT_NO_PROXIMITY = 0.4
#: Rise of the proximity factor of a partner's score per unit of proximity (assumed).
SCORE_PER_PROXIMITY = 0.6

#: Fewest firms among which a partner search can form a tie (by definition: a tie links two).
MIN_FIRMS_FOR_SEARCH = 2
#: The kinds of tie a partner search scores, in the order of their scores (their kind codes
#: are their positions).
SCORED_KINDS = (SUPPLY, RND, EXPORT)
#: Share of a searcher's candidates drawn from the other country without a coordination body
#: (assumed).
CROSS_BORDER_CANDIDATES = 0.15
#: Trust a new cross-border tie lacks against a domestic one (strength, 0-1): partners
#: abroad are less known, so joint work with them starts with less trust (assumed, range
#: 0.05-0.25; a coordination body's cross-border shifter wins it back, up to all of it).
CROSS_BORDER_DISTRUST = 0.15
#: Share of the candidates of firms searching for university partners drawn from the other
#: country without a coordination body (assumed).
UNIVERSITY_CROSS_BORDER = 0.1
#: Largest share of cross-border candidates (firms or universities), however strong the
#: coordination (assumed: some candidates are always domestic).
MAX_CROSS_BORDER_SHARE = 0.9

#: Score of a supply or export-consortium partner of attractiveness 0, before proximity: the
#: score is (this + slope x attractiveness), 0.3-1 (assumed).
PARTNER_SCORE_AT_NO_APPEAL = 0.3
#: Rise of a supply or export-consortium partner's score per unit of its attractiveness
#: (assumed).
PARTNER_SCORE_PER_APPEAL = 0.7
#: Score of an R&D partner with the same knowledge profile (complementarity 0), before
#: proximity: the score is (this + slope x complementarity x research activity), 0.2-1
#: (assumed).
RND_SCORE_AT_NO_COMPLEMENT = 0.2
#: Rise of an R&D partner's score with complementarity of knowledge times the geometric mean
#: of both firms' research activity (assumed).
RND_SCORE_PER_COMPLEMENT = 0.8
#: Cognitive distances at which the expected bonus of an R&D partner is evaluated to find
#: its largest value (a fine grid over 0-1; implementation).
_DISTANCES = np.linspace(0.0, 1.0, 1001)
#: Largest expected bonus factor of an R&D partner, novelty(d) x (1 - d) over the cognitive
#: distance d, so the complementarity term of the score runs 0-1 (by definition).
BEST_EXPECTED = float(np.max(novelty(_DISTANCES) * (1.0 - _DISTANCES)))
#: Weight of product quality in a firm's attractiveness as a partner (assumed).
ATTRACT_QUALITY_WEIGHT = 0.4
#: Weight of the 0-1 technology index (LOWEST_GENERATION, GENERATION_RANGE of
#: sim.phases.supply) in a firm's attractiveness as a partner (assumed).
ATTRACT_TECH_WEIGHT = 0.3
#: Weight of delivery discipline in a firm's attractiveness as a partner (assumed).
ATTRACT_DELIVERY_WEIGHT = 0.3

#: R&D intensity above which a firm that finds a university partner works with it on R&D
#: (an R&D tie); below it, its staff train there (an education tie) (assumed: 1% of sales,
#: times the model's R&D scale like RD_ACTIVE; docs/validation.md compares the share of
#: innovating firms with a university partner it gives with survey figures).
UNIVERSITY_RND_PARTNER = 0.01
#: Chance of a university search in a quarter, as a share of the partner-search rate
#: (assumed).
UNIVERSITY_SEARCH_SHARE = 0.5
#: Score of a university partner for a firm of absorptive capacity 0, before proximity: the
#: score is (this + slope x absorptive capacity), 0.3-1 (assumed).
UNIVERSITY_SCORE_AT_NO_ABSORPTIVE = 0.3
#: Rise of a university partner's score per unit of the firm's absorptive capacity (assumed).
UNIVERSITY_SCORE_PER_ABSORPTIVE = 0.7


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
    tied, or a searcher or partner that reached its tie limit earlier in the quarter (as
    another's partner, or another's searcher), forms nothing.
    With ``search_preference`` above 0 a candidate is drawn with a chance proportional to
    (its ties + 1) to that power: well-connected firms are better known.
    The shifters of the searcher's country (``model.shifters``): ``coordination`` (a coordination
    body) raises the share of cross-border candidates and their proximity; ``matching`` (a
    subcontracting exchange) raises search and the value of supply matches.
    """
    f, p, rng = model.firms, model.params, model.rng
    shifters = model.shifters
    n = f.n
    if n < MIN_FIRMS_FOR_SEARCH:
        return 0
    degree = model.graph.degree_of(f.ids)
    country = f["country"]
    rate = p["search_rate"] * (1.0 + (f["park"] >= 0)) * (1.0 + shifters.matching[country])
    max_ties = p["max_ties"]
    searchers = np.flatnonzero((rng.random(n) < rate) & (degree < max_ties))
    if searchers.size == 0:
        return 0
    k = int(p["search_candidates"])
    ci = country[searchers].astype(np.int64)
    share_other = np.minimum(CROSS_BORDER_CANDIDATES + shifters.coordination[ci],
                             MAX_CROSS_BORDER_SHARE)
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
    scores[:, ~valid | (degree[cand] >= max_ties)] = -np.inf  # never chosen, whatever the threshold
    flat = scores.transpose(1, 0, 2).reshape(searchers.size, len(SCORED_KINDS) * k)  # kinds first
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
    f, p, shifters = model.firms, model.params, model.shifters
    attract = _attractiveness(model)
    col = (slice(None), None)  # searcher values as a column against their candidates
    si, sc = f["sector"][searchers][col], f["sector"][cand]
    same_country = f["country"][cand] == ci[col]
    park_i = f["park"][searchers][col]
    same_park = (f["park"][cand] == park_i) & (park_i >= 0)
    proximity = np.where(same_park, SAME_PARK,
                         np.where(same_country, SAME_COUNTRY, p["cross_border_proximity"]))
    proximity = np.minimum(proximity + shifters.coordination[ci][col] * ~same_country, 1.0)
    near = SCORE_AT_NO_PROXIMITY + SCORE_PER_PROXIMITY * proximity
    vertical = SUPPLIES[sc, si] | SUPPLIES[si, sc]
    supply = np.where(vertical, (PARTNER_SCORE_AT_NO_APPEAL
                                 + PARTNER_SCORE_PER_APPEAL * attract[cand])
                      * (1.0 + shifters.matching[ci])[col], 0.0)
    kf = f["kfield"]
    unit = kf / np.maximum(np.linalg.norm(kf, axis=1, keepdims=True), 1e-9)
    distance = np.clip(1.0 - np.einsum("skf,sf->sk", unit[cand], unit[searchers]), 0.0, 1.0)
    # the bonus a joint idea with the candidate is expected to bring (sim.phases.ideas)
    complement = novelty(distance) * (1.0 - distance) / BEST_EXPECTED
    research = np.minimum(f["rd_intensity"] / (RD_ACTIVE * model.rd_scale), 1.0)
    rnd = RND_SCORE_AT_NO_COMPLEMENT \
        + RND_SCORE_PER_COMPLEMENT * complement * np.sqrt(research[cand] * research[searchers][col])
    exporter = f["exp_third"]
    consortium = np.where((sc == si) & exporter[cand] & exporter[searchers][col],
                          PARTNER_SCORE_AT_NO_APPEAL + PARTNER_SCORE_PER_APPEAL * attract[cand],
                          0.0)
    horizontal = np.where(f["state_owned"][searchers], 1.0 - p["state_horizontal_aversion"],
                          1.0)[col]
    scores = np.stack([supply, rnd * horizontal, consortium * horizontal]) * near
    if p["rnd_ties"] <= 0:  # no R&D ties: never chosen, whatever the threshold
        scores[SCORED_KINDS.index(RND)] = -np.inf
    return scores


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
        if degree[i] >= max_ties or degree[j] >= max_ties:  # either may have filled up
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
    trust = start_trust(model, rows, partners)
    for kind in SCORED_KINDS:
        mine = kinds == kind
        if not mine.any():
            continue
        a, b = ids[rows[mine]], ids[partners[mine]]
        supplier = np.where(SUPPLIES[sector[partners[mine]], sector[rows[mine]]], b, a) \
            if kind == SUPPLY else None
        add_new_ties(model, a, b, KINDS[kind], strength=trust[mine], supplier=supplier)
    return len(keep)


def start_trust(model: ClusterModel, rows: np.ndarray, partners: np.ndarray) -> np.ndarray:
    """Strength (trust) a new tie between firms ``rows`` and ``partners`` starts with:
    ``NEW_TIE_STRENGTH``, less ``CROSS_BORDER_DISTRUST`` across the border, which the
    searcher's country's coordination shifter (a coordination body) wins back."""
    country = model.firms["country"]
    ci = country[rows].astype(np.int64)
    return trust_of_new_ties(model, ci, country[partners] != country[rows])


def trust_of_new_ties(model: ClusterModel, searcher_country: np.ndarray,
                      cross: np.ndarray) -> np.ndarray:
    """Strength new ties start with, by the searcher's country code and whether the partner
    is across the border (see :func:`start_trust`)."""
    won_back = np.minimum(model.shifters.coordination[searcher_country], CROSS_BORDER_DISTRUST)
    return np.where(cross, NEW_TIE_STRENGTH - CROSS_BORDER_DISTRUST + won_back,
                    NEW_TIE_STRENGTH)


def _attractiveness(model: ClusterModel) -> np.ndarray:
    """0-1 appeal of a firm as a partner: quality, technology, delivery."""
    f = model.firms
    return np.clip(ATTRACT_QUALITY_WEIGHT * f["quality"]
                   + ATTRACT_TECH_WEIGHT * (f["tech"] - LOWEST_GENERATION) / GENERATION_RANGE
                   + ATTRACT_DELIVERY_WEIGHT * f["delivery"], 0.0, 1.0)


def university_search(model: ClusterModel) -> int:
    """Firms doing R&D look for a university partner (drawn in their own country or, as far
    as governments coordinate, in the other): a firm with R&D intensity above
    ``UNIVERSITY_RND_PARTNER`` times the model's R&D scale forms an R&D tie, another an
    education tie (its staff train there). New cross-border ties start with less trust, as
    in :func:`start_trust`. Returns ties formed."""
    f, p, rng = model.firms, model.params, model.rng
    unis = model.universities
    if not unis or f.n == 0:
        return 0
    active = f["rd_intensity"] > RD_SEEKS_UNIVERSITY * model.rd_scale
    searchers = np.flatnonzero(active & (rng.random(f.n)
                                         < UNIVERSITY_SEARCH_SHARE * p["search_rate"]))
    if searchers.size == 0:
        return 0
    coordination = model.shifters.coordination
    ci = f["country"][searchers].astype(np.int64)
    cross = rng.random(searchers.size) < np.minimum(UNIVERSITY_CROSS_BORDER + coordination[ci],
                                                   MAX_CROSS_BORDER_SHARE)
    want = np.where(cross, 1 - ci, ci)
    uni_country = np.array([u.country_index for u in unis])
    pools = [np.flatnonzero(uni_country == c) for c in (0, 1)]
    pick = _draw_from_pools(rng, pools, want)
    proximity = np.where(cross, p["cross_border_proximity"], SAME_COUNTRY)
    proximity = np.minimum(proximity + coordination[ci] * cross, 1.0)
    score = (UNIVERSITY_SCORE_AT_NO_ABSORPTIVE
             + UNIVERSITY_SCORE_PER_ABSORPTIVE * f["absorptive"][searchers]) \
        * (SCORE_AT_NO_PROXIMITY + SCORE_PER_PROXIMITY * proximity)
    go = np.flatnonzero((pick >= 0) & (score >= p["tie_threshold"]))
    if go.size == 0:
        return 0
    uni_degree = model.graph.degree_of(model.university_ids)
    g, ids, rd = model.graph, f.ids, f["rd_intensity"]
    research_active = UNIVERSITY_RND_PARTNER * model.rd_scale  # R&D partners; others train
    rnd_allowed = p["rnd_ties"] > 0
    formed = 0
    trust = trust_of_new_ties(model, ci, cross)
    for i, k, s in zip(searchers[go].tolist(), pick[go].tolist(), trust[go].tolist(),
                       strict=True):
        uni = unis[k]
        a, b = int(ids[i]), uni.unique_id
        if uni_degree[k] >= uni.max_ties or g.has_edge(a, b):
            continue
        add_tie(model, a, b, "rnd" if rd[i] > research_active and rnd_allowed else "education",
                strength=s)
        uni_degree[k] += 1
        formed += 1
    return formed
