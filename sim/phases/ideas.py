"""Innovation from combining capabilities, alone or in a joint project with a partner.

A firm's capabilities are its expertise in each technology field (``kfield``: one field per
sector; a firm is deep in its own field and shallow elsewhere, a university broad and deep).
An innovation idea combines the firm's own field with one more field drawn from the
capabilities at hand, in proportion to their expertise. Alone, those are the firm's own; in a
joint project with an R&D partner (a firm or a university it is tied to), the two pool them:
the partner's lead in a field counts as far as the firm can understand it, which falls with
the cognitive distance between their profiles. The idea succeeds with a chance that rises with
the expertise it combines and with its fit to what the firm's market values (fields of the
own sector or of the sectors it supplies or buys from); a joint idea gains on top a novelty
bonus, largest at a middle cognitive distance (Nooteboom's inverted U: too similar partners
add nothing new, too distant ones cannot be understood), and more with the partners' trust
(the tie's strength). Failure is common: the quarter's R&D spending then buys only knowledge.

After a joint project the partners learn from each other in the idea's fields; success builds
trust, failure erodes it, so repeated failure ends an alliance (ties below the least strength
dissolve). A firm picks, among its R&D ties, the partner with the best expected bonus (trust x
novelty x understanding).

The SKIN model (Gilbert, Pyka and Ahrweiler 2001, "Innovation networks - a simulation
approach", JASSS 4(3)) is the model for capabilities, pooling and partner learning; the forms
and values below are assumed unless a source is named, and docs/model.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.sectors import N_SECTORS, SUPPLIES
from sim.network.ties import RND, EdgeArrays

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Expertise scale of an idea's success: success = fit x (1 - exp(-expertise / this)), where
#: expertise is the geometric mean of the pooled expertise in the idea's two fields (assumed,
#: range 2-5: set so that about half of all ideas fail, within the published 40-75% of
#: innovation projects, docs/validation.md).
EXPERTISE_SCALE = 3.5
#: Fit of an idea whose second field is neither the firm's own sector nor one its sector
#: supplies or buys from (assumed: half the value to the firm's market; range 0.3-0.8).
FIT_UNRELATED = 0.5
#: Novelty bonus of a joint idea at the best cognitive distance and full trust: the chance of
#: failure shrinks by this share (assumed, range 0.1-0.5; docs/validation.md compares the
#: share of joint projects that fail, 30-70% in the published evidence, and the effect of
#: cooperation on innovation with the published estimates).
JOINT_GAIN = 0.3
#: Cognitive distance (1 - cosine similarity of two capability profiles) at which the novelty
#: bonus peaks: the bonus is 4 x (d / (2 x this)) x (1 - d / (2 x this)), zero at d = 0 and
#: at twice this (assumed: the middle of the range; range 0.3-0.6).
BEST_DISTANCE = 0.5
#: Multiple of BEST_DISTANCE at which the novelty bonus falls back to 0 (by definition of the
#: form: the parabola x(1 - x) in x = distance / (this x BEST_DISTANCE) is 0 at x = 1).
NOVELTY_ZERO_AT = 2.0
#: Scale of the parabola x(1 - x) so the bonus factor is 1 at its peak, x = 1/2 (by
#: definition: 4 x 1/2 x 1/2 = 1).
NOVELTY_PEAK = 4.0
#: Share of a partner's lead in an idea's fields that each partner learns after a joint
#: project, times the understanding (1 - distance) (assumed, range 0.05-0.3).
JOINT_LEARNING = 0.15
#: Strength a tie gains after a joint success (trust; assumed, range 0.05-0.2).
TRUST_GAIN = 0.1
#: Strength a tie loses after a joint failure (assumed, range 0.05-0.3: with ties starting at
#: 0.5 and dissolving below 0.15, two failures in a row end a new alliance).
TRUST_LOSS = 0.1
#: Expertise a successful idea adds in each of its two fields (learning by innovating;
#: assumed, range 0.1-0.4, against a typical own-field expertise of 2: with knowledge
#: obsolescence it adds a bounded stock; docs/validation.md compares the persistence of
#: innovation it helps make with the published estimates).
SUCCESS_LEARNING = 0.2
#: Ideas a quarter that R&D partners bring, per unit of the strength of the firm's R&D ties
#: (partners propose joint work; assumed, range 0.05-0.2; docs/validation.md compares the
#: effect of cooperation it makes with the published estimates).
PARTNER_IDEA_RATE = 0.16
#: Strength of R&D ties (summed) beyond which partners bring no more ideas (assumed: two
#: strong partners' worth).
PARTNER_IDEA_CAP = 2.0
#: Elasticity of the expertise ideas need with respect to the world technology frontier
#: (assumed, range 2-4: the smallest that keeps output per worker within 5% growth a year
#: over a century, tests/test_long_horizon.py; :func:`difficulty`).
DIFFICULTY_ELASTICITY = 3.0
#: Ideas a firm forms for each innovation its hazard would bring if every idea succeeded
#: (assumed: about half of all ideas fail, so a firm tries about twice as often as it
#: succeeds; range 1.5-3).
IDEAS_PER_SUCCESS = 2.0


@dataclass
class Ideas:
    """The ideas of one quarter.

    Attributes:
        rows: firm rows that formed an idea.
        partner: node index of each idea's partner (firm row or n + university index), -1
            when the firm works alone.
        slot: the partner tie's slot in ``model.graph.ties`` (-1 alone).
        field: the idea's second field (its first is the firm's own sector).
        distance: cognitive distance to the partner (0 alone).
        expertise: geometric mean of the pooled expertise in the two fields.
        chance: chance of success.
        success: whether it succeeded.
        sales: the firm's sales in the quarter of the idea (USD m).
        partner_k: the partner's expertise by field when the idea formed (0 alone).
        scale: the expertise scale of success this quarter (:func:`difficulty`).
    """

    rows: np.ndarray
    partner: np.ndarray
    slot: np.ndarray
    field: np.ndarray
    distance: np.ndarray
    expertise: np.ndarray
    chance: np.ndarray
    success: np.ndarray
    sales: np.ndarray
    partner_k: np.ndarray
    scale: float = EXPERTISE_SCALE

    @property
    def joint(self) -> np.ndarray:
        """Which ideas are joint projects."""
        return self.partner >= 0

    @property
    def level(self) -> np.ndarray:
        """Technology level of each idea, 0-1: how much expertise it combines."""
        return 1.0 - np.exp(-self.expertise / self.scale)


def difficulty(model: ClusterModel) -> float:
    """Expertise scale of ideas' success now: EXPERTISE_SCALE times (world technology frontier
    / its level at the start) to the power DIFFICULTY_ELASTICITY. Ideas get harder to find as
    the world's technology advances: Bloom, Jones, Van Reenen and Webb (2020, American
    Economic Review 110(4): 1104-1144) find that "research effort is rising substantially
    while research productivity is declining sharply" (abstract, as found); tying it to the
    frontier, which moves the same in every scenario, is assumed. Without it, knowledge,
    success and process efficiency feed each other and productivity compounds beyond any
    economy's record over long horizons (tests/test_long_horizon.py)."""
    start = getattr(model, "frontier0", 0.0)
    if start <= 0:
        return EXPERTISE_SCALE
    return EXPERTISE_SCALE * max(model.frontier / start, 1.0) ** DIFFICULTY_ELASTICITY


