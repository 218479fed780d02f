"""Entry and exit: loss-making private firms exit; SMEs enter where margins are good and
barriers low; universities spin off firms."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.countries import COUNTRIES
from sim.population import add_firms, entrant_values, remove_firms

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: A private firm with no cash exits when its debt exceeds this multiple of the debt ceiling
#: (max_leverage x capital) (assumed: over-indebted beyond rescue).
EXIT_LEVERAGE_FACTOR = 2.0
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


def exit_phase(model: ClusterModel) -> dict[str, int]:
    """Private firms exit after sustained losses or when over-indebted with no cash.
    State-owned firms are kept alive (soft budget constraint). Returns exits per country."""
    f, p = model.firms, model.params
    losing = f["loss_quarters"] >= p["exit_loss_quarters"]
    broke = (f["debt"] > EXIT_LEVERAGE_FACTOR * p["max_leverage"] * f["capital"]) & (f["cash"] <= 0)
    leaving = ~f["state_owned"] & (losing | broke)
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
        add_firms(model, entrant_values(model, code, smes, spinoff=False))
        unis = [u for u in model.universities if u.country == code]
        spins = [u.spinoffs(p["spinoff_rate"] * model.shifters.spinoff[k]) for u in unis]
        sectors = np.repeat([int(np.argmax(u.kfield)) for u in unis], spins).astype(np.int8)
        add_firms(model, entrant_values(model, code, len(sectors), spinoff=True,
                                        sector=sectors))
        counts[code] = smes + len(sectors)
    return counts
