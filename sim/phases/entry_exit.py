"""Entry and exit: loss-making private firms exit; SMEs enter where margins are good and
barriers low; universities spin off firms."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.countries import COUNTRIES
from sim.population import add_firms, entrant_values, remove_firms

if TYPE_CHECKING:
    from sim.model import ClusterModel


def exit_phase(model: ClusterModel) -> dict[str, int]:
    """Private firms exit after sustained losses or when over-indebted with no cash.
    State-owned firms are kept alive (soft budget constraint). Returns exits per country."""
    f, p = model.firms, model.params
    losing = f["loss_quarters"] >= p["exit_loss_quarters"]
    broke = (f["debt"] > 2.0 * p["max_leverage"] * f["capital"]) & (f["cash"] <= 0)
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
        competition = float(np.clip(1.0 + 5.0 * avg_margin, 0.2, 2.0))
        barrier = 1.3 - model.admin_barrier[k]
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
