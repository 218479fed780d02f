"""The policy interface and the registry of instruments by name.

A policy is declared by subclassing :class:`Policy` with a ``name``, a tuple of typed parameter
declarations, ``param_specs``, and the effects it uses, ``effects`` (names from
:data:`sim.policies.effects.EFFECTS`); defining the class registers it, so a scenario file can
name it. The model calls ``initialize`` once, ``step`` every quarter at the first phase (before
firms act), which runs ``apply`` inside the policy's active window and ``after_end`` once it
has closed, and ``finalize`` after the last step. A policy reads the model freely but changes
it only through its declared effects (:mod:`sim.policies.effects`); it books its spending with
:meth:`Policy.pay` and :meth:`Policy.pay_delivered`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.inputs.countries import COUNTRIES
from sim.inputs.params import Param, ParamError
from sim.inputs.policy_fit import with_fit
from sim.inputs.sectors import N_SECTORS
from sim.policies import effects
from sim.ranking import stable_argsort

if TYPE_CHECKING:
    from sim.model import ClusterModel

REGISTRY: dict[str, type[Policy]] = {}
#: Each policy class's parameters with their defaults in use (:meth:`Policy.declared`).
DECLARED: dict[type[Policy], dict[str, Param]] = {}

#: The instruments through which a government's own agencies reach across the border to the
#: partner's firms (matching and coordination services). A joint instrument run by one
#: government has its cross-border effect only while the partner government runs one of
#: these itself: its agencies are the other side of every cross-border contact.
PARTNER_AGENCIES = ("coordination_body", "subcontracting_exchange")
#: Weight of R&D intensity (per unit of R&D spending / sales) in the merit of applicants to
#: the competitions on knowledge and R&D (R&D co-funding, the venture fund, innovative SME
#: subsidies): merit is knowledge x (1 + RD_MERIT / R&D scale x R&D intensity), so R&D of 2%
#: of sales with the assumed intensities doubles a firm's merit (assumed).
RD_MERIT = 50.0

#: How far mistargeting tilts a competition toward the applicants a captured selection
#: favours: with the mistargeting risk m (log-sd of the noise on merit), each of the three
#: marks of :func:`favoured` multiplies an applicant's seen merit by exp(m x FAVOUR_TILT), so
#: at m = 1 a state-owned incumbent of the favoured sector is seen with 4.5 times its merit
#: (assumed, range 0.25-1: no measured figure was found; the direction follows the
#: literature on political connections and subsidy allocation).
FAVOUR_TILT = 0.5
#: Age (quarters) from which a firm counts as an incumbent, known to the ministry: ten years
#: (assumed, range 5-15 years).
INCUMBENT_AGE = 40

#: Quarters by which a programme's start slips when local implementation fails entirely:
#: with the ``implementation`` risk r the local bodies that deliver it begin
#: floor(MAX_START_DELAY x (1 - r)) quarters after its declared start, so a reach of 0.8
#: loses no quarter and 0.4 loses two (assumed, range 2-8: programmes of structural funds
#: commonly take one to two years longer to pay out than planned).
MAX_START_DELAY = 4

#: What :meth:`Policy.record_take_up` counts for each government.
TAKE_UP_FIELDS = ("funded", "anyway", "public", "private")

#: Parameters every policy has.
COMMON_PARAMS: tuple[Param, ...] = (
    Param("country", "both", "", "which government runs it", choices=("AZ", "BY", "both")),
    Param("start", 1, "quarter", "first quarter the policy acts (1 = from the first quarter "
          "of the run; quarter 0 is the starting state)", 1, 2000),
    Param("end", 2000, "quarter", "last quarter the policy acts (inclusive)", 1, 2000),
    Param("enabled", True, "", "switch the policy on or off"),
)


def favoured_sectors(model: ClusterModel) -> np.ndarray:
    """Each country's favoured sector (AZ, BY): where its state-owned firms employ the most
    now, the traditional industry a ministry knows best (found from the firms, not
    assumed)."""
    f = model.firms
    state = f["state_owned"]
    n = len(COUNTRIES)
    jobs = np.bincount(f["country"][state].astype(np.int64) * N_SECTORS + f["sector"][state],
                       weights=f["employees"][state], minlength=n * N_SECTORS)
    return jobs.reshape(n, N_SECTORS).argmax(axis=1)


def favoured(model: ClusterModel, rows: np.ndarray) -> np.ndarray:
    """How many of the marks a captured selection favours firms ``rows`` carry (0-3): state
    ownership, incumbency (older than :data:`INCUMBENT_AGE` quarters) and the favoured sector
    of their country (:func:`favoured_sectors`)."""
    f = model.firms
    sector = favoured_sectors(model)
    return (f["state_owned"][rows].astype(float)
            + (model.quarter - f["born"][rows] >= INCUMBENT_AGE)
            + (f["sector"][rows] == sector[f["country"][rows]]))


class Policy:
    """Base class of a policy instrument (covasim-style intervention).

    Subclasses set ``name``, ``label``, ``report_section``, ``param_specs`` (the
    declarations of their own parameters; a policy object's values are in ``values``) and
    ``effects`` (the names of the effects of :mod:`sim.policies.effects` they use, the only
    way they change the model; ``spend`` if they pay) and implement ``apply``; they may
    override ``initialize``, ``after_end`` and ``finalize``.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    report_section: ClassVar[str] = ""
    param_specs: ClassVar[tuple[Param, ...]] = ()
    #: The effects this instrument may use (names of :data:`sim.policies.effects.EFFECTS`):
    #: all it may change in the model is their footprints.
    effects: ClassVar[tuple[str, ...]] = ()
    #: Adaptive monitoring may move budget to and from this instrument (it has a ``budget``
    #: and identifiable recipients whose results can be measured).
    monitored: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        unknown = [e for e in cls.effects if e not in effects.EFFECTS]
        if unknown:
            raise TypeError(f"{cls.__name__} declares unknown effects {unknown}; known: "
                            f"{', '.join(effects.EFFECTS)}")
        if cls.name:
            REGISTRY[cls.name] = cls

    def __init__(self, **values: Any) -> None:
        declared = self.declared()
        unknown = sorted(set(values) - set(declared))
        if unknown:
            raise ParamError(unknown[0], f"unknown parameter of policy '{self.name}'; "
                             f"allowed: {', '.join(declared)}")
        #: Parameter values; a default that scales with the model (``Param.scaled_by``) is
        #: None until :meth:`resolve_defaults` sets it when the model is built.
        self.values = {
            k: p.validate(values[k], k) if k in values else None if p.scaled_by else p.default
            for k, p in declared.items()
        }
        #: Parameters whose default waits for the model's scales.
        self.pending = {k for k, p in declared.items() if k not in values and p.scaled_by}
        if self.values["end"] < self.values["start"]:
            raise ParamError("end", f"{self.values['end']} is before start "
                             f"{self.values['start']}; expected an integer in "
                             f"[{self.values['start']}, 2000] (quarter)")
        #: Budget multiplier set by adaptive monitoring (1 = the declared budget).
        self.weight = 1.0
        #: Firms reached and money spent since adaptive monitoring last looked (its
        #: measurement; :func:`sim.policies.effects.restart_measurement` clears them).
        self.recipients: set[int] = set()
        self.spent = 0.0
        #: What a grant instrument's funded projects add, per government over the run
        #: (:meth:`record_take_up`): projects funded, those that would have gone ahead without
        #: the grant, public money and the firms' own spending on them (USD m).
        self.take_up = {code: dict.fromkeys(TAKE_UP_FIELDS, 0.0) for code in ("AZ", "BY")}
        #: Quarters the programme's start slips with weak local implementation (set by
        #: :meth:`prepare` when a model takes the policy).
        self.delay = 0

    @classmethod
    def declared(cls) -> dict[str, Param]:
        """All parameters of this policy (common ones first), by name; an effect size fitted
        to published evaluations (``sim/data/policy_fit.toml``) has its fitted default."""
        if cls not in DECLARED:
            DECLARED[cls] = with_fit(cls.name, (*COMMON_PARAMS, *cls.param_specs))
        return DECLARED[cls]

    @classmethod
    def defaults(cls, scales: dict[str, float]) -> dict[str, Any]:
        """Every parameter's default with the given model-wide scales (``{"rd_scale": ...}``)."""
        return {k: p.default_at(scales) for k, p in cls.declared().items()}

    def resolve_defaults(self, scales: dict[str, float]) -> None:
        """Set the defaults that scale with the model (the model calls this when it is built,
        with its own scales)."""
        declared = self.declared()
        for key in sorted(self.pending):
            self.values[key] = declared[key].default_at(scales)
        self.pending.clear()

    def prepare(self, model: ClusterModel) -> None:
        """Settle what the model's scales and risks decide before the policy is initialised:
        the defaults that scale with the model and the slip of its start with weak local
        implementation (:data:`MAX_START_DELAY`)."""
        self.resolve_defaults(model.spec.scales())
        reach = float(model.risks["implementation"])
        self.delay = math.floor(MAX_START_DELAY * (1.0 - reach) + 1e-9)

    def settled_values(self) -> dict[str, Any]:
        """The values given or defaulted so far (without those waiting for the model)."""
        return {k: v for k, v in self.values.items() if k not in self.pending}

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def set(self, key: str, value: Any) -> None:
        """Change a parameter during a run (e.g. from the browser view), validated."""
        self.values[key] = self.declared()[key].validate(value, key)
        self.pending.discard(key)

    def countries(self) -> tuple[str, ...]:
        """The governments that run this policy."""
        return ("AZ", "BY") if self.values["country"] == "both" else (self.values["country"],)

    def country_mask(self, model: ClusterModel) -> np.ndarray:
        """Boolean mask over firms located in this policy's countries."""
        codes = [0 if c == "AZ" else 1 for c in self.countries()]
        return np.isin(model.firms.col("country"), codes)

    # ------------------------------------------------------------ helpers for instruments
    def money(self, model: ClusterModel, key: str) -> float:
        """An aggregate amount of money (a budget or a cost, USD m) at the model's population
        scale: declared for the default population, it scales with ``model.firm_scale`` like
        the firms it pays for, so the same policy has the same intensity per firm at any
        scale."""
        return self[key] * model.scale_n

    def budget(self, model: ClusterModel) -> float:
        """This quarter's budget of each paying government (USD m): the declared ``budget``
        at the model's scale, times the weight adaptive monitoring gives the instrument and
        the model's ``budget_scale``. Every programme spends and buys through this amount, so
        the scale moves what it buys, not only what it books."""
        return self.money(model, "budget") * self.weight * model.params["budget_scale"]

    def pay(self, model: ClusterModel, code: str, amount: float) -> None:
        """Book spending on a paying government (the effect
        :func:`~sim.policies.effects.spend`, which a paying instrument declares)."""
        if amount > 0:
            effects.spend(model, self, code, amount)
            self.spent += amount

    def pay_delivered(self, model: ClusterModel, code: str, delivered: float,
                      budget: float) -> None:
        """Book the spending behind ``delivered`` USD m that reached the target: with weak
        local implementation only a share of what is spent arrives, so the government spends
        ``delivered / implementation``, at most the budget (all of it if nothing arrives)."""
        reach = model.risks["implementation"]
        self.pay(model, code, budget if reach <= 0 else min(budget, delivered / reach))

    def record_take_up(self, code: str, funded: int, anyway: int, public: float,
                       private: float) -> None:
        """Book projects a grant funded for government ``code``: ``funded`` projects, of which
        ``anyway`` would have gone ahead without the grant (each funded firm's own decision
        rule evaluated in the same quarter without it: the deadweight), ``public`` USD m of
        grants and ``private`` USD m the firms spent on them themselves."""
        book = self.take_up[code]
        for key, value in zip(TAKE_UP_FIELDS, (funded, anyway, public, private), strict=True):
            book[key] += value

    @staticmethod
    def available(model: ClusterModel, budget: float) -> float:
        """The part of ``budget`` that reaches its target (local implementation quality)."""
        return budget * model.risks["implementation"]

    @staticmethod
    def affordable(money: float, unit: float) -> int:
        """How many items of cost ``unit`` fit in ``money`` (exact multiples count in full,
        whatever the floating-point rounding)."""
        return math.floor(money / unit + 1e-9) if unit > 0 else 0

    @staticmethod
    def rd_merit(model: ClusterModel, rows: np.ndarray) -> np.ndarray:
        """The factor R&D effort gives an applicant's merit in the competitions on knowledge
        and R&D: ``1 + RD_MERIT / R&D scale x R&D intensity`` for firms ``rows``."""
        return 1.0 + RD_MERIT / model.rd_scale * model.firms["rd_intensity"][rows]

    @staticmethod
    def ranked(model: ClusterModel, rows: np.ndarray, merit: np.ndarray) -> np.ndarray:
        """Applicants ``rows`` ordered best first by ``merit`` as a competition sees it: with
        the mistargeting risk m each merit is seen through log-normal noise of log-sd m and
        tilted toward the applicants a captured selection favours (:func:`favoured`)."""
        noise = model.risks["mistargeting"]
        if noise > 0 and rows.size:  # no draw without noise: runs stay comparable
            merit = merit * np.exp(noise * (model.rng.standard_normal(rows.size)
                                            + FAVOUR_TILT * favoured(model, rows)))
        return rows[stable_argsort(-merit)]

    def cross_border(self, model: ClusterModel) -> float:
        """Strength (0-1) of this instrument's cross-border effect: the coordination level of
        the two governments when both run it; when one runs it alone, the same where the
        partner government's own agencies act this quarter (it runs one of
        :data:`PARTNER_AGENCIES`, an instrument of its own or a joint one) and nothing where
        they do not, as no one on the other side of the border takes part."""
        if self.values["country"] == "both":
            return model.risks["coordination"]
        partner = "BY" if self.values["country"] == "AZ" else "AZ"
        acts = any(p is not self and p.name in PARTNER_AGENCIES and partner in p.countries()
                   and p.is_active(model.quarter) for p in model.policies)
        return model.risks["coordination"] if acts else 0.0

    def is_active(self, step: int) -> bool:
        """Whether the policy acts in quarter ``step``: within its window, from its start
        plus the slip of weak local implementation (``delay``)."""
        v = self.values
        return v["enabled"] and v["start"] + self.delay <= step <= v["end"]

    def step(self, model: ClusterModel) -> None:
        """Called by the model every quarter: ``apply`` inside the active window,
        ``after_end`` once the window has passed."""
        if self.is_active(model.quarter):
            self.apply(model)
        elif model.quarter > self.values["end"]:
            self.after_end(model)

    def initialize(self, model: ClusterModel) -> None:
        """Set up once before the first step (default: nothing)."""

    def apply(self, model: ClusterModel) -> None:
        """Act in one quarter of the active window."""
        raise NotImplementedError

    def after_end(self, model: ClusterModel) -> None:
        """Act in a quarter after the window has closed (default: nothing)."""

    def finalize(self, model: ClusterModel) -> None:
        """Clean up after the last step (default: nothing)."""

    def describe(self) -> str:
        """One line: name and parameter values."""
        vals = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return f"{self.name}({vals})"
