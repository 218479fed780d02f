"""The unemployed pool by education: three groups (general schooling only, vocational or
secondary specialised, tertiary), each with its share of the pool and its mean skill.

Firms fill their vacancies from the groups in proportion to their unemployed, less from groups
less skilled than their own workforce;
a group that runs short rations its hires, and firms fill part of what is left from the other
groups, bringing their skill. Graduates join the tertiary group, vocational courses move
workers from general schooling to a vocational qualification, laid-off workers return to the
groups near their firm's skill. The pool's mean skill (``model.pool_skill``) is the
share-weighted mean of the groups' skills.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.countries import COUNTRIES, per_country

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Education groups of the labour pool, in order.
GROUPS = ("general", "vocational", "tertiary")
#: Index of the tertiary group, which graduates join (by definition of the groups).
TERTIARY = 2
#: Index of the group vocational courses draw trainees from first (by definition).
GENERAL = 0
#: Index of the group trained workers join (by definition).
VOCATIONAL = 1
#: Years of schooling above general secondary of each group (assumed: vocational-technical
#: and secondary specialised courses of 2-3 years, a first degree of 4-5 years).
SCHOOLING_YEARS = np.array([0.0, 2.5, 4.5])
#: Productivity return to a year of schooling, which sets how far apart the groups' skills
#: start (source: Psacharopoulos and Patrinos (2018, Education Economics 26:5), 1,120
#: estimates in 139 countries: "The private average global return to a year of schooling is
#: 9% a year"; taken as the productivity gap, i.e. wages paid at productivity).
RETURN_PER_YEAR = 0.09
#: Width (in skill units, 0-1) of a firm's preference for workers at least as skilled as its
#: workforce: a group one width less skilled draws exp(-1/2), about 61%, of the hires it
#: would draw at the firm's skill and the same size; more skilled groups draw in full
#: (assumed, range 0.1-0.3).
FIT_WIDTH = 0.2
#: Factor in the normal kernel exp(-factor x (gap / width)^2) of that preference (by
#: definition: one half).
KERNEL = 0.5
#: Share of the vacancies a group short of workers leaves unfilled that firms fill from the
#: other groups in the same quarter (assumed 0.5, range 0.25-1: skill mismatch keeps some
#: vacancies open while other groups have unemployed workers).
SETTLE_SHARE = 0.5


def group_levels(mean_skill: float, shares: np.ndarray, at_no_skill: float,
                 per_skill: float) -> np.ndarray:
    """Starting skill of each group: productivity factors (``at_no_skill`` + ``per_skill``
    x skill) that rise by :data:`RETURN_PER_YEAR` per year of :data:`SCHOOLING_YEARS`, scaled
    so that their share-weighted mean is the factor at the pool's mean skill; clipped to 0-1."""
    relative = (1.0 + RETURN_PER_YEAR) ** SCHOOLING_YEARS
    mean_factor = at_no_skill + per_skill * mean_skill
    factors = mean_factor * relative / float(np.dot(shares, relative))
    return np.clip((factors - at_no_skill) / per_skill, 0.0, 1.0)


def education_shares(tertiary: float, vocational: float) -> np.ndarray:
    """Shares of the three groups from the tertiary and vocational shares (general schooling
    takes the rest; the two are scaled down if they add to more than 1)."""
    top = np.array([max(vocational, 0.0), max(tertiary, 0.0)])
    if top.sum() > 1.0:
        top = top / top.sum()
    return np.array([1.0 - top.sum(), top[0], top[1]])


def start_pool(model: ClusterModel, shares: np.ndarray, at_no_skill: float,
               per_skill: float) -> None:
    """The pool's starting groups per country (``shares``: countries x groups) around the
    country's pool skill (``model.pool_skill``)."""
    model.education_shares = np.asarray(shares, dtype=float)
    model.pool_share = model.education_shares.copy()
    model.pool_level = np.stack([
        group_levels(model.pool_skill[k], model.pool_share[k], at_no_skill, per_skill)
        for k in range(len(model.pool_skill))])
    sync_pool_skill(model)


def sync_pool_skill(model: ClusterModel) -> None:
    """The pool's mean skill from its groups."""
    model.pool_skill = (model.pool_share * model.pool_level).sum(axis=1)


def pool_counts(model: ClusterModel, unemployed: np.ndarray) -> np.ndarray:
    """Unemployed workers per country and group."""
    return np.asarray(unemployed, dtype=float)[:, None] * model.pool_share


def set_counts(model: ClusterModel, counts: np.ndarray) -> None:
    """New shares from counts per country and group (an empty pool keeps its shares)."""
    counts = np.maximum(counts, 0.0)
    total = counts.sum(axis=1, keepdims=True)
    model.pool_share = np.where(total > 0, counts / np.maximum(total, 1e-12), model.pool_share)
    sync_pool_skill(model)


def per_group(values: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Sums of ``values`` (firms x groups) per country and group."""
    groups = values.shape[1]
    cell = (np.asarray(country, dtype=np.int64)[:, None] * groups + np.arange(groups)).ravel()
    return np.bincount(cell, weights=values.ravel(),
                       minlength=len(COUNTRIES) * groups).astype(float).reshape(-1, groups)


def fit(model: ClusterModel, skill: np.ndarray, country: np.ndarray) -> np.ndarray:
    """How well each group's skill fits each firm's workforce skill (firms x groups), 0-1:
    1 for a group at least as skilled as the firm's workforce, falling with the shortfall."""
    gap = np.maximum(skill[:, None] - model.pool_level[country], 0.0) / FIT_WIDTH
    return np.exp(-KERNEL * np.square(gap))


def _rows(weights: np.ndarray) -> np.ndarray:
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=np.zeros(weights.shape), where=total > 0)


