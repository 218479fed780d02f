"""R&D and innovation: own R&D builds knowledge, knowledge spills over along ties, firms form
ideas alone or in joint projects with partners (sim.phases.ideas), successful ideas raise
process efficiency or start and speed product projects, which pass four development stages
to launch; laggards imitate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.indicators import LAUNCH_WINDOW
from sim.inputs.countries import COUNTRIES
from sim.inputs.sectors import N_SECTORS
from sim.network.ties import EdgeArrays
from sim.phases.ideas import (
    after_joint_projects,
    form_ideas,
    learn_by_innovating,
    node_expertise,
)
from sim.phases.labour import wage_per_worker
from sim.phases.parks import park_services

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Knowledge scale of absorptive capacity: 1 - exp(-knowledge / scale * (ABSORPTION_AT_NO_SKILL
#: + skill)) (assumed).
ABSORPTIVE_SCALE = 3.0
#: Skill term of absorptive capacity at a workforce skill of 0: knowledge counts (this +
#: skill) times, 0.5-1.5 (assumed).
ABSORPTION_AT_NO_SKILL = 0.5

#: Knowledge a tie carries, relative to an R&D tie (assumed).
KNOWLEDGE_WEIGHT = np.array([0.3, 1.0, 0.4, 0.8, 0.0])

#: Knowledge in the own field gained per unit of R&D / wage-bill ratio (assumed).
RD_LEARNING = 2.0

#: Knowledge a university adds to each field per quarter, per unit of its research-capacity
#: index (assumed).
UNIVERSITY_KNOWLEDGE_PER_RESEARCH = 0.02
#: Factor on R&D's effect on the innovation hazard at absorptive capacity 0: the factor is
#: (this + absorptive capacity), 0.5-1.5 (assumed).
RD_EFFECT_AT_NO_ABSORPTIVE = 0.5
#: Share of innovations that raise process efficiency; the others are product innovations
#: (assumed: half).
PROCESS_SHARE = 0.5
#: Progress (a share of a whole project) that a product innovation adds to a product project
#: already under way (assumed).
PROJECT_BOOST = 0.25

#: Factor on product projects' speed at absorptive capacity 0: the factor is (this +
#: absorptive capacity), 0.5-1.5 (assumed).
PROJECT_SPEED_AT_NO_ABSORPTIVE = 0.5
#: Rise of product projects' speed with park services: the factor is (1 + this x services
#: level), up to 1.5 for full services (assumed).
PROJECT_SPEED_PER_SERVICES = 0.5
#: Factor on product projects' speed at no administrative barriers (assumed: with
#: PROJECT_SPEED_PER_BARRIER the factor is 1.3-0.7, and 1 at barrier 0.5). The
#: administrative-barrier index (0-1, country data) enters three mechanisms, each in its own
#: form: the investment lag is multiplied by (LAG_AT_NO_BARRIER + LAG_PER_BARRIER x barrier)
#: in sim.phases.investment, product projects' speed by (PROJECT_SPEED_AT_NO_BARRIER -
#: PROJECT_SPEED_PER_BARRIER x barrier) here, and the SME entry rate by (ENTRY_AT_NO_BARRIER
#: - barrier) in sim.phases.entry_exit.
PROJECT_SPEED_AT_NO_BARRIER = 1.3
#: Fall of product projects' speed factor per unit of the administrative-barrier index
#: (assumed; the three forms of the barrier: see PROJECT_SPEED_AT_NO_BARRIER).
PROJECT_SPEED_PER_BARRIER = 0.6


def absorptive_capacity(knowledge: np.ndarray, skill: np.ndarray) -> np.ndarray:
    """Absorptive capacity, 0-1: how much of the knowledge it meets a firm can take in, rising
    with its own knowledge and its workforce's skill (Cohen and Levinthal's concept; the form
    is assumed)."""
    return 1.0 - np.exp(-knowledge / ABSORPTIVE_SCALE * (ABSORPTION_AT_NO_SKILL + skill))


def spillovers(model: ClusterModel, edges: EdgeArrays) -> np.ndarray:
    """Knowledge a firm can absorb this quarter (firms x fields): the strength-weighted mean
    lead of its partners over it, field by field (zero where it is ahead)."""
    f = model.firms
    k = node_expertise(model)
    n_nodes, fields = edges.n_nodes, k.shape[1]
    w = edges.strength * KNOWLEDGE_WEIGHT[edges.kind]
    kt = k.T.copy()  # fields x nodes: each field's values in one row, the gathers contiguous
    lead_v = np.take(kt, edges.v, axis=1)
    lead_u = np.take(kt, edges.u, axis=1)
    np.subtract(lead_v, lead_u, out=lead_v)  # v's knowledge over u's
    lead_v *= w  # weighted by the tie (w >= 0: the same products as weighting the leads)
    np.minimum(lead_v, 0.0, out=lead_u)  # minus the lead of u over v
    np.maximum(lead_v, 0.0, out=lead_v)  # the lead of v over u
    gain = np.empty((n_nodes, fields))
    for field in range(fields):  # (a zero may carry the other sign: sums are the same)
        gain[:, field] = np.bincount(edges.u, weights=lead_v[field], minlength=n_nodes)
        gain[:, field] -= np.bincount(edges.v, weights=lead_u[field], minlength=n_nodes)
    total_w = np.bincount(edges.u, weights=w, minlength=n_nodes) \
        + np.bincount(edges.v, weights=w, minlength=n_nodes)
    gain /= np.maximum(total_w, 1.0)[:, None]
    return gain[: f.n]


def innovation_phase(model: ClusterModel, edges: EdgeArrays) -> None:
    """R&D builds knowledge; ties spill it over; firms form ideas alone or with a partner;
    successful ideas raise process efficiency or start and speed product projects; projects
    pass their stages and launch products."""
    f, p, rng = model.firms, model.params, model.rng
    n = f.n
    rows = np.arange(n)
    ratio = f["rd_spend"] / np.maximum(wage_per_worker(model) * f["employees"], 1e-12)
    kf = f["kfield"]
    kf[rows, f["sector"]] += RD_LEARNING * ratio
    gain = spillovers(model, edges)
    flow = p["spillover_rate"] * (1.0 + model.shifters.information[f["country"]])
    kf += (flow * f["absorptive"])[:, None] * gain
    kf *= 1.0 - p["knowledge_decay"]
    unis = model.universities
    if unis:  # all at once, then one row back to each
        uk = np.array([u.kfield for u in unis]) * (1.0 - p["knowledge_decay"]) \
            + UNIVERSITY_KNOWLEDGE_PER_RESEARCH * np.array([u.research for u in unis])[:, None]
        for uni, row in zip(unis, uk, strict=True):
            uni.kfield = row
    ones = np.ones(kf.shape[1])  # row sums as a product: faster than sum(axis=1) here
    f["absorptive"] = absorptive_capacity(kf @ ones, f["skill"])
    hazard = (p["base_innovation"]
              + p["rd_effect"] * ratio * (RD_EFFECT_AT_NO_ABSORPTIVE + f["absorptive"]))
    ideas = form_ideas(model, edges, hazard)
    after_joint_projects(model, ideas)
    learn_by_innovating(model, ideas)
    f["knowledge"] = kf @ ones
    f["absorptive"] = absorptive_capacity(f["knowledge"], f["skill"])
    model.ideas = ideas
    innovated = np.zeros(n, dtype=bool)
    won = ideas.rows[ideas.success]
    innovated[won] = True
    f["innovated"] = innovated
    level = np.zeros(n)
    level[won] = ideas.level[ideas.success]
    process = innovated & (rng.random(n) < PROCESS_SHARE)
    f["process"] = np.where(process, f["process"] * (1.0 + p["process_gain"]), f["process"])
    product = innovated & ~process
    f["product_idea"] = product
    idle = ~f["in_project"]
    start = product & idle
    f["project_start"] = np.where(start, model.quarter, f["project_start"])
    f["project_stage"] = np.where(start, 0, f["project_stage"])
    f["project_level"] = np.where(start, level, f["project_level"])
    f["in_project"] = f["in_project"] | product
    boost = np.where(product & ~idle, PROJECT_BOOST, 0.0)
    advance_projects(model, boost)
    _imitate(model)


def _imitate(model: ClusterModel) -> None:
    """Laggards imitate: product quality and process efficiency move toward their sector's
    average in their country, faster with absorptive capacity (Nelson-Winter imitation)."""
    f, p = model.firms, model.params
    group = f["country"].astype(int) * N_SECTORS + f["sector"]
    weight = np.maximum(f["sales_total"], 1e-12)
    count = np.bincount(group, weights=weight, minlength=len(COUNTRIES) * N_SECTORS)
    rate = p["imitation_rate"] * f["absorptive"]
    for column in ("quality", "process"):
        mean = np.bincount(group, weights=weight * f[column],
                           minlength=len(COUNTRIES) * N_SECTORS) / np.maximum(count, 1e-12)
        gap = np.maximum(mean[group] - f[column], 0.0)
        f[column] = f[column] + rate * gap


#: Development stages of a product project, in order.
STAGES = ("design", "pilot", "certification", "ramp_up")
#: Share of a project's length (``project_duration`` at speed factor 1) each stage takes
#: (assumed: design the longest, then pilot production, certification and ramp-up; range
#: +-0.1 each; docs/model.md).
STAGE_SHARE = np.array([0.3, 0.2, 0.3, 0.2])
#: Factor on the ramp-up's speed at a workforce skill of 0: the factor is (this + skill),
#: 0.5-1.5 (assumed).
RAMP_UP_AT_NO_SKILL = 0.5
#: Factor on the quality gain of a launch at technology level 0: a launch closes the share
#: product_quality_gain x (this + level), at most 1, of the firm's gap to full quality; level
#: 0-1 (assumed: 0.5-1.5).
QUALITY_GAIN_AT_LEVEL_0 = 0.5
#: Generations by which a launch at technology level 1 puts the firm's product ahead of its
#: own equipment (assumed, range 0.1-0.5): what machinery and electrical producers sell as
#: equipment at home (sim.phases.investment.domestic_equipment_tech).
PRODUCT_TECH_STEP = 0.3


def stage_factors(model: ClusterModel) -> list[np.ndarray]:
    """Speed factor of each stage for every firm: design with absorptive capacity, pilot
    production with park services, certification with low administrative barriers, ramp-up
    with the workforce's skill."""
    f = model.firms
    return [PROJECT_SPEED_AT_NO_ABSORPTIVE + f["absorptive"],
            1.0 + PROJECT_SPEED_PER_SERVICES * park_services(model),
            np.broadcast_to(PROJECT_SPEED_AT_NO_BARRIER
                            - PROJECT_SPEED_PER_BARRIER * model.admin_barrier[f["country"]],
                            (f.n,)),
            RAMP_UP_AT_NO_SKILL + f["skill"]]