def novelty(distance: np.ndarray | float) -> np.ndarray:
    """Novelty bonus factor of a joint idea, 0-1, by cognitive distance: an inverted U, 1 at
    ``BEST_DISTANCE``, 0 for identical profiles and at twice that distance or more."""
    x = np.asarray(distance, dtype=float) / (NOVELTY_ZERO_AT * BEST_DISTANCE)
    return np.clip(NOVELTY_PEAK * x * (1.0 - x), 0.0, 1.0)


def cognitive_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 - cosine similarity of capability profiles (rows of ``a`` against rows of ``b``):
    0 for the same mix of fields, 1 for profiles with no field in common."""
    dot = np.einsum("ij,ij->i", a, b)
    square = np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", b, b)
    return np.clip(1.0 - dot / np.maximum(np.sqrt(square), 1e-12), 0.0, 1.0)


def related_fields(sector: np.ndarray) -> np.ndarray:
    """Fields (ideas' second fields) that fit a firm's market: its own sector's and those of
    the sectors it supplies or buys from (rows: firms, columns: fields)."""
    return (SUPPLIES | SUPPLIES.T)[sector] | (np.arange(N_SECTORS) == sector[:, None])


def choose_partners(model: ClusterModel, edges: EdgeArrays, nodes_k: np.ndarray,
                    rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each firm of ``rows``, the R&D partner (node index) with the best expected bonus,
    trust x novelty x understanding, the tie's position in ``edges`` (both -1 where it has
    no R&D tie, or no partner worth working with) and the cognitive distance to the partner
    (0 without one)."""
    n_nodes = edges.n_nodes
    partner = np.full(rows.size, -1, dtype=np.int64)
    where = np.full(rows.size, -1, dtype=np.int64)
    none = (partner, where, np.zeros(rows.size))
    rnd = np.flatnonzero(edges.kind == RND)
    if rnd.size == 0 or rows.size == 0:
        return none
    # only the ties of this quarter's idea-makers, from the maker's end
    making = np.zeros(n_nodes, dtype=bool)
    making[rows] = True
    u, v = edges.u[rnd], edges.v[rnd]
    at_u, at_v = making[u], making[v]
    src = np.concatenate([u[at_u], v[at_v]])
    dst = np.concatenate([v[at_u], u[at_v]])
    pos = np.concatenate([rnd[at_u], rnd[at_v]])
    if src.size == 0:
        return none
    d = cognitive_distance(nodes_k[src], nodes_k[dst])
    sc = edges.strength[pos] * novelty(d) * (1.0 - d)
    # keep each maker's best (the first of equal bests in tie order), without sorting
    top = np.zeros(n_nodes)
    np.maximum.at(top, src, sc)
    best = np.flatnonzero((sc == top[src]) & (sc > 0))[::-1]  # assigned last to first
    best_partner = np.full(n_nodes, -1, dtype=np.int64)
    best_pos = np.full(n_nodes, -1, dtype=np.int64)
    best_distance = np.zeros(n_nodes)
    best_partner[src[best]] = dst[best]
    best_pos[src[best]] = pos[best]
    best_distance[src[best]] = d[best]
    return best_partner[rows], best_pos[rows], best_distance[rows]


def node_expertise(model: ClusterModel) -> np.ndarray:
    """Expertise by field of every cooperation node, firms' rows then universities' (the node
    order of :class:`sim.network.ties.EdgeArrays`)."""
    kf = model.firms["kfield"]
    if not model.universities:
        return kf
    return np.concatenate([kf, np.array([u.kfield for u in model.universities])])


def rnd_strength(edges: EdgeArrays) -> np.ndarray:
    """Summed strength of each node's R&D ties (firms, then universities)."""
    rnd = edges.kind == RND
    w = edges.strength[rnd]
    return np.bincount(edges.u[rnd], weights=w, minlength=edges.n_nodes) \
        + np.bincount(edges.v[rnd], weights=w, minlength=edges.n_nodes)


def form_ideas(model: ClusterModel, edges: EdgeArrays, hazard: np.ndarray) -> Ideas:
    """Firms form ideas (at ``hazard`` x IDEAS_PER_SUCCESS a quarter, plus
    PARTNER_IDEA_RATE per unit of R&D-tie strength up to PARTNER_IDEA_CAP), alone or with
    their best R&D partner, and each succeeds or fails."""
    f, rng = model.firms, model.rng
    n = f.n
    rate = hazard * IDEAS_PER_SUCCESS + PARTNER_IDEA_RATE * np.minimum(
        rnd_strength(edges)[:n], PARTNER_IDEA_CAP)
    # every firm draws, idea or not, so the stream of random numbers does not depend on how
    # many ideas there are (paired runs keep their draws in step)
    draw_idea, draw_field, draw_success = rng.random(n), rng.random(n), rng.random(n)
    rows = np.flatnonzero(draw_idea < 1.0 - np.exp(-rate))
    kf = f["kfield"]
    nodes_k = node_expertise(model)
    partner, pos, distance = choose_partners(model, edges, nodes_k, rows)
    joint = partner >= 0
    own = kf[rows]
    other = np.where(joint[:, None], nodes_k[np.maximum(partner, 0)], 0.0)
    understand = np.where(joint, 1.0 - distance, 0.0)
    pooled = own + understand[:, None] * np.maximum(other - own, 0.0)
    # the second field: drawn in proportion to the pooled expertise
    cdf = np.cumsum(np.maximum(pooled, 0.0), axis=1)
    field = np.minimum((cdf < (draw_field[rows] * cdf[:, -1])[:, None]).sum(axis=1),
                       N_SECTORS - 1)
    sector = f["sector"][rows].astype(np.int64)
    idx = np.arange(rows.size)
    expertise = np.sqrt(pooled[idx, sector] * pooled[idx, field])
    fit = np.where(related_fields(sector)[idx, field], 1.0, FIT_UNRELATED)
    scale = difficulty(model)
    chance = fit * (1.0 - np.exp(-expertise / scale))
    slot = np.full(rows.size, -1, dtype=np.int64)
    slot[joint] = edges.live_slots(model.graph.ties, pos[joint])
    trust = np.zeros(rows.size)  # the tie's strength now, or last quarter's if it is gone
    trust[joint] = edges.strength[pos[joint]]
    live = slot >= 0
    trust[live] = model.graph.ties.strength[slot[live]]
    bonus = JOINT_GAIN * novelty(distance) * trust
    chance = chance + (1.0 - chance) * np.where(joint, bonus, 0.0)
    success = draw_success[rows] < chance
    return Ideas(rows, partner, slot, field, distance, expertise, chance, success,
                 f["sales_total"][rows].copy(), other, scale)


def learn_by_innovating(model: ClusterModel, ideas: Ideas) -> None:
    """A successful idea deepens the firm's expertise in both its fields by
    ``SUCCESS_LEARNING``: success breeds success."""
    won = ideas.success
    if not won.any():
        return
    kf = model.firms["kfield"]
    rows = ideas.rows[won]
    own = model.firms["sector"][rows].astype(np.int64)
    kf[rows, own] += SUCCESS_LEARNING
    other = ideas.field[won] != own  # the same field twice deepens once
    kf[rows[other], ideas.field[won][other]] += SUCCESS_LEARNING


def after_joint_projects(model: ClusterModel, ideas: Ideas) -> None:
    """Partners of joint projects learn from each other in the idea's fields; success builds
    the tie's trust, failure erodes it, and a tie whose trust falls below the least strength
    (``tie_min_strength``), or to nothing, ends."""
    joint = np.flatnonzero(ideas.joint)
    if joint.size == 0:
        return
    f = model.firms
    n = f.n
    kf = f["kfield"]
    rows, partner = ideas.rows[joint], ideas.partner[joint]
    fields = np.stack([f["sector"][rows].astype(np.int64), ideas.field[joint]])
    understand = 1.0 - ideas.distance[joint]
    firm_partner = partner < n
    idx = np.arange(joint.size)
    partner_k = ideas.partner_k[joint]
    fp = np.flatnonzero(firm_partner)  # universities' expertise does not change here
    for fld in fields:
        mine = kf[rows, fld]
        theirs = partner_k[idx, fld]
        gain_self = JOINT_LEARNING * understand * np.maximum(theirs - mine, 0.0)
        gain_partner = JOINT_LEARNING * understand * np.maximum(mine - theirs, 0.0)
        np.add.at(kf, (rows, fld), gain_self)
        np.add.at(kf, (partner[fp], fld[fp]), gain_partner[fp])
    t = model.graph.ties
    slot = ideas.slot[joint]
    ok = slot >= 0
    change = np.where(ideas.success[joint], TRUST_GAIN, -TRUST_LOSS)[ok]
    s = slot[ok]
    np.add.at(t.strength, s, change)
    t.strength[s] = np.clip(t.strength[s], 0.0, 1.0)
    # an alliance whose trust falls below the least strength ends at once
    gone = (t.strength[s] < model.params["tie_min_strength"]) | (t.strength[s] <= 0.0)
    dead = np.unique(s[gone])
    if dead.size:
        model.graph.discard_ties(zip(t.a[dead].tolist(), t.b[dead].tolist(), strict=True))
