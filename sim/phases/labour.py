"""Labour and skills: productivity, wages, hiring toward planned output, the labour pool's skill."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Skill factor of productivity at a workforce skill of 0: the factor is (this + slope x
#: skill), relative to its value at the labour pool's starting skill (assumed: a fully skilled
#: workforce is 1.4 / 0.6, about 2.3 times, as productive as an unskilled one).
PRODUCTIVITY_AT_NO_SKILL = 0.6
#: Slope of the skill factor of productivity per unit of skill, 0-1 (assumed).
PRODUCTIVITY_PER_SKILL = 0.8
#: Management factor of productivity at management quality 0: the factor is (this + slope x
#: management), 0.8-1.2 (assumed: good management is worth up to 20% either way).
PRODUCTIVITY_AT_NO_MGMT = 0.8
#: Slope of the management factor of productivity per unit of management quality (assumed).
PRODUCTIVITY_PER_MGMT = 0.4
#: Share of productivity lost when input deliveries are wholly unreliable (delivery
#: discipline 0); the loss falls linearly to 0 at full discipline (assumed).
PRODUCTIVITY_LOSS_AT_NO_DELIVERY = 0.15
#: Lowest wage of a worker as a share of the country's wage, however far the firm's skill is
#: below the labour pool's (assumed: a floor for the skill premium).
MIN_WAGE_FACTOR = 0.5
#: Most workers a firm employs per workplace its equipment provides (capital / capital per
#: worker): planned hiring is capped there (assumed: some overstaffing, no more).
MAX_STAFFING = 1.2


def productivity(model: ClusterModel) -> np.ndarray:
    """Output per worker-quarter (USD m) from technology, process, skill, management, inputs."""
    f, p = model.firms, model.params
    c = f["country"]
    base = model.base_productivity[c] * np.exp(
        p["tech_productivity"] * (f["tech"] - model.tech_reference[c]))
    skill = (PRODUCTIVITY_AT_NO_SKILL + PRODUCTIVITY_PER_SKILL * f["skill"]) \
        / (PRODUCTIVITY_AT_NO_SKILL + PRODUCTIVITY_PER_SKILL * model.skill_reference[c])
    mgmt = PRODUCTIVITY_AT_NO_MGMT + PRODUCTIVITY_PER_MGMT * f["mgmt"]
    delivery = 1.0 - PRODUCTIVITY_LOSS_AT_NO_DELIVERY * (1.0 - f["input_delivery"])
    return base * f["process"] * skill * mgmt * delivery


def wage_per_worker(model: ClusterModel) -> np.ndarray:
    """Quarterly wage per worker (USD m), with a premium for skill above the labour pool."""
    f = model.firms
    c = f["country"]
    premium = 1.0 + model.params["wage_skill_premium"] * (f["skill"] - model.pool_skill[c])
    return model.wage[c] * np.maximum(premium, MIN_WAGE_FACTOR)


def graduate_skill(model: ClusterModel, country: int) -> float:
    """Mean skill of the graduates a country's universities send to the labour pool."""
    unis = [u.graduate_skill for u in model.universities if u.country_index == country]
    return float(np.mean(unis)) if unis else float(model.pool_skill[country])


def labour_phase(model: ClusterModel) -> None:
    """Hire toward planned employment; hires bring the labour pool's skill."""
    f, p = model.firms, model.params
    c = f["country"]
    grad = np.array([graduate_skill(model, k) for k in (0, 1)])
    model.pool_skill += p["skill_adjust"] * (grad - model.pool_skill)
    f["productivity"] = productivity(model)
    expected = f["demand"] * (1.0 + model.demand_growth[c])
    desired = expected / (f["productivity"] * p["target_utilisation"])
    desired = np.minimum(desired, MAX_STAFFING * f["capital"] / p["capital_per_worker"])
    old = f["employees"].copy()
    f["employees"] = np.maximum(old + p["hire_speed"] * (desired - old), 1.0)
    hires = np.maximum(f["employees"] - old, 0.0)
    f["skill"] = (f["skill"] * (f["employees"] - hires) + model.pool_skill[c] * hires) \
        / f["employees"]
    f["productivity"] = productivity(model)
    f["capacity"] = f["productivity"] * f["employees"]
    _index_wages(model)


def _index_wages(model: ClusterModel) -> None:
    """Wages follow each country's employment-weighted average labour productivity."""
    f, p = model.firms, model.params
    for k in (0, 1):
        mine = f["country"] == k
        if mine.any():
            level = np.average(f["productivity"][mine], weights=f["employees"][mine])
            model.wage[k] = model.wage0[k] * (level / model.productivity0[k]) \
                ** p["wage_indexation"]


def set_wage_reference(model: ClusterModel) -> None:
    """Full productivity of the starting firms and each country's average, to which wages
    are indexed from then on."""
    f = model.firms
    f["productivity"] = productivity(model)
    f["capacity"] = f["productivity"] * f["employees"]
    model.wage0 = model.wage.copy()
    country = f["country"]
    model.productivity0 = np.array([
        np.average(f["productivity"][country == k], weights=f["employees"][country == k])
        if (country == k).any() else 1.0 for k in (0, 1)])
