"""Export promotion (report: project support, "export and marketing": part of SMEs' costs of
space at foreign fairs and of marketing tech products abroad, branding, and export consortia
with joint market research, advertising and brands)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.phases.markets import THIRD, competitiveness
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Fewest firms in an export consortium (by definition: a consortium joins two firms or more).
MIN_CONSORTIUM = 2
#: Strength (0-1) of the ties among the members of an export consortium when it forms
#: (assumed; ties found in partner search start at 0.5).
CONSORTIUM_TIE_STRENGTH = 0.8


class ExportPromotion(Policy):
    """Each quarter firms apply for support of a year's export campaign (fair space, marketing
    abroad, brand design); a competition on their competitiveness abroad picks the winners
    until the budget is spent, each firm at most once a year. The grant covers ``cost_share``
    of the campaign, the firm pays the rest. A campaign raises the firm's brand abroad (export
    competitiveness, fading without new marketing), takes a non-exporter into a new export
    market, and brings new foreign orders. Winners of the same sector form export consortia:
    members are tied, share market research and promotion (their own cost falls by
    ``consortium_saving``) and a joint brand. With both governments running the programme,
    consortia can join firms of both countries (as far as the governments coordinate)."""

    name = "export_promotion"
    label = "Export promotion, branding and export consortia"
    report_section = ("Project support: export and marketing (foreign fairs, marketing, "
                      "branding, export consortia)")
    monitored = True
    effects = ("spend", "raise_brand", "share_brand", "enter_export_market", "transfer_cash",
               "form_ties", "count_supported")
    param_specs = (
        Param("budget", 0.5, "USD m/quarter", "grant budget of each paying government",
              0.0, 1000.0),
        Param("cost_share", 0.5, "share", "share of a campaign's cost the grant covers",
              0.01, 1.0),
        Param("campaign_cost", 0.05, "USD m", "cost of one firm's export campaign for a year "
              "(fair space, marketing, brand design)", 0.001, 100.0),
        Param("brand_gain", 0.3, "share", "share of the gap to a fully established brand "
              "abroad that a campaign closes", 0.0, 1.0),
        Param("orders", 0.5, "USD/quarter per USD", "new foreign orders a campaign brings, "
              "per quarter, per dollar of campaign", 0.0, 10.0),
        Param("markets", "both", "", "where campaigns go: third countries, the partner "
              "country, or both (the market a firm does not serve yet first)",
              choices=("third", "partner", "both")),
        Param("target", "smes", "", "who may apply: SMEs or every firm",
              choices=("smes", "all")),
        Param("consortium_size", 5, "firms", "most firms in an export consortium "
              "(below 2: no consortia)", 0, 50),
        Param("consortium_saving", 0.3, "share", "share of a member's campaign cost saved by "
              "joint market research and promotion", 0.0, 1.0),
    )

    def initialize(self, model: ClusterModel) -> None:
        """No campaigns yet: firm id -> quarter of its last supported campaign."""
        self.last_campaign: dict[int, int] = {}

    def apply(self, model: ClusterModel) -> None:
        """Run this quarter's competition, then the campaigns and consortia of the winners."""
        f = model.firms
        budget = self.budget(model)
        grant = self["cost_share"] * self["campaign_cost"]
        z = competitiveness(model)[:, THIRD]
        winners = []
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            eligible = np.flatnonzero(self._eligible(model, k))
            count = min(self.affordable(self.available(model, budget), grant), eligible.size)
            won = self.ranked(model, eligible, np.exp(z[eligible]))[:count]
            winners.append(won)
            self.pay_delivered(model, code, grant * len(won), budget)
        rows = np.concatenate(winners) if winners else np.zeros(0, dtype=np.int64)
        if rows.size == 0:
            return
        q = model.quarter
        self.last_campaign = {i: last for i, last in self.last_campaign.items()
                              if q - last < QUARTERS_PER_YEAR}  # older ones no longer matter
        self.last_campaign.update(dict.fromkeys(f.ids[rows].tolist(), q))
        members = self._consortia(model, rows)
        self._campaign(model, rows, members, grant)
        effects.count_supported(model, self, rows)

    def _eligible(self, model: ClusterModel, country: int) -> np.ndarray:
        f = model.firms
        ok = (f["country"] == country) & (f["sales_total"] > 0)
        if self["target"] == "smes":
            ok &= f.is_sme()
        if self.last_campaign:
            now = model.quarter
            recent = f.rows_of([i for i, q in self.last_campaign.items()
                                if now - q < QUARTERS_PER_YEAR])
            ok[recent[recent >= 0]] = False
        return ok

    def _campaign(self, model: ClusterModel, rows: np.ndarray, members: np.ndarray,
                  grant: float) -> None:
        """Brand, market entry and new orders for the winners; they pay their share."""
        f = model.firms
        cost = self["campaign_cost"]
        effects.raise_brand(model, self, rows, self["brand_gain"])
        orders = self["orders"] * cost
        markets = self["markets"]
        to_partner = np.zeros(rows.size, dtype=bool)
        if markets == "partner":
            to_partner[:] = True
        elif markets == "both":  # the market the firm does not serve yet; third if it has both
            to_partner = f["exp_third"][rows] & ~f["exp_partner"][rows]
        for market, chosen in (("partner", rows[to_partner]), ("third", rows[~to_partner])):
            effects.enter_export_market(model, self, chosen, market, orders)
        share = np.where(np.isin(rows, members), 1.0 - self["consortium_saving"], 1.0)
        own = np.maximum(cost * share - grant, 0.0)
        effects.transfer_cash(model, self, -own, rows)  # each winner pays its campaign share

    def _consortia(self, model: ClusterModel, rows: np.ndarray) -> np.ndarray:
        """Group winners of a sector into consortia (ties to the strongest member, a joint
        brand); cross-border groups as far as the governments coordinate. Returns the rows of
        consortium members."""
        size = self["consortium_size"]
        if size < MIN_CONSORTIUM:
            return np.zeros(0, dtype=np.int64)
        f, rng = model.firms, model.rng
        cross = self.values["country"] == "both"
        joins = rng.random(rows.size) < (self.cross_border(model) if cross else 0.0)
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        sector, country = f["sector"][rows].tolist(), f["country"][rows].tolist()
        for r, s, c, j in zip(rows.tolist(), sector, country, joins.tolist(), strict=True):
            groups[s, -1 if j else c].append(r)
        members, leads, others, starts = [], [], [], []
        for group in groups.values():
            for start in range(0, len(group), size):
                chunk = group[start:start + size]
                if len(chunk) < MIN_CONSORTIUM:
                    continue
                leads += [chunk[0]] * (len(chunk) - 1)  # tied to the best-ranked member
                others += chunk[1:]
                starts.append(len(members))
                members += chunk
        if members:  # a joint brand: each consortium's best (consortia share no firm)
            effects.share_brand(model, self, np.array(members), starts)
        if leads:
            effects.form_ties(model, self, f.ids[leads], f.ids[others], "export_consortium",
                              strength=CONSORTIUM_TIE_STRENGTH)
        return np.array(members, dtype=np.int64)