def stage_speeds(model: ClusterModel) -> np.ndarray:
    """Progress a quarter in each stage (stages x firms, in shares of the stage): the stage
    factors (:func:`stage_factors`) over the stage's length at speed 1."""
    return np.stack(stage_factors(model)) \
        / (model.params["project_duration"] * STAGE_SHARE)[:, None]


def advance_projects(model: ClusterModel, boost: np.ndarray) -> None:
    """Product projects progress through their stages (a stage that ends during a quarter
    passes the rest of the quarter to the next, which ends in a later quarter at the
    earliest; a product innovation during a project adds ``boost`` of a whole project to the
    stage under way); a project past its last stage launches a product (quality up, the product's
    technology ahead of the firm's equipment) and records its time to market."""
    f, p = model.firms, model.params
    busy = f["in_project"]
    stage = np.minimum(f["project_stage"].astype(np.int64), len(STAGES) - 1)
    speeds = stage_speeds(model)
    rows = np.arange(f.n)
    speed = speeds[stage, rows]
    progress = f["project_progress"] + speed + boost / STAGE_SHARE[stage]
    ahead = busy & (progress >= 1.0)
    # the part of the quarter left after a stage ends goes to the next, at that stage's speed
    after = np.minimum(stage + 1, len(STAGES) - 1)
    carried = np.minimum((progress - 1.0) / np.maximum(speed, 1e-12), 1.0) * speeds[after, rows]
    f["project_progress"] = np.where(busy, np.where(ahead, np.minimum(carried, 1.0 - 1e-9),
                                                    progress), 0.0)
    f["project_stage"] = np.where(busy, stage + ahead, 0)
    done = np.flatnonzero(busy & (f["project_stage"] >= len(STAGES)))
    if done.size == 0:
        return
    level = f["project_level"][done]
    # the share of its gap to full quality a launch closes, at most all of it
    closed = np.minimum(p["product_quality_gain"] * (QUALITY_GAIN_AT_LEVEL_0 + level), 1.0)
    f["quality"][done] += closed * (1.0 - f["quality"][done])
    f["product_tech"][done] = np.maximum(f["product_tech"][done], f["tech"][done]) \
        + PRODUCT_TECH_STEP * level
    record_launches(model, f["country"][done].astype(np.int64),
                    model.quarter - f["project_start"][done] + 1)
    f["in_project"][done] = False
    f["project_progress"][done] = 0.0
    f["project_stage"][done] = 0


def record_launches(model: ClusterModel, countries: np.ndarray, durations: np.ndarray) -> None:
    """Log product launches of this quarter (country codes, times to market)."""
    q = model.quarter
    counts = np.bincount(countries, minlength=2)
    totals = np.bincount(countries, weights=durations, minlength=2)
    for key, count, total in ((COUNTRIES[0], counts[0], totals[0]),
                              (COUNTRIES[1], counts[1], totals[1]),
                              ("JOINT", counts.sum(), totals.sum())):
        log = model.launches[key]
        for old in [k for k in log if k <= q - LAUNCH_WINDOW]:
            del log[old]
        if count:
            entry = log.setdefault(q, [0, 0])
            entry[0] += int(count)
            entry[1] += int(round(total))

