"""Firms: numeric state in columns owned by the model, and a thin Mesa agent over each row.

The phases of the model run vectorised over :class:`FirmTable` columns; a :class:`Firm` agent
reads its row for the rare logic that is truly individual (partner choice, inspection in the
browser view). Entry appends rows, exit compacts them; ``FirmTable.row_of`` stays consistent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.inputs.sectors import N_SECTORS
from sim.phases.finance import RELIEF_DECLARATIONS

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Oldest technology generation of equipment in the model: generations run from the 3rd to
#: the 6th (source: the joint AZ-BY report's description of the state sector's 3rd- and
#: 4th-generation technologies and the 5th- and 6th-generation ones clusters should bring;
#: starting firms and entrants are drawn within this range, and a 0-1 technology index
#: counts this generation as 0).
LOWEST_GENERATION = 3.0
#: Newest technology generation a starting firm or entrant can have, and the one a 0-1
#: technology index counts as 1 (source: as LOWEST_GENERATION; the world frontier passes it
#: after about 50 quarters and newer equipment counts as the best).
HIGHEST_GENERATION = 6.0
#: Investment pipeline: how many quarters ahead ordered equipment (its value, and value x
#: technology) can be due, the longest investment lag, quarters (assumed: two years, above
#: the lags the bundled country data and administrative barriers give; longer lags are cut
#: to it).
PIPELINE = 8
#: An SME has fewer than this many workers (and is private), workers (by definition: the
#: size threshold of the SME indicators and of the SME targets in sim/data/targets.toml).
SME_MAX_EMPLOYEES = 250
#: Rows the firm table reserves at first (implementation: it grows as firms enter).
INITIAL_CAPACITY = 256
#: Fewest rows the firm table reserves (implementation: storage only).
MIN_CAPACITY = 16
#: Factor by which the firm table's reserved rows grow when full (implementation: storage
#: only).
CAPACITY_GROWTH = 2

#: Column name -> (dtype, meaning and unit, value at the start of every quarter). Money is USD m;
#: flows are per quarter. A column whose start value is None is state the phases carry from
#: one quarter to the next (or recompute every quarter before they read it); a flow that
#: accumulates within the quarter (grants, investment, taxes) is reset to its start value by
#: :meth:`FirmTable.reset_flows` before the policies act. The tax-relief columns are declared
#: with the taxes they relieve (:data:`sim.phases.finance.RELIEF_DECLARATIONS`).
COLUMNS: dict[str, tuple[str, str, float | None]] = {
    "country": ("i1", "0 = AZ, 1 = BY", None),
    "sector": ("i1", "index into sim.inputs.sectors.SECTORS", None),
    "state_owned": ("?", "state-owned enterprise", None),
    "born": ("i4", "quarter of entry (negative: before the run)", None),
    "spinoff": ("?", "founded as a university or technopark spin-off", None),
    "employees": ("f8", "workers", None),
    "skill": ("f8", "workforce skill index 0-1", None),
    "capital": ("f8", "installed equipment, USD m", None),
    "tech": ("f8", "capital-weighted technology generation of equipment, 3-6", None),
    "equip_age": ("f8", "capital-weighted equipment age, quarters", None),
    "process": ("f8", "process efficiency multiplier from process innovations", None),
    "quality": ("f8", "product quality index 0-1", None),
    "mgmt": ("f8", "management quality index 0-1", None),
    "delivery": ("f8", "delivery discipline as a supplier, 0-1", None),
    "absorptive": ("f8", "absorptive capacity 0-1", None),
    "knowledge": ("f8", "knowledge level (sum over fields)", None),
    "cash": ("f8", "cash, USD m (>= 0)", None),
    "debt": ("f8", "debt, USD m (>= 0)", None),
    "rd_intensity": ("f8", "planned R&D spending / sales", None),
    "in_project": ("?", "has a product project under way", None),
    "project_start": ("i4", "quarter the current product project started (may be negative: "
                      "before the run)", None),
    "project_progress": ("f8", "progress of the current product project within its stage, "
                         "0-1", None),
    "project_stage": ("i1", "stage of the current product project: 0 design, 1 pilot, "
                      "2 certification, 3 ramp-up", None),
    "project_level": ("f8", "technology level (0-1) of the idea behind the current product "
                      "project", None),
    "product_tech": ("f8", "technology generation of the firm's latest product (for machinery "
                     "and electrical producers: the equipment they sell at home)", None),
    "product_idea": ("?", "a successful idea this quarter was a new product (it started or "
                     "sped a product project)", None),
    "exp_partner": ("?", "serves the partner country's market", None),
    "exp_third": ("?", "serves third-country markets", None),
    "park": ("i4", "index of the park the firm resides in, -1 if none", None),
    "park_since": ("i4", "quarter of admission to the park", None),
    "supported_until": ("i4", "last quarter counted as receiving budget-funded support", None),
    "loss_quarters": ("i4", "consecutive quarters with a loss", None),
    "innovated": ("?", "innovated this quarter", None),
    "grant": ("f8", "grant received this quarter for investment, USD m", 0.0),
    "funded_project": ("f8", "cost of the grant-funded project (grant plus co-funding), USD m",
                       0.0),
    "rd_grant": ("f8", "R&D grant received this quarter (joint project co-funding), USD m", 0.0),
    "rd_project": ("f8", "R&D spending on co-funded joint projects this quarter (grant plus "
                   "the firm's share), USD m", 0.0),
    "rd_in_own": ("f8", "part of the co-funded project work that the firm would have done in "
                  "its own R&D plans, which it then cuts (crowding out; at most those plans), "
                  "USD m", 0.0),
    "brand": ("f8", "reputation of the firm's products abroad from marketing, fairs and "
              "branding, 0-1", None),
    "fdi": ("f8", "foreign direct investment received this quarter, USD m", 0.0),
    "foreign_share": ("f8", "share of the firm's equity held by foreign investors", None),
    "investment": ("f8", "investment spending this quarter, USD m", 0.0),
    "sales_home": ("f8", "sales on the home market, USD m", None),
    "sales_partner": ("f8", "sales to the partner country, USD m", None),
    "sales_third": ("f8", "sales to third countries, USD m", None),
    "sales_b2b": ("f8", "sales to buyers along supply ties, USD m", None),
    "sales_b2b_partner": ("f8", "sales to buyers in the partner country along supply ties "
                          "(part of sales_partner), USD m", 0.0),
    "sales_total": ("f8", "all sales, USD m", None),
    "value_added": ("f8", "sales minus material inputs, USD m", None),
    "inputs_total": ("f8", "material inputs bought, USD m", None),
    "inputs_domestic": ("f8", "inputs bought from cluster suppliers, USD m", None),
    "profit": ("f8", "profit before tax, USD m", None),
    "net_income": ("f8", "profit after profit tax, USD m", None),
    "dividends": ("f8", "dividends paid to domestic owners this quarter, USD m", 0.0),
    "repatriated": ("f8", "dividends paid to foreign owners (repatriated profits) this "
                    "quarter, USD m", 0.0),
    "tax_paid": ("f8", "taxes paid this quarter (VAT net of credits: negative for a refund), "
                 "USD m", 0.0),
    # the quarter's cash flows of the sector accounts (sim/accounts.py), USD m
    "wage_bill": ("f8", "wages paid this quarter, USD m", 0.0),
    "interest_paid": ("f8", "interest paid on debt this quarter, USD m", 0.0),
    "direct_tax": ("f8", "profit tax and property tax paid this quarter, USD m", 0.0),
    "vat_balance": ("f8", "VAT remitted this quarter by the invoice-credit method (output "
                    "VAT less credits; negative: refunded), passed on from buyers, USD m", 0.0),
    "vat_credit": ("f8", "import VAT on last quarter's equipment recovered this quarter "
                   "through the VAT credit, USD m", 0.0),
    "import_vat_equipment": ("f8", "import VAT paid on equipment bought this quarter, USD m",
                             0.0),
    "export_entry_cost": ("f8", "sunk cost of entering export markets this quarter, USD m",
                          0.0),
    "equipment_resale": ("f8", "proceeds of equipment sold off this quarter, USD m", 0.0),
    "policy_cash": ("f8", "cash paid to the firm by policies this quarter (negative: paid by "
                    "it), USD m", 0.0),
    "bailout": ("f8", "losses its government covered this quarter, USD m", 0.0),
    "import_vat_paid": ("f8", "import VAT paid on equipment since the last VAT account, "
                        "credited in the next one, USD m", None),
    "rd_spend": ("f8", "R&D spending this quarter, USD m", None),
    "productivity": ("f8", "output per worker-quarter, USD m", None),
    "capacity": ("f8", "output capacity this quarter, USD m at reference prices", None),
    "demand": ("f8", "demand before the capacity limit, USD m at reference prices", None),
    "markup": ("f8", "markup over unit cost", None),
    "base_home": ("f8", "last quarter's home-market sales, the base of its market share", None),
    "base_partner": ("f8", "last quarter's sales in the partner country", None),
    "base_third": ("f8", "last quarter's sales in third countries", None),
    "price": ("f8", "ex-works price relative to the reference price", None),
    "input_quality": ("f8", "quality of the inputs it bought last quarter, 0-1", None),
    "input_delivery": ("f8", "delivery discipline of its inputs last quarter, 0-1", None),
    "wage_premium": ("f8", "the firm's wage premium over the market wage (rises while its "
                     "vacancies go unfilled, fades otherwise), share", None),
    "vacancies": ("f8", "vacancies posted this quarter, workers", 0.0),
    "promo_until": ("i4", "last quarter of the firm's supported export campaign (0: none)",
                    None),
    "promo_market": ("i1", "market of that campaign: 0 the partner country, 1 third "
                     "countries", None),
    "entry_credit": ("f8", "what the campaign spent on fairs and market research, USD m: it "
                     "counts toward the sunk cost of entering its market", None),
    "marketing": ("f8", "marketing spending abroad this quarter, USD m", 0.0),
    "audit_cost": ("f8", "what the firm paid this quarter to renew its quality certificate, "
                   "USD m", 0.0),
    "qm_left": ("i4", "quarters left of the firm's quality-management programme", None),
    "qm_rate_m": ("f8", "share of the gap to best management the programme closes a quarter",
                  None),
    "qm_rate_d": ("f8", "share of the gap to perfect delivery discipline closed a quarter",
                  None),
    "qm_rate_q": ("f8", "share of the gap to top product quality closed a quarter", None),
    "qm_cost": ("f8", "what the firm's certification cost, USD m (audits cost a share)", None),
    "qm_gain_m": ("f8", "management gained in the programme (fades once the certificate "
                  "lapses)", None),
    "qm_gain_d": ("f8", "delivery discipline gained in the programme (fades likewise)", None),
    "vc_rd": ("f8", "equity raised from a venture fund for R&D and not yet spent, USD m",
              None),
    "vc_rd_pace": ("f8", "what the firm spends of it a quarter (its plan for the round: the "
                   "round over its runway), USD m", None),
    "cert_until": ("i4", "quarter its quality certificate comes up for renewal (0: none)",
                   None),
    **RELIEF_DECLARATIONS,
}
#: Outcome columns: what firms achieve (sales, exports, output, jobs, profit, prices, market
#: entry). No policy effect may write one (tests/test_policy_effects_static.py): they follow
#: from firms' decisions in the phases.
OUTCOME_COLUMNS = frozenset({
    "employees", "sales_home", "sales_partner", "sales_third", "sales_b2b",
    "sales_b2b_partner", "sales_total", "value_added", "inputs_total", "inputs_domestic",
    "profit", "net_income", "productivity", "capacity", "demand", "markup", "price",
    "base_home", "base_partner", "base_third", "exp_partner", "exp_third", "innovated",
    "investment", "rd_spend", "input_quality", "input_delivery"})
#: Capability columns: what firms can do (skills, equipment, know-how, management, delivery
#: discipline, quality, reputation abroad, R&D plans). No policy effect may write one either:
#: they move through firms' own investment, learning, innovation and hiring.
CAPABILITY_COLUMNS = frozenset({
    "skill", "capital", "tech", "equip_age", "process", "quality", "mgmt", "delivery",
    "absorptive", "knowledge", "rd_intensity", "brand", "product_tech", "kfield"})
#: Columns reset at the start of every quarter, in declaration order.
FLOW_COLUMNS = tuple(k for k, (_, _, start) in COLUMNS.items() if start is not None)
#: Two-dimensional columns: knowledge by field (one field per sector) and the investment
#: pipeline (equipment value, and value x technology, arriving in k quarters).
MATRIX_COLUMNS: dict[str, int] = {"kfield": N_SECTORS, "pipe_k": PIPELINE, "pipe_tk": PIPELINE}


class FirmTable:
    """Column store of firm state. Row ``i`` belongs to the firm with id ``ids[i]``."""

    def __init__(self, capacity: int = INITIAL_CAPACITY) -> None:
        self.n = 0
        self._cap = max(capacity, MIN_CAPACITY)
        self._data = {k: np.zeros(self._cap, dtype=dt) for k, (dt, _, _) in COLUMNS.items()}
        for k, width in MATRIX_COLUMNS.items():
            self._data[k] = np.zeros((self._cap, width))
        self._ids = np.zeros(self._cap, dtype=np.int64)
        self._row: dict[int, int] | None = {}  # id -> row, rebuilt lazily after an exit
        self._lookup: np.ndarray | None = None  # id -> row (-1: not a live firm), built lazily

    def __getitem__(self, name: str) -> np.ndarray:
        """A writable view of column ``name`` over the live rows."""
        return self._data[name][: self.n]

    def __setitem__(self, name: str, values: np.ndarray | float) -> None:
        self._data[name][: self.n] = values

    col = __getitem__

    def reset_flows(self) -> None:
        """Every flow column back to its declared start value (the start of a quarter)."""
        for name in FLOW_COLUMNS:
            self._data[name][: self.n] = COLUMNS[name][2]

    @property
    def ids(self) -> np.ndarray:
        """Agent unique ids of the live rows."""
        return self._ids[: self.n]

    def row_of(self, firm_id: int) -> int:
        """Row index of a firm id (KeyError if it is not a live firm)."""
        if self._row is None:
            self._row = dict(zip(self.ids.tolist(), range(self.n), strict=True))
        return self._row[firm_id]

    def rows_of(self, ids: np.ndarray | list[int]) -> np.ndarray:
        """Rows of many firm ids at once; -1 for ids that are not live firms (exited, or not
        firms at all)."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._lookup is None:
            size = int(self.ids.max(initial=-1)) + 1
            self._lookup = np.full(size, -1, dtype=np.int64)
            self._lookup[self.ids] = np.arange(self.n)
        lookup = self._lookup
        if lookup.size == 0:
            return np.full(ids.shape, -1, dtype=np.int64)
        inside = (ids >= 0) & (ids < lookup.size)
        return np.where(inside, lookup[np.where(inside, ids, 0)], -1)

    def is_sme(self) -> np.ndarray:
        """Small and medium enterprises: fewer than :data:`SME_MAX_EMPLOYEES` (250) workers and
        not state-owned."""
        return (self["employees"] < SME_MAX_EMPLOYEES) & ~self["state_owned"]

    def append(self, ids: np.ndarray, values: dict[str, np.ndarray | float]) -> np.ndarray:
        """Add rows for new firms; unspecified columns are zero. Returns the new row indices."""
        k = len(ids)
        if self.n + k > self._cap:
            self._grow(self.n + k)
        new = slice(self.n, self.n + k)
        rows = np.arange(self.n, self.n + k)
        for name, arr in self._data.items():
            arr[new] = values.get(name, 0)
        self._ids[new] = ids
        self.n += k
        if self._row is not None:
            self._row.update(zip(ids.tolist(), rows.tolist(), strict=True))
        self._lookup = None
        return rows

    def remove(self, mask: np.ndarray) -> np.ndarray:
        """Drop the rows where ``mask`` is true, keeping order. Returns the removed ids."""
        gone = self.ids[mask].copy()
        if gone.size == 0:
            return gone
        # rows before the first one removed stay where they are: only the rest move up
        first = int(np.argmax(mask))
        keep = ~mask[first:]
        m = first + int(keep.sum())
        rows = None
        for arr in self._data.values():
            if arr.ndim == 1:
                arr[first:m] = arr[first: self.n][keep]
            else:  # rows of a matrix column: faster taken by index
                rows = first + np.flatnonzero(keep) if rows is None else rows
                arr[first:m] = np.take(arr, rows, axis=0)
        self._ids[first:m] = self._ids[first: self.n][keep]
        self.n = m
        self._row = None
        self._lookup = None
        return gone

    def _grow(self, need: int) -> None:
        cap = max(need, CAPACITY_GROWTH * self._cap)
        for name, arr in self._data.items():
            new = np.zeros((cap, *arr.shape[1:]), dtype=arr.dtype)
            new[: self._cap] = arr
            self._data[name] = new
        ids = np.zeros(cap, dtype=np.int64)
        ids[: self._cap] = self._ids
        self._ids = ids
        self._cap = cap


class Firm(mesa.Agent):
    """A firm: a thin agent whose state is one row of ``model.firms``."""

    model: ClusterModel

    @property
    def row(self) -> int:
        """This firm's row in the firm table."""
        return self.model.firms.row_of(self.unique_id)

    def get(self, column: str) -> float:
        """Value of one column for this firm."""
        return self.model.firms[column][self.row].item()

    @property
    def country(self) -> str:
        """Country code, ``AZ`` or ``BY``."""
        return ("AZ", "BY")[int(self.get("country"))]

    @property
    def employees(self) -> float:
        """Number of workers."""
        return self.get("employees")

    @property
    def tech(self) -> float:
        """Technology generation of the firm's equipment."""
        return self.get("tech")

    def step(self) -> None:
        """Firms act through the model's vectorised phases, not one by one."""
