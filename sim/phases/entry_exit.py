"""Entry and exit: governments cover part of their state firms' losses (soft budget
constraint); loss-making firms restructure or exit; SMEs enter where margins are good and
barriers low; universities spin off firms."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.government import BAILOUTS
from sim.inputs.countries import COUNTRIES, per_country
from sim.phases.finance import settle
from sim.phases.investment import STATE_LEVERAGE_FACTOR
from sim.population import add_firms, entrant_values, remove_firms

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: A private firm with no cash exits when its debt exceeds this multiple of the debt ceiling
#: (max_leverage x capital) (assumed: over-indebted beyond rescue).
EXIT_LEVERAGE_FACTOR = 2.0
#: A state firm's quarter counts as a loss quarter only when the loss its government leaves
#: uncovered exceeds this share of its sales (assumed: state owners tolerate small losses;
#: private firms count every loss quarter).
STATE_LOSS_TOLERANCE = 0.02
#: Consecutive quarters of uncovered losses after which a state firm restructures (assumed:
#: as a private firm's default exit_loss_quarters, 2 years).
STATE_RESTRUCTURE_QUARTERS = 8
#: Share of its workers a restructuring state firm sheds at once (assumed: the labour
#: hoarding of a soft budget constraint ends).
RESTRUCTURE_SHED = 0.2
#: Consecutive quarters of uncovered losses after which a state firm exits, restructuring
#: having failed (assumed: twice the restructuring threshold, 4 years).
STATE_EXIT_QUARTERS = 16
#: Response of SME entry to the average profit margin of a country's SMEs: the entry rate is
#: multiplied by (1 + this x margin), within [ENTRY_MARGIN_FACTOR_MIN, ENTRY_MARGIN_FACTOR_MAX]
#: (assumed: a 10% margin raises entry by half).
ENTRY_PER_MARGIN = 5.0
#: Least factor of the SME entry rate from margins, however large the losses (assumed).
ENTRY_MARGIN_FACTOR_MIN = 0.2
#: Largest factor of the SME entry rate from margins, however large the margins (assumed).
ENTRY_MARGIN_FACTOR_MAX = 2.0
#: Factor on the SME entry rate at no administrative barriers: the factor is (this - barrier),
#: 1.3-0.3, and 1 at barrier 0.3 (assumed). The administrative-barrier index (0-1, country
#: data) enters three mechanisms, each in its own form: the investment lag is multiplied by
#: (LAG_AT_NO_BARRIER + LAG_PER_BARRIER x barrier) in sim.phases.investment, product
#: projects' speed by (PROJECT_SPEED_AT_NO_BARRIER - PROJECT_SPEED_PER_BARRIER x barrier) in
#: sim.phases.innovation, and the SME entry rate by (ENTRY_AT_NO_BARRIER - barrier) here.
ENTRY_AT_NO_BARRIER = 1.3


def bail_out_state_firms(model: ClusterModel) -> np.ndarray:
    """Each government covers the share ``soft_budget`` of its state firms' loss this quarter:
    paid to the firms through :func:`~sim.phases.finance.settle` and booked as its spending
    under :data:`BAILOUTS`. A state firm's loss quarter counts only while the loss left
    uncovered exceeds :data:`STATE_LOSS_TOLERANCE` of its sales. Returns each firm's
    bail-out (USD m)."""
    f = model.firms
    loss = np.maximum(-f["profit"], 0.0)
    state = f["state_owned"]
    bailout = np.where(state, model.params["soft_budget"] * loss, 0.0)
    rows = np.flatnonzero(bailout > 0)
    if rows.size:
        f["bailout"][rows] += bailout[rows]
        settle(model, bailout[rows], rows)
        paid = per_country(bailout[rows], f["country"][rows])
        for k, gov in enumerate(model.governments.values()):
            if paid[k] > 0:
                gov.spend(float(paid[k]), BAILOUTS)
    tolerated = state & (loss - bailout <= STATE_LOSS_TOLERANCE * f["sales_total"])
    f["loss_quarters"] = np.where(tolerated, 0, f["loss_quarters"])
    return bailout


def restructure_state_firms(model: ClusterModel) -> np.ndarray:
    """A state firm whose uncovered losses have lasted :data:`STATE_RESTRUCTURE_QUARTERS`
    restructures: it sheds :data:`RESTRUCTURE_SHED` of its workers at once. Returns a mask of
    the firms restructured this quarter."""
    f = model.firms
    restructuring = f["state_owned"] & (f["loss_quarters"] == STATE_RESTRUCTURE_QUARTERS)
    f["employees"] = np.where(restructuring, f["employees"] * (1.0 - RESTRUCTURE_SHED),
                              f["employees"])
    return restructuring


def exit_phase(model: ClusterModel) -> dict[str, int]:
    """Governments cover part of their state firms' losses; state firms with lasting
    uncovered losses restructure. Firms exit after sustained losses or when over-indebted
    with no cash: private firms after ``exit_loss_quarters`` loss quarters and debt beyond
    :data:`EXIT_LEVERAGE_FACTOR` times their debt ceiling, state firms after
    :data:`STATE_EXIT_QUARTERS` quarters of uncovered losses and debt beyond that multiple of
    their own (higher) ceiling. Returns exits per country."""
    f, p = model.firms, model.params
    bail_out_state_firms(model)
    restructure_state_firms(model)
    state = f["state_owned"]
    losing = f["loss_quarters"] >= np.where(state, STATE_EXIT_QUARTERS, p["exit_loss_quarters"])
    ceiling = np.where(state, STATE_LEVERAGE_FACTOR, 1.0) * p["max_leverage"] * f["capital"]
    broke = (f["debt"] > EXIT_LEVERAGE_FACTOR * ceiling) & (f["cash"] <= 0)
    leaving = losing | broke
    counts = {code: int((leaving & (f["country"] == k)).sum()) for k, code in
              enumerate(COUNTRIES)}
    remove_firms(model, leaving)
    return counts


def entry_phase(model: ClusterModel) -> dict[str, int]:
    """New SMEs enter where margins are good and barriers low; universities spin off firms.
    Returns entries per country."""
    f, p, rng = model.firms, model.params, model.rng
    sme = f.is_sme()
    margin = np.divide(f["profit"], f["sales_total"], out=np.zeros(f.n),
                       where=f["sales_total"] > 0)
    rates = []
    for k in range(len(COUNTRIES)):
        mine = f["country"] == k
        sel = mine & sme
        avg_margin = float(margin[sel].mean()) if sel.any() else 0.0
        competition = float(np.clip(1.0 + ENTRY_PER_MARGIN * avg_margin,
                                    ENTRY_MARGIN_FACTOR_MIN, ENTRY_MARGIN_FACTOR_MAX))
        barrier = ENTRY_AT_NO_BARRIER - model.admin_barrier[k]
        room = p["replacement_entry"] * model.events[COUNTRIES[k]]["exits"]
        rates.append((p["entry_rate"] * mine.sum() * competition + room) * barrier
                      * model.shifters.entry[k])
    counts = {}
    for k, code in enumerate(COUNTRIES):
        rate = rates[k]
        smes = int(rng.poisson(rate))
        if smes:
            add_firms(model, entrant_values(model, code, smes, spinoff=False))
        unis = [u for u in model.universities if u.country == code]
        spins = [u.spinoffs(p["spinoff_rate"] * model.shifters.spinoff[k]) for u in unis]
        sectors = np.repeat([int(np.argmax(u.kfield)) for u in unis], spins).astype(np.int8)
        if len(sectors):
            add_firms(model, entrant_values(model, code, len(sectors), spinoff=True,
                                            sector=sectors))
        counts[code] = smes + len(sectors)
    return counts
