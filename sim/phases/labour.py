"""Labour and skills: productivity; a finite labour force per country with an unemployed pool
by education group (:mod:`sim.phases.labour_pool`); vacancies, matching and poaching; wages on
a wage curve and productivity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.countries import COUNTRIES, per_country
from sim.inputs.sectors import N_SECTORS
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.phases import labour_pool

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

# ----------------------------------------------------------------- the labour force
#: Yearly growth of the labour force, AZ and BY (source: AZ, State Statistics Committee
#: labour-market table: economically active population 4,840.7 thousand in 2014 and 5,133.1
#: thousand in 2018, about +1.5% a year; BY assumed -0.5% a year, range -1.5% to 0: Belstat
#: counts 58.9 thousand fewer employed in the year to June 2023, about -1.4%, and
#: macrocenter.by a steady decline through the decade from ageing and emigration).
LABOUR_FORCE_GROWTH = np.array([0.015, -0.005])
#: Share of the labour force that retires each year (assumed: a working life of about 40
#: years; range 0.02-0.03).
RETIREMENT_RATE = 0.025
#: Share of the gap between the starting unemployment rate and the modelled industries' own
#: that workers moving to and from the rest of the economy close in a quarter (assumed 0.1,
#: range 0.05-0.25: the modelled industries are a small part of each economy, so their pool
#: is open to it; this keeps their unemployment near the national rate, with a lag and an
#: offset, when their employment grows slower or faster than the national labour force).
OUTSIDE_MOBILITY = 0.1
#: University graduates a year per worker of the labour force, AZ and BY (source: AZ,
#: invest.gov.az: "over 37,000 university graduates annually" and a labour force of 5,190.1
#: thousand (2019), 0.71%; BY derived: 336,400 students in 2014/15 (Belstat via Kazinform)
#: over a 4-5-year course, about 75 thousand a year, over an economically active population
#: of 4.91 million (2019 census), about 1.5%). The same share is applied to the modelled
#: industries' labour force.
GRADUATE_RATE = np.array([0.0071, 0.015])
#: Share of the unemployed pool that finds a job in a quarter when vacancies are plentiful
#: (assumed 0.3, range 0.2-0.6: Shimer (2008, AER) finds a US monthly job-finding probability
#: of 31% for spells under six months, about 0.67 a quarter, an upper bound for labour
#: markets with long unemployment spells such as AZ's and BY's).
MATCH_RATE = 0.3

# ----------------------------------------------------------------- wages
#: Elasticity of the wage with respect to the unemployment rate (source: Blanchflower and
#: Oswald, "International Wage Curves" (NBER w4200, 1992) and The Wage Curve (1994): "the
#: average unemployment elasticity of pay is approximately -0.1"; Nijkamp and Poot (2005,
#: Journal of Economic Surveys 19(3)), a meta-analysis of 208 elasticities: reported values
#: range from about -0.5 to +0.1 and "an unbiased estimate ... is about -0.07").
WAGE_CURVE_ELASTICITY = -0.1
#: Lowest unemployment rate the wage curve reads (assumed: frictional unemployment; keeps
#: the curve finite when the pool runs dry).
MIN_UNEMPLOYMENT_RATE = 0.005
#: Share of the gap between the market wage and its wage-curve level closed in a quarter
#: (assumed 0.5, range 0.25-1: wages are renegotiated within a year).
WAGE_ADJUST = 0.5

# ----------------------------------------------------------------- poaching
#: Rise of a private firm's wage premium in a quarter its vacancies go unfilled (assumed:
#: 2% of the wage a quarter).
PREMIUM_STEP = 0.02
#: Unfilled vacancies, as a share of a firm's workers, below which it does not raise its
#: premium (assumed: small gaps are tolerated).
UNFILLED_TOLERANCE = 0.005
#: Share of a firm's wage premium that fades in a quarter its vacancies are filled (assumed).
PREMIUM_DECAY = 0.25
#: Highest wage premium a firm offers over the market wage (assumed: 30%).
MAX_PREMIUM = 0.3
#: Share of a firm's unfilled vacancies it fills by poaching per unit of wage premium, up to
#: all of them (assumed: a 10% premium draws half of them).
POACH_PER_PREMIUM = 5.0
#: Elasticity of a firm's loss of workers to poaching with respect to its wage relative to
#: the mean wage of its country and sector (assumed: lower-paying firms lose more; range 1-4).
POACH_PAY_SENSITIVITY = 2.0
#: Largest share of a firm's workers poached in a quarter (assumed).
MAX_POACHED_SHARE = 0.05


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
    """Quarterly wage per worker (USD m): the country's market wage (state-owned firms: the
    state wage), with a premium for skill above the country's average employed worker (a
    general rise in skill is paid through productivity) and the firm's own wage premium."""
    f = model.firms
    c = f["country"]
    skill = 1.0 + model.params["wage_skill_premium"] * (f["skill"] - model.workforce_skill[c])
    base = np.where(f["state_owned"], model.wage_state[c], model.wage[c])
    return base * np.maximum(skill, MIN_WAGE_FACTOR) * (1.0 + f["wage_premium"])


