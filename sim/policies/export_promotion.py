"""Export promotion (report: project support, "export and marketing": part of SMEs' costs of
space at foreign fairs and of marketing tech products abroad, branding, and export consortia
with joint market research, advertising and brands)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.phases.markets import BRAND_HALF_SPEND, THIRD, competitiveness, export_market_value
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
    """Each quarter firms may apply for support of a year's export campaign (fair space and
    market research in a foreign market, marketing there): a firm applies when what it
    expects the campaign to be worth (a new market at the sales firms of its country make
    there, or a stronger brand where it already sells, over three years at its profit
    margin: :func:`sim.phases.markets.export_market_value`) exceeds its own share of the
    cost; a competition on their competitiveness abroad picks among the applicants until the
    budget is spent, each firm at most once a year. The grant covers ``cost_share`` of the
    campaign, the firm pays the rest. The campaign changes what the firm knows and what
    entering costs, not its sales: for a year it knows the campaign's market, and what was
    spent on fairs and market research (``fair_share`` of the campaign) counts toward the sunk
    cost of entering it, should the firm decide to (:func:`sim.phases.markets.export_entry`:
    profitable firms that can pay enter); the marketing builds its brand abroad with
    diminishing returns (:func:`sim.phases.markets.fade_brands`), which then fades. Winners
    of the same sector form export consortia: members are tied, share market research and
    promotion (their own cost falls by ``consortium_saving``) and a joint brand, built from
    the members' pooled marketing. With both governments running the programme, consortia
    can join firms of both countries (as far as the governments coordinate)."""

    name = "export_promotion"
    label = "Export promotion, branding and export consortia"
    report_section = ("Project support: export and marketing (foreign fairs, marketing, "
                      "branding, export consortia)")
    monitored = True
    effects = ("spend", "support_export_campaign", "transfer_cash", "form_ties",
               "count_supported")
    param_specs = (
        Param("budget", 0.5, "USD m/quarter", "grant budget of each paying government",
              0.0, 1000.0),
        Param("cost_share", 0.5, "share", "share of a campaign's cost the grant covers",
              0.01, 1.0),
        Param("campaign_cost", 0.05, "USD m", "cost of one firm's export campaign for a year "
              "(fair space, market research, marketing)", 0.001, 100.0),
        Param("fair_share", 0.5, "share", "share of a campaign spent on fairs and market "
              "research (counted toward the sunk cost of entering the market); the rest is "
              "marketing, which builds the brand", 0.0, 1.0),
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
        """Run this quarter's competition among the applicants, then the campaigns and
        consortia of the winners."""
        f = model.firms
        budget = self.budget(model)
        cost = self["campaign_cost"]
        grant = self["cost_share"] * cost
        z = competitiveness(model)[:, THIRD]
        winners = []
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            eligible = np.flatnonzero(self._eligible(model, k))
            value = self.expected_value(model, eligible)
            applicants = eligible[value >= cost - grant]
            count = min(self.affordable(self.available(model, budget), grant), applicants.size)
            won = self.ranked(model, applicants, np.exp(z[applicants]))[:count]
            winners.append(won)
            anyway = int((value[np.searchsorted(eligible, won)] >= cost).sum())
            self.record_take_up(code, len(won), anyway, grant * len(won),
                                (cost - grant) * len(won))
            self.pay_delivered(model, code, grant * len(won), budget)
        rows = np.concatenate(winners) if winners else np.zeros(0, dtype=np.int64)
        if rows.size == 0:
            return
        q = model.quarter
        self.last_campaign = {i: last for i, last in self.last_campaign.items()
                              if q - last < QUARTERS_PER_YEAR}  # older ones no longer matter
        self.last_campaign.update(dict.fromkeys(f.ids[rows].tolist(), q))
        groups = self._consortia(model, rows)
        self._campaign(model, rows, groups, grant)
        effects.count_supported(model, self, rows)

    def target_market(self, model: ClusterModel, rows: np.ndarray) -> np.ndarray:
        """The market of each firm's campaign (0 the partner country, 1 third countries):
        the one the firm does not serve yet when campaigns go to both (third if it serves
        both or neither)."""
        f = model.firms
        markets = self["markets"]
        if markets == "partner":
            return np.zeros(rows.size, dtype=np.int64)
        if markets == "third":
            return np.ones(rows.size, dtype=np.int64)
        return np.where(f["exp_third"][rows] & ~f["exp_partner"][rows], 0, 1)

    def expected_value(self, model: ClusterModel, rows: np.ndarray) -> np.ndarray:
        """What firms ``rows`` expect a campaign to be worth (USD m over the horizon)."""
        f = model.firms
        marketing = self["campaign_cost"] * (1.0 - self["fair_share"])
        brand_gain = marketing / np.maximum(marketing + BRAND_HALF_SPEND * f["sales_total"][rows],
                                            1e-12) * (1.0 - f["brand"][rows])
        return export_market_value(model, rows, self.target_market(model, rows), brand_gain)

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

    def _campaign(self, model: ClusterModel, rows: np.ndarray, groups: list[np.ndarray],
                  grant: float) -> None:
        """The winners' campaigns: market knowledge and an entry credit for a year, this
        quarter's marketing (pooled within each consortium); they pay their share."""
        cost = self["campaign_cost"]
        marketing = np.full(rows.size, cost * (1.0 - self["fair_share"]))
        member = np.zeros(rows.size, dtype=bool)
        position = {r: i for i, r in enumerate(rows.tolist())}
        for group in groups:  # a joint brand: every member's marketing promotes it
            at = np.array([position[r] for r in group.tolist()])
            marketing[at] = marketing[at].sum()
            member[at] = True
        effects.support_export_campaign(
            model, self, rows, self.target_market(model, rows),
            model.quarter + QUARTERS_PER_YEAR - 1, cost * self["fair_share"], marketing)
        share = np.where(member, 1.0 - self["consortium_saving"], 1.0)
        own = np.maximum(cost * share - grant, 0.0)
        effects.transfer_cash(model, self, -own, rows)  # each winner pays its campaign share

    def _consortia(self, model: ClusterModel, rows: np.ndarray) -> list[np.ndarray]:
        """Group winners of a sector into consortia (ties to the strongest member);
        cross-border groups as far as the governments coordinate. Returns each consortium's
        rows."""
        size = self["consortium_size"]
        if size < MIN_CONSORTIUM:
            return []
        f, rng = model.firms, model.rng
        cross = self.values["country"] == "both"
        joins = rng.random(rows.size) < (self.cross_border(model) if cross else 0.0)
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        sector, country = f["sector"][rows].tolist(), f["country"][rows].tolist()
        for r, s, c, j in zip(rows.tolist(), sector, country, joins.tolist(), strict=True):
            groups[s, -1 if j else c].append(r)
        consortia, leads, others = [], [], []
        for group in groups.values():
            for start in range(0, len(group), size):
                chunk = group[start:start + size]
                if len(chunk) < MIN_CONSORTIUM:
                    continue
                leads += [chunk[0]] * (len(chunk) - 1)  # tied to the best-ranked member
                others += chunk[1:]
                consortia.append(np.array(chunk, dtype=np.int64))
        if leads:
            effects.form_ties(model, self, f.ids[leads], f.ids[others], "export_consortium",
                              strength=CONSORTIUM_TIE_STRENGTH)
        return consortia