def hire(model: ClusterModel, vacancies: np.ndarray, matchable: np.ndarray,
         unemployed: np.ndarray) -> np.ndarray:
    """Fill vacancies from the pool: each firm's vacancies go to the groups in proportion to
    their unemployed times their fit (:func:`fit`); a group hires at most its share of ``matchable``
    (per country), rationed across firms in proportion; :data:`SETTLE_SHARE` of what stays
    unfilled is filled from what the other groups have left. Hires bring their group's skill.
    Returns hires per firm."""
    f = model.firms
    c = f["country"]
    matchable = np.asarray(matchable, dtype=float)
    unemployed = np.asarray(unemployed, dtype=float)
    counts = pool_counts(model, unemployed)
    share = np.divide(matchable, unemployed, out=np.zeros(len(unemployed)),
                      where=unemployed > 0)
    available = counts * share[:, None]
    wanted = vacancies[:, None] * _rows(fit(model, f["skill"], c) * counts[c])
    posted = per_group(wanted, c)
    filled = np.divide(np.minimum(available, posted), posted, out=np.zeros(posted.shape),
                       where=posted > 0)
    hires = wanted * filled[c]
    left = np.maximum(available - per_group(hires, c), 0.0)
    settle = SETTLE_SHARE * np.maximum(vacancies - hires.sum(axis=1), 0.0)
    asked = per_country(settle, c)
    taken = np.divide(np.minimum(left.sum(axis=1), asked), asked, out=np.zeros(len(asked)),
                      where=asked > 0)
    hires = hires + (settle * taken[c])[:, None] * _rows(left)[c]
    total = hires.sum(axis=1)
    employees = f["employees"] + total
    f["skill"] = np.divide(f["skill"] * f["employees"] + (hires * model.pool_level[c]).sum(axis=1),
                           employees, out=f["skill"].copy(), where=employees > 0)
    f["employees"] = employees
    set_counts(model, counts - per_group(hires, c))
    return total


def lay_off(model: ClusterModel, layoffs: np.ndarray, unemployed: np.ndarray) -> None:
    """Workers laid off join the groups in proportion to each group's closeness to their
    firm's skill (a normal kernel of width :data:`FIT_WIDTH`: the firm's workforce is mostly
    of the groups near its skill), at the groups' skill; the firm's skill stays."""
    f = model.firms
    c = f["country"]
    counts = pool_counts(model, unemployed)
    gap = (model.pool_level[c] - f["skill"][:, None]) / FIT_WIDTH
    released = layoffs[:, None] * _rows(np.exp(-KERNEL * np.square(gap)))
    f["employees"] = f["employees"] - layoffs
    set_counts(model, counts + per_group(released, c))


def renew(model: ClusterModel, unemployed: np.ndarray, retiring: np.ndarray,
          graduates: np.ndarray, graduate_skill: np.ndarray, inflow: np.ndarray,
          outflow: np.ndarray) -> None:
    """Retirees leave every group in proportion; graduates join the tertiary group with their
    skill; other entrants (``inflow``, per country) join by the country's education shares
    at the groups' skill; leavers (``outflow`` <= 0) then leave every group in proportion."""
    unemployed = np.asarray(unemployed, dtype=float)
    counts = pool_counts(model, unemployed)
    staying = np.divide(unemployed - retiring, unemployed, out=np.zeros(len(unemployed)),
                        where=unemployed > 0)
    counts = counts * np.clip(staying, 0.0, 1.0)[:, None]
    counts = counts + np.maximum(inflow, 0.0)[:, None] * model.education_shares
    before = counts.sum(axis=1)
    keep = np.divide(before + np.minimum(outflow, 0.0), before, out=np.zeros(len(before)),
                     where=before > 0)
    counts = counts * np.clip(keep, 0.0, 1.0)[:, None]
    tertiary = counts[:, TERTIARY]
    model.pool_level[:, TERTIARY] = np.divide(
        tertiary * model.pool_level[:, TERTIARY] + graduates * graduate_skill,
        tertiary + graduates, out=model.pool_level[:, TERTIARY].copy(),
        where=tertiary + graduates > 0)
    counts[:, TERTIARY] = tertiary + graduates
    set_counts(model, counts)


def drift(model: ClusterModel, target: np.ndarray, speed: float) -> None:
    """Every group's skill moves by ``speed`` times the gap between ``target`` (per country)
    and the pool's mean skill (within 0-1)."""
    step = speed * (target - model.pool_skill)
    model.pool_level = np.clip(model.pool_level + step[:, None], 0.0, 1.0)
    sync_pool_skill(model)


def train(model: ClusterModel, country: int, trainees: float, gain: float,
          unemployed: float) -> None:
    """``trainees`` unemployed workers of a country finish a vocational course, closing the
    share ``gain`` of their gap to full skill: first workers with general schooling only, who
    then hold a vocational qualification (they join that group with their new skill), then
    workers of the vocational group (its skill rises). At most the two groups' workers."""
    if unemployed <= 0 or trainees <= 0:
        return
    counts = model.pool_share[country] * unemployed
    level = model.pool_level[country]
    moved = min(trainees, counts[GENERAL])
    again = min(trainees - moved, counts[VOCATIONAL])
    new_skill = level[GENERAL] + gain * (1.0 - level[GENERAL])
    raised = level[VOCATIONAL] + gain * (1.0 - level[VOCATIONAL])
    joined = counts[VOCATIONAL] + moved
    if joined > 0:
        level[VOCATIONAL] = ((counts[VOCATIONAL] - again) * level[VOCATIONAL]
                             + again * raised + moved * new_skill) / joined
    counts[GENERAL] -= moved
    counts[VOCATIONAL] = joined
    model.pool_share[country] = counts / max(counts.sum(), 1e-12)
    sync_pool_skill(model)