def graduate_skill(model: ClusterModel, country: int) -> float:
    """Mean skill of the graduates a country's universities send to the labour pool."""
    unis = [u.graduate_skill for u in model.universities if u.country_index == country]
    return float(np.mean(unis)) if unis else float(model.pool_skill[country])


def employment(model: ClusterModel) -> np.ndarray:
    """Workers employed by the model's firms, per country."""
    f = model.firms
    return per_country(f["employees"], f["country"])


def unemployed(model: ClusterModel) -> np.ndarray:
    """Unemployed workers of the modelled industries' labour force, per country."""
    return np.maximum(model.labour_force - employment(model), 0.0)


def labour_phase(model: ClusterModel) -> None:
    """The labour force renews itself; firms lay off or post vacancies toward planned
    employment; the pool fills a share of the vacancies, firms that stay short raise a wage
    premium and poach; wages follow tightness and productivity."""
    f, p = model.firms, model.params
    c = f["country"]
    _renew_labour_force(model)
    fit_to_labour_force(model)
    f["productivity"] = productivity(model)
    expected = f["demand"] * (1.0 + model.demand_growth[c])
    desired = expected / (f["productivity"] * p["target_utilisation"])
    desired = np.minimum(desired, MAX_STAFFING * f["capital"] / p["capital_per_worker"])
    old = f["employees"].copy()
    planned = np.maximum(old + p["hire_speed"] * (desired - old), 1.0)
    _lay_off(model, np.maximum(old - planned, 0.0))
    vacancies = np.maximum(planned - f["employees"], 0.0)
    f["vacancies"] = vacancies
    unfilled = vacancies - _hire(model, vacancies)
    _poach(model, unfilled)
    model.workforce_skill = _workforce_skill(model)
    labour_pool.drift(model, model.workforce_skill, p["skill_adjust"])
    f["productivity"] = productivity(model)
    f["capacity"] = f["productivity"] * f["employees"]
    _set_wages(model)


def _workforce_skill(model: ClusterModel) -> np.ndarray:
    """Employment-weighted mean skill of each country's workers."""
    f = model.firms
    c = f["country"]
    employed = per_country(f["employees"], c)
    return np.divide(per_country(f["skill"] * f["employees"], c), employed,
                     out=model.pool_skill.copy(), where=employed > 0)


def _renew_labour_force(model: ClusterModel) -> None:
    """Graduates join the pool's tertiary group with their skill, retirees leave (firms
    replace theirs from the pool at once); other entrants (school leavers, re-entrants,
    migrants) join by the country's education shares so that the labour force grows at its
    trend, and workers move between the pool and the rest of the economy toward the starting
    unemployment rate (:data:`OUTSIDE_MOBILITY`): into a tight pool, out of a slack one."""
    lf = model.labour_force
    pool = unemployed(model)
    set_graduates(model)
    grads = np.array([sum(u.graduates for u in model.universities if u.country_index == k)
                      for k in (0, 1)])
    grad_skill = np.array([graduate_skill(model, k) for k in (0, 1)])
    retiring = np.minimum(RETIREMENT_RATE / QUARTERS_PER_YEAR * lf, pool)
    left = pool - retiring
    trend = (LABOUR_FORCE_GROWTH + RETIREMENT_RATE) / QUARTERS_PER_YEAR
    entrants = lf * trend - grads
    mobility = lf * OUTSIDE_MOBILITY * (model.unemployment0 - pool / lf)
    others = np.maximum(entrants + mobility, -left)
    inflow = np.maximum(entrants, 0.0) + np.maximum(mobility, 0.0)
    labour_pool.renew(model, pool, retiring, grads, grad_skill, inflow, others - inflow)
    model.labour_force = lf - retiring + grads + others


def fit_to_labour_force(model: ClusterModel) -> None:
    """Employment never exceeds the labour force: where it would (entrants hired this
    quarter, a shrinking labour force), this quarter's entrants hire fewer, and if that is not
    enough every firm of the country sheds workers in proportion."""
    f = model.firms
    c = f["country"]
    excess = employment(model) - model.labour_force
    if (excess <= 0).all():
        return
    new = f["born"] >= model.quarter
    entrants = per_country(np.where(new, f["employees"], 0.0), c)
    cut = np.minimum(np.maximum(excess, 0.0), entrants)
    share = np.divide(cut, entrants, out=np.zeros(2), where=entrants > 0)
    f["employees"] = np.where(new, f["employees"] * (1.0 - share[c]), f["employees"])
    lf = model.labour_force
    over = np.divide(employment(model), lf, out=np.ones(2), where=lf > 0)
    f["employees"] = f["employees"] / np.maximum(over, 1.0)[c]


def _lay_off(model: ClusterModel, layoffs: np.ndarray) -> None:
    """Workers laid off join the pool's education groups near their firm's skill."""
    labour_pool.lay_off(model, layoffs, unemployed(model))


