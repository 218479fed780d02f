"""The effects: the one way a policy changes the model.

A policy reads whatever it needs, but it changes the model only by calling the functions of
this module, one per kind of change (fund an investment project, raise a capability, form
ties, move a shifter, open a park, ...). Each policy class lists the effects it uses in its
``effects`` class attribute, and a call of an effect the policy has not declared raises
:class:`UndeclaredEffect`. :data:`EFFECTS` gives, for each effect, its :class:`Footprint`:
everything it may change. So what an instrument can do to the model is its declared effects'
footprints; ``tests/test_policy_effects_static.py`` checks the code (no policy module
writes model state itself) and ``tests/test_policy_effects.py`` runs (what a policy's step
changes lies within its footprints).

Spending is booked through :meth:`sim.policies.base.Policy.pay` (and ``pay_delivered``),
which use the effect :func:`spend`; a firm's cash changes only through
:func:`sim.phases.finance.settle` (:func:`transfer_cash`). A policy keeps its own bookkeeping
(its portfolio, projects, courses, stocks) in its own attributes as it likes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from sim.agents.park import Park
from sim.network import add_new_ties
from sim.phases import labour_pool
from sim.phases.finance import RELIEF_COLUMNS, grant_reliefs, settle
from sim.phases.labour import unemployed
from sim.phases.parks import add_park
from sim.phases.parks import close_park as _close_park

if TYPE_CHECKING:
    from sim.agents.university import University
    from sim.model import ClusterModel
    from sim.policies.base import Policy

#: Quarters a firm counts as receiving budget-funded support after a one-off award (a grant,
#: a deal, a certificate, a campaign): the year the award is meant to cover (assumed).
SUPPORT_QUARTERS = 4

#: How :meth:`Footprint.describe` names each kind of state.
KIND_LABELS = {"firm_columns": "firm columns", "ties": "ties", "shifters": "shifters",
               "country_arrays": "country arrays", "parks": "parks",
               "universities": "universities", "policies": "other policies",
               "governments": "government accounts"}


class UndeclaredEffect(RuntimeError):
    """A policy used an effect that its class does not declare in ``effects``."""


@dataclass(frozen=True)
class Footprint:
    """Everything one effect may change (names; empty: nothing of that kind).

    Attributes:
        firm_columns: columns of the firm table (``model.firms``).
        ties: ``formed`` (new ties), ``removed`` (ties dissolved), ``nodes`` (new graph
            nodes) and columns of the tie table (``model.graph.ties``) of existing ties.
        shifters: fields of ``model.shifters``.
        country_arrays: the model's arrays per country (``approval_capacity``, ``trade_cost``).
        parks: ``added`` (a new park) and attributes of existing parks.
        universities: attributes of universities.
        policies: attributes of other policies (``weight``; ``recipients`` and ``spent``,
            what adaptive monitoring measures).
        governments: the governments' accounts: ``spending`` (this quarter's, the total and
            by policy) and ``balance``.
    """

    firm_columns: frozenset[str] = frozenset()
    ties: frozenset[str] = frozenset()
    shifters: frozenset[str] = frozenset()
    country_arrays: frozenset[str] = frozenset()
    parks: frozenset[str] = frozenset()
    universities: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()
    governments: frozenset[str] = frozenset()

    def __or__(self, other: Footprint) -> Footprint:
        return Footprint(**{f.name: getattr(self, f.name) | getattr(other, f.name)
                            for f in fields(self)})

    def items(self) -> list[tuple[str, frozenset[str]]]:
        """The kinds of state with something in them: (kind, names)."""
        return [(f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)]

    def describe(self) -> str:
        """The footprint in words, e.g. "firm columns `funded_project`, `grant`"."""
        return "; ".join(f"{KIND_LABELS[kind]} " + ", ".join(f"`{n}`" for n in sorted(names))
                         for kind, names in self.items())


@dataclass(frozen=True)
class Effect:
    """A registered effect: its name (the function's), what it may change, what it does."""

    name: str
    footprint: Footprint
    doc: str


#: Every effect by name (in the order of this module).
EFFECTS: dict[str, Effect] = {}

_F = TypeVar("_F", bound=Callable[..., Any])


def _effect(**footprint: Iterable[str]) -> Callable[[_F], _F]:
    """Register an effect with its footprint; the registered function refuses a policy that
    does not declare it."""

    def register(function: _F) -> _F:
        name = function.__name__

        @functools.wraps(function)
        def checked(model: ClusterModel, policy: Policy, *args: Any, **kwargs: Any) -> Any:
            if name not in policy.effects:
                raise UndeclaredEffect(f"policy '{policy.name or type(policy).__name__}' uses "
                                       f"the effect '{name}', which its class does not "
                                       f"declare (effects = {policy.effects!r})")
            return function(model, policy, *args, **kwargs)

        doc = (function.__doc__ or "").strip().split("\n\n")[0]
        EFFECTS[name] = Effect(name, Footprint(**{k: frozenset(v) for k, v in footprint.items()}),
                               " ".join(doc.split()))
        return cast(_F, checked)

    return register


def footprint_of(names: Iterable[str]) -> Footprint:
    """What the effects ``names`` may change together."""
    out = Footprint()
    for name in names:
        out |= EFFECTS[name].footprint
    return out


# ----------------------------------------------------------------- money
@_effect(governments=("spending", "balance"))
def spend(model: ClusterModel, policy: Policy, code: str, amount: float) -> None:
    """Book ``amount`` (USD m) of the policy's spending on the government ``code``.

    Policies call it through :meth:`~sim.policies.base.Policy.pay`.
    """
    model.governments[code].spend(amount, policy.name)


@_effect(firm_columns=("cash", "debt", "policy_cash"))
def transfer_cash(model: ClusterModel, policy: Policy, amount: np.ndarray | float,
                  rows: np.ndarray) -> None:
    """Pay firms ``rows`` ``amount`` each (negative: charge them), through
    :func:`sim.phases.finance.settle`: a deficit is borrowed, a surplus repays debt. The
    payment is recorded in the firms' ``policy_cash`` for the sector accounts."""
    np.add.at(model.firms["policy_cash"], rows, amount)
    settle(model, amount, rows=rows)


@_effect(firm_columns=("grant", "funded_project"))
def fund_investment(model: ClusterModel, policy: Policy, rows: np.ndarray,
                    grant: np.ndarray | float, project: np.ndarray | float) -> None:
    """Fund investment projects of firms ``rows`` (distinct): each receives ``grant`` this
    quarter and invests ``project`` (the grant plus its co-funding) in new equipment on top of
    its own plans."""
    f = model.firms
    f["grant"][rows] += grant
    f["funded_project"][rows] += project


@_effect(firm_columns=("rd_grant", "rd_project", "rd_in_own"))
def fund_joint_rd(model: ClusterModel, policy: Policy, rows: np.ndarray, grant: float,
                  spending: float, replaced: float = 0.0) -> None:
    """Fund joint R&D of firms ``rows`` (a firm may appear more than once, once per project):
    each time it receives ``grant`` and spends ``spending`` on the project this quarter, of
    which ``replaced`` is work it would have done in its own R&D plans (it cuts those by as
    much, at most all of them: sim.phases.finance)."""
    f = model.firms
    np.add.at(f["rd_grant"], rows, grant)
    np.add.at(f["rd_project"], rows, spending)
    if replaced > 0:
        np.add.at(f["rd_in_own"], rows, replaced)


@_effect(firm_columns=tuple(RELIEF_COLUMNS.values()))
def grant_tax_reliefs(model: ClusterModel, policy: Policy, who: np.ndarray,
                      reliefs: dict[str, float | np.ndarray]) -> None:
    """Forgive firms ``who`` (a mask or rows) a share of each tax this quarter, through
    :func:`sim.phases.finance.grant_reliefs` (the larger of two reliefs of a tax holds; the
    finance phase books the taxes foregone)."""
    grant_reliefs(model, who, reliefs)


@_effect(firm_columns=("supported_until",))
def count_supported(model: ClusterModel, policy: Policy, rows: np.ndarray,
                    quarters: int = SUPPORT_QUARTERS) -> None:
    """Count firms ``rows`` as receiving budget-funded support for ``quarters`` quarters from
    this one (the report's first indicator); they become the policy's ``recipients``, whose
    results adaptive monitoring measures."""
    f = model.firms
    until = model.quarter + quarters - 1
    f["supported_until"][rows] = np.maximum(f["supported_until"][rows], until)
    policy.recipients.update(f.ids[rows].tolist())


@_effect(firm_columns=("state_owned",))
def privatise(model: ClusterModel, policy: Policy, rows: np.ndarray) -> None:
    """Firms ``rows`` become private: from now on they face a hard budget constraint (no
    bail-outs) and the private rules for leverage, exit, wages and ties."""
    model.firms["state_owned"][rows] = False


@_effect(firm_columns=("vc_rd", "vc_rd_pace"))
def raise_equity_for_rd(model: ClusterModel, policy: Policy, rows: np.ndarray, amount: float,
                        quarters: int) -> None:
    """Firms ``rows`` (distinct) raise ``amount`` (USD m, paid as cash through
    :func:`transfer_cash`) of equity for R&D: their plan for the round spends it on R&D over
    ``quarters`` quarters, on top of their own R&D (:func:`sim.phases.finance.finance_phase`)."""
    f = model.firms
    f["vc_rd"][rows] += amount
    f["vc_rd_pace"][rows] = f["vc_rd"][rows] / quarters


# ----------------------------------------------------------------- quality programmes
@_effect(firm_columns=("qm_left", "qm_rate_m", "qm_rate_d", "qm_rate_q", "qm_cost"))
def enrol_quality_programme(model: ClusterModel, policy: Policy, rows: np.ndarray,
                            quarters: int, rates: tuple[float, float, float],
                            cost: np.ndarray) -> None:
    """Firms ``rows`` (distinct) start a quality-management programme of ``quarters``
    quarters: each quarter of it they close the shares ``rates`` (management, delivery
    discipline, product quality) of their gaps, and it ends in a certificate they may keep by
    paying its audits (:mod:`sim.phases.quality`); ``cost`` (one per firm, USD m) is what
    the certification cost, from which the audits are priced."""
    f = model.firms
    f["qm_left"][rows] = quarters
    f["qm_rate_m"][rows], f["qm_rate_d"][rows], f["qm_rate_q"][rows] = rates
    f["qm_cost"][rows] = cost


# ----------------------------------------------------------------- export campaigns
@_effect(firm_columns=("promo_until", "promo_market", "entry_credit", "marketing"))
def support_export_campaign(model: ClusterModel, policy: Policy, rows: np.ndarray,
                            market: np.ndarray, until: int, credit: float,
                            marketing: np.ndarray | float) -> None:
    """Firms ``rows`` (distinct) run a supported export campaign in ``market`` (0 the partner
    country, 1 third countries; one per firm) until quarter ``until``: while it lasts they know
    that market, and ``credit`` (USD m spent on fairs and market research) counts toward its
    sunk entry cost if they decide to enter (:func:`sim.phases.markets.export_entry`); this
    quarter they spend ``marketing`` (USD m) abroad, from which their brand grows
    (:func:`sim.phases.markets.fade_brands`)."""
    f = model.firms
    f["promo_until"][rows] = until
    f["promo_market"][rows] = market
    f["entry_credit"][rows] = credit
    f["marketing"][rows] += marketing


# ----------------------------------------------------------------- ties
@_effect(ties=("formed",))
def form_ties(model: ClusterModel, policy: Policy, a: np.ndarray, b: np.ndarray, kind: str,
              **options: Any) -> np.ndarray:
    """Form ties of ``kind`` between agents ``a[i]`` and ``b[i]`` where there is none yet,
    through :func:`sim.network.add_new_ties` (``options``: its ``strength`` and
    ``supplier``). Returns a mask of the pairs that formed a tie."""
    return add_new_ties(model, a, b, kind, **options)


@_effect(ties=("strength",))
def hold_ties(model: ClusterModel, policy: Policy, slots: np.ndarray, strength: float) -> None:
    """Keep the ties in ``slots`` of the tie table at least at ``strength`` (ties whose work
    goes on cannot fade)."""
    column = model.graph.ties.strength
    column[slots] = np.maximum(column[slots], strength)


# ----------------------------------------------------------------- shifters
def _shift(model: ClusterModel, name: str, country: int, amount: float) -> None:
    getattr(model.shifters, name)[country] += amount


@_effect(shifters=("coordination",))
def raise_cross_border_contact(model: ClusterModel, policy: Policy, country: int,
                               amount: float) -> None:
    """Firms of ``country`` meet more cross-border candidates in partner search and judge
    them closer: the ``coordination`` shifter rises by ``amount`` this quarter."""
    _shift(model, "coordination", country, amount)


@_effect(shifters=("matching",))
def raise_matching(model: ClusterModel, policy: Policy, country: int, amount: float) -> None:
    """Firms of ``country`` search for partners more often and value supply matches more: the
    ``matching`` shifter rises by ``amount`` this quarter."""
    _shift(model, "matching", country, amount)


@_effect(shifters=("information",))
def raise_knowledge_flow(model: ClusterModel, policy: Policy, country: int,
                         amount: float) -> None:
    """Knowledge flows faster along the ties of firms of ``country``: the ``information``
    shifter rises by ``amount`` this quarter."""
    _shift(model, "information", country, amount)


@_effect(shifters=("entry",))
def raise_sme_entry(model: ClusterModel, policy: Policy, country: int, amount: float) -> None:
    """More new SMEs enter ``country``: the ``entry`` shifter (a multiplier) rises by
    ``amount`` this quarter."""
    _shift(model, "entry", country, amount)


@_effect(shifters=("spinoff",))
def raise_spinoff_rate(model: ClusterModel, policy: Policy, country: int,
                       amount: float) -> None:
    """Universities of ``country`` spin off more firms: the ``spinoff`` shifter (a
    multiplier) rises by ``amount`` this quarter."""
    _shift(model, "spinoff", country, amount)


# ----------------------------------------------------------------- country settings
@_effect(country_arrays=("approval_capacity", "approval_procedures"))
def reform_approvals(model: ClusterModel, policy: Policy, capacity: np.ndarray,
                     procedures: np.ndarray) -> None:
    """Set each country's approval office (AZ, BY): the capacity a reform adds (a share of
    its staffing) and the share of the country's procedures' time left; the time projects
    wait, and so the administrative-barrier index, follow from the office's queue
    (:func:`sim.phases.approvals.approvals_phase`)."""
    model.approval_capacity[:] = capacity
    model.approval_procedures[:] = procedures


@_effect(country_arrays=("logistics",))
def set_logistics(model: ClusterModel, policy: Policy, gain: np.ndarray) -> None:
    """Set the share of late deliveries that better logistics removes for suppliers of each
    country (AZ, BY), from which the delivery buyers receive follows
    (:func:`sim.phases.supply.realised_delivery`)."""
    model.logistics[:] = gain


@_effect(country_arrays=("trade_cost",))
def set_trade_costs(model: ClusterModel, policy: Policy, partner: np.ndarray,
                    third: np.ndarray) -> None:
    """Set each country's trade costs (AZ, BY) to the partner country and to third markets."""
    model.trade_cost[:, 1] = partner
    model.trade_cost[:, 2] = third


# ----------------------------------------------------------------- parks and universities
@_effect(parks=("added",), ties=("nodes",), universities=("technopark",))
def open_park(model: ClusterModel, policy: Policy, name: str, country: str, kind: str,
              sector: str, **options: Any) -> Park:
    """Open a new park (a :class:`~sim.agents.park.Park` with these arguments; ``options``:
    its capacity, reliefs, services, host, ...) through :func:`sim.phases.parks.add_park`;
    returns it. Its operator admits residents from the next quarter."""
    return add_park(model, Park(model, name, country, kind, sector, **options))


@_effect(parks=("capacity", "services"), firm_columns=("park",), ties=("removed",),
         universities=("technopark",))
def close_park(model: ClusterModel, policy: Policy, park: Park) -> None:
    """Close a park through :func:`sim.phases.parks.close_park`: no more slots or services;
    residents leave (their residency ties go) and lose its reliefs from the next quarter."""
    _close_park(model, park)


@_effect(country_arrays=("pool_skill", "pool_share", "pool_level"))
def train_pool(model: ClusterModel, policy: Policy, country: int, trainees: float,
               gain: float) -> None:
    """Workers of a country's unemployed pool finish a vocational course: ``trainees`` of
    them (at most the pool's workers without tertiary education) close the share ``gain`` of
    their gap to full skill: those with general schooling only join the vocational group with
    their new skill, then the vocational group's skill rises
    (:func:`sim.phases.labour_pool.train`). Firms' hires bring it."""
    labour_pool.train(model, country, trainees, gain, float(unemployed(model)[country]))


@_effect(universities=("graduate_skill",))
def set_graduate_skill(model: ClusterModel, policy: Policy, university: University,
                       skill: float) -> None:
    """Set the skill index (0-1) of the graduates a university sends to the labour pool."""
    university.graduate_skill = skill


# ----------------------------------------------------------------- other policies
@_effect(policies=("weight",))
def set_budget_weight(model: ClusterModel, policy: Policy, programme: Policy,
                      weight: float) -> None:
    """Set the budget multiplier of a monitored programme (1 = its declared budget)."""
    if not programme.monitored:
        raise ValueError(f"set_budget_weight: '{programme.name}' is not a monitored programme")
    programme.weight = weight


@_effect(policies=("recipients", "spent"))
def restart_measurement(model: ClusterModel, policy: Policy, programme: Policy) -> None:
    """Start measuring a programme afresh: forget the recipients and the spending counted
    since the last review."""
    programme.recipients.clear()
    programme.spent = 0.0