def _hire(model: ClusterModel, vacancies: np.ndarray) -> np.ndarray:
    """A share of the pool (:data:`MATCH_RATE`) can be matched in a quarter; firms hire from
    the education groups near their skill (:func:`sim.phases.labour_pool.hire`), rationed
    across firms in proportion to their vacancies. Returns hires per firm."""
    pool = unemployed(model)
    return labour_pool.hire(model, vacancies, MATCH_RATE * pool, pool)


def _poach(model: ClusterModel, unfilled: np.ndarray) -> None:
    """Private firms with unfilled vacancies raise a wage premium and poach workers from the
    firms of their country and sector, mostly from the lower-paying ones; the premium fades
    while vacancies are filled. State-owned firms neither offer premiums nor poach."""
    f = model.firms
    private = ~f["state_owned"]
    short = private & (unfilled > UNFILLED_TOLERANCE * f["employees"])
    f["wage_premium"] = np.where(
        short, np.minimum(f["wage_premium"] + PREMIUM_STEP, MAX_PREMIUM),
        f["wage_premium"] * (1.0 - PREMIUM_DECAY))
    want = np.where(private, unfilled * np.minimum(POACH_PER_PREMIUM * f["wage_premium"], 1.0),
                    0.0)
    if not (want > 0).any():
        return
    group = f["country"].astype(np.int64) * N_SECTORS + f["sector"]
    size = len(COUNTRIES) * N_SECTORS
    emp = f["employees"]
    wage = wage_per_worker(model)
    mean_wage = np.bincount(group, emp * wage, size) / np.maximum(
        np.bincount(group, emp, size), 1e-9)
    pull = emp * (mean_wage[group] / wage) ** POACH_PAY_SENSITIVITY
    wanted = np.bincount(group, want, size)
    losses = np.minimum(wanted[group] * pull / np.maximum(np.bincount(group, pull, size),
                                                          1e-9)[group],
                        MAX_POACHED_SHARE * emp)
    moved = np.bincount(group, losses, size)
    moved_skill = np.bincount(group, losses * f["skill"], size) / np.maximum(moved, 1e-9)
    gains = want * (moved / np.maximum(wanted, 1e-9))[group]
    staying = emp - losses
    f["skill"] = (f["skill"] * staying + moved_skill[group] * gains) / (staying + gains)
    f["employees"] = staying + gains


def productivity_wage(model: ClusterModel) -> np.ndarray:
    """Wage each country's employment-weighted average productivity would pay (starting wage
    times productivity growth to the power ``wage_indexation``)."""
    f = model.firms
    c = f["country"]
    emp = per_country(f["employees"], c)
    level = np.divide(per_country(f["productivity"] * f["employees"], c), emp,
                      out=model.productivity0.copy(), where=emp > 0)
    return model.wage0 * (level / model.productivity0) ** model.params["wage_indexation"]


def unemployment_rate(model: ClusterModel) -> np.ndarray:
    """Unemployed over the labour force, per country."""
    return unemployed(model) / model.labour_force


def _set_wages(model: ClusterModel) -> None:
    """The market wage moves part of the way (:data:`WAGE_ADJUST`) to the productivity wage
    times the wage curve, (u / u0) ** elasticity with u the unemployment rate and u0 its
    starting value; state-owned firms pay the productivity wage, whatever the tightness."""
    indexed = productivity_wage(model)
    rate = np.maximum(unemployment_rate(model), MIN_UNEMPLOYMENT_RATE)
    target = indexed * (rate / model.unemployment0) ** WAGE_CURVE_ELASTICITY
    model.wage = model.wage + WAGE_ADJUST * (target - model.wage)
    model.wage_state = indexed


def set_wage_reference(model: ClusterModel) -> None:
    """Full productivity of the starting firms and each country's average, to which wages
    are indexed from then on; the labour force from starting employment and the country's
    unemployment rate; each university's graduates a quarter."""
    f = model.firms
    f["productivity"] = productivity(model)
    f["capacity"] = f["productivity"] * f["employees"]
    model.wage0 = model.wage.copy()
    model.wage_state = model.wage.copy()
    country = f["country"]
    model.productivity0 = np.array([
        np.average(f["productivity"][country == k], weights=f["employees"][country == k])
        if (country == k).any() else 1.0 for k in (0, 1)])
    model.labour_force = np.maximum(employment(model), 1.0) / (1.0 - model.unemployment0)
    model.workforce_skill = _workforce_skill(model)
    set_graduates(model)


def set_graduates(model: ClusterModel) -> None:
    """Each university's graduates a quarter: :data:`GRADUATE_RATE` of its country's labour
    force (of the modelled industries, as it is now), shared equally among the country's
    universities."""
    for k in (0, 1):
        unis = [u for u in model.universities if u.country_index == k]
        for uni in unis:
            uni.graduates = GRADUATE_RATE[k] / QUARTERS_PER_YEAR * model.labour_force[k] \
                / len(unis)
