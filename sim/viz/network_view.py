"""The cooperation network as a picture that stays readable with thousands of agents.

Each node has a fixed place, computed from what it is rather than from the ties, so nothing
jumps between quarters and no force layout runs: Azerbaijan on the left, Belarus on the right;
universities in a row along the top of their country; each park a disc in the inner column
with its residents inside; the other firms in five bands by sector in the outer column, spread
evenly by a low-discrepancy sequence over their ids. Ties that cross the border therefore span
the middle of the picture, and are drawn thick on top of the rest.

Places are a pure function of each node (country, sector, park, id), so the layout is stable
without being stored, and computing it for a few thousand firms takes about a millisecond.

Above :data:`MAX_NODES` nodes a sample is drawn: every university and park, then, as room
allows, firms with a cross-border tie, park residents and a fixed pseudo-random selection of
the other firms (the same firms from quarter to quarter); only ties between drawn nodes
appear. :class:`NetworkFrame` says how many of each were drawn, for the caption.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle

from sim.i18n import country_name, sector_name, t
from sim.inputs.countries import COUNTRIES
from sim.inputs.sectors import N_SECTORS, SECTORS
from sim.model import ClusterModel
from sim.viz.canvas import Canvas

#: Most nodes drawn; above it a sample is drawn.
MAX_NODES = 1500
#: Node colours by country index (AZ, BY): colour-blind-safe blue and vermilion.
COUNTRY_COLOURS = ("#0072B2", "#D55E00")
#: Tie kinds drawn, with colour (residency is shown by the park discs); the legend's label of
#: each is the message ``msg.network.tie_<kind>`` of :mod:`sim.i18n`.
TIE_STYLES = {
    "supply": "#7a7a7a",
    "rnd": "#009E73",
    "export_consortium": "#CC79A7",
    "education": "#E69F00",
}
TIE_KINDS = tuple(TIE_STYLES)

# Additive recurrence of the plastic number (the "R2" sequence): consecutive ids land evenly
# spread over the unit square.
_R2 = (0.7548776662466927, 0.5698402909980532)
_GOLDEN = 0.6180339887498949  # orders firms for the sample, independently of their place

# Geometry, in a [-1, 1] square; x is mirrored for Belarus.
_UNI_Y = 0.93
_PARK_X, _PARK_R, _PARK_ROWS = 0.26, 0.16, (0.58, 0.13, -0.32, -0.77)
_FIRM_X0, _FIRM_X1 = 0.47, 0.98
_BAND_TOP, _BAND_BOTTOM = 0.8, -1.0


@dataclass(eq=False)  # compared by identity (as a dependency of the page's memos)
class NetworkFrame:
    """What one picture of the network shows.

    Attributes:
        ids: node ids (k,); firms first, then universities, then parks.
        xy: node positions (k, 2).
        country: country index of each node (0 AZ, 1 BY).
        kind: ``firm``, ``university`` or ``park`` per node.
        size: marker area per node (firms by employment).
        segments: drawn ties (m, 2, 2).
        tie_kind: kind of each drawn tie (index into :data:`TIE_KINDS`).
        cross: whether each drawn tie crosses the border.
        parks: ``(x, y, radius, name, country index)`` of each park disc.
        nodes, nodes_drawn: nodes in the graph and drawn.
        ties, ties_drawn: ties (residency excluded) in the graph and drawn.
        cross_ties: cross-border ties in the graph.
        quarter: the quarter shown.
    """

    ids: np.ndarray
    xy: np.ndarray
    country: np.ndarray
    kind: np.ndarray
    size: np.ndarray
    segments: np.ndarray
    tie_kind: np.ndarray
    cross: np.ndarray
    parks: list[tuple[float, float, float, str, int]] = field(default_factory=list)
    nodes: int = 0
    nodes_drawn: int = 0
    ties: int = 0
    ties_drawn: int = 0
    cross_ties: int = 0
    quarter: int = 0

    @property
    def sampled(self) -> bool:
        """Whether only a sample of the nodes is drawn."""
        return self.nodes_drawn < self.nodes

    def caption(self, lang: str | None = None) -> str:
        """A few sentences on what is drawn, for the page, in ``lang`` (default: the current
        language)."""
        share = self.cross_ties / self.ties if self.ties else 0.0
        text = [t("msg.network.caption", lang, nodes=f"{self.nodes:,}", ties=f"{self.ties:,}",
                  cross=f"{self.cross_ties:,}", share=f"{share:.1%}")]
        if self.sampled:
            text.append(t("msg.network.sampled", lang, drawn=f"{self.nodes_drawn:,}",
                          ties=f"{self.ties_drawn:,}"))
        else:
            text.append(t("msg.network.all_drawn", lang))
        return " ".join([*text, t("msg.network.parks", lang)])


def _frac(values: np.ndarray, step: float) -> np.ndarray:
    return np.modf(values * step)[0]


def park_discs(model: ClusterModel) -> dict[int, tuple[float, float, float]]:
    """Centre and radius of each park's disc, by park index: parks of a country fill the
    inner column top to bottom in the order they were built, so a place never changes."""
    discs = {}
    for code_index, code in enumerate(COUNTRIES):
        side = -1.0 if code_index == 0 else 1.0
        mine = [p for p in model.parks if p.country == code]
        for slot, park in enumerate(mine):
            column, row = divmod(slot, len(_PARK_ROWS))  # a fifth park starts a new column
            discs[park.index] = (side * (_PARK_X + 0.09 * column), _PARK_ROWS[row],
                                 _PARK_R / (1 + column))
    return discs


def firm_positions(model: ClusterModel,
                   discs: dict[int, tuple[float, float, float]] | None = None) -> np.ndarray:
    """Positions (n firms, 2): park residents in their park's disc (``discs``, default
    :func:`park_discs`), the others in their country's sector band."""
    f = model.firms
    ids = f.ids.astype(float)
    u, v = _frac(ids, _R2[0]), _frac(ids, _R2[1])
    side = np.where(f["country"] == 0, -1.0, 1.0)
    band = (_BAND_TOP - _BAND_BOTTOM) / N_SECTORS
    x = side * (_FIRM_X0 + (_FIRM_X1 - _FIRM_X0) * u)
    y = _BAND_TOP - (f["sector"] + 0.08 + 0.84 * v) * band
    park = f["park"]
    for index, (cx, cy, radius) in (park_discs(model) if discs is None else discs).items():
        rows = park == index
        angle, reach = 2 * np.pi * v[rows], 0.92 * radius * np.sqrt(u[rows])
        x[rows], y[rows] = cx + reach * np.cos(angle), cy + reach * np.sin(angle)
    return np.column_stack([x, y])


def _university_positions(countries: list[int]) -> np.ndarray:
    """Universities in a row along the top of their country's half (input sorted by
    country)."""
    xy = np.zeros((len(countries), 2))
    for c in (0, 1):
        rows = [i for i, k in enumerate(countries) if k == c]
        for rank, i in enumerate(rows):
            xy[i] = ((-1.0 if c == 0 else 1.0) * (0.1 + 0.88 * (rank + 0.5) / len(rows)), _UNI_Y)
    return xy


def _firm_sizes(employees: np.ndarray) -> np.ndarray:
    return 3.0 + 10.0 * np.log10(1.0 + employees) ** 1.5


def _sample(model: ClusterModel, cross_nodes: set[int], room: int) -> np.ndarray:
    """Which firms to draw (a mask), at most ``room``: firms with a cross-border tie first,
    then park residents, then the others, each group in a fixed pseudo-random order, so the
    same firms stay in the sample from quarter to quarter."""
    f = model.firms
    if f.n <= room:
        return np.ones(f.n, dtype=bool)
    ids = f.ids
    tier = np.where(np.isin(ids, np.fromiter(cross_nodes, dtype=np.int64)), 0,
                    np.where(f["park"] >= 0, 1, 2))
    order = np.lexsort((_frac(ids.astype(float), _GOLDEN), tier))
    keep = np.zeros(f.n, dtype=bool)
    keep[order[:max(room, 0)]] = True
    return keep


def network_frame(model: ClusterModel, max_nodes: int = MAX_NODES) -> NetworkFrame:
    """The picture of the model's network now (a sample above ``max_nodes`` nodes)."""
    f = model.firms
    ties, cross_nodes = [], set()
    for a, b, d in model.graph.edges(data=True):
        if d["kind"] in TIE_STYLES:
            ties.append((a, b, TIE_KINDS.index(d["kind"]), d["cross"]))
            if d["cross"]:
                cross_nodes.update((a, b))
    unis = sorted(model.universities, key=lambda u: (u.country_index, u.unique_id))
    parks = model.parks
    keep = _sample(model, cross_nodes, max_nodes - len(unis) - len(parks))
    discs = park_discs(model)
    node_ids = np.concatenate([f.ids[keep], [u.unique_id for u in unis],
                               [p.unique_id for p in parks]]).astype(np.int64)
    xy = np.vstack([firm_positions(model, discs)[keep],
                    _university_positions([u.country_index for u in unis]),
                    np.reshape([discs[p.index][:2] for p in parks], (-1, 2))])
    where = {int(node): i for i, node in enumerate(node_ids)}
    drawn = [(where[a], where[b], k, c) for a, b, k, c in ties if a in where and b in where]
    pairs = np.array([(i, j) for i, j, _, _ in drawn], dtype=np.int64).reshape(-1, 2)
    park_country = [COUNTRIES.index(p.country) for p in parks]
    return NetworkFrame(
        ids=node_ids,
        xy=xy,
        country=np.concatenate([f["country"][keep], [u.country_index for u in unis],
                                park_country]).astype(int),
        kind=np.array(["firm"] * int(keep.sum()) + ["university"] * len(unis)
                      + ["park"] * len(parks)),
        size=np.concatenate([_firm_sizes(f["employees"][keep]), np.full(len(unis), 55.0),
                             np.full(len(parks), 120.0)]),
        segments=xy[pairs],
        tie_kind=np.array([k for _, _, k, _ in drawn], dtype=int),
        cross=np.array([c for _, _, _, c in drawn], dtype=bool),
        parks=[(*discs[p.index], p.name, c) for p, c in zip(parks, park_country, strict=True)],
        nodes=f.n + len(unis) + len(parks), nodes_drawn=len(node_ids), ties=len(ties),
        ties_drawn=len(drawn), cross_ties=sum(1 for t in ties if t[3]),
        quarter=model.quarter,
    )


def _short(name: str, width: int = 26) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _thin(count: int, few: float, floor: float, many: int) -> float:
    """A line width or opacity: ``few`` up to ``many`` lines, then falling with their
    square root, never below ``floor``."""
    return float(max(floor, few * min(1.0, np.sqrt(many / max(count, 1)))))


class NetworkPicture:
    """The network picture as one figure kept from quarter to quarter: the fixed parts
    (country halves, sector bands, legend) are drawn once (see :class:`~sim.viz.canvas.Canvas`)
    and :meth:`png` draws only the nodes, ties, park discs and title over them.
    """

    _MARKERS = (("firm", "o"), ("university", "s"), ("park", "D"))

    def __init__(self, lang: str | None = None) -> None:
        """The fixed parts drawn with labels in ``lang`` (default: the current language)."""
        self.lang = lang
        self.figure = Figure(figsize=(8.0, 6.6), dpi=90)
        self.canvas = Canvas(self.figure)
        ax = self.ax = self.figure.add_axes((0.0, 0.1, 1.0, 0.84))
        ax.set_xlim(-1.1, 1.1)
        ax.set_ylim(-1.06, 1.04)
        ax.set_axis_off()
        self.title = self.figure.suptitle("", fontsize=11, y=0.985, animated=True)
        for c, side in ((0, -1.0), (1, 1.0)):
            ax.add_patch(Rectangle((-1.06 if side < 0 else 0.04, -1.04), 1.02, 2.06,
                                   facecolor=COUNTRY_COLOURS[c], alpha=0.045, lw=0))
            ax.text(side * 0.55, 1.01, country_name(COUNTRIES[c], lang),
                    ha="center", va="bottom", fontsize=10,
                    color=COUNTRY_COLOURS[c], weight="bold")
        band = (_BAND_TOP - _BAND_BOTTOM) / N_SECTORS
        for k, key in enumerate(SECTORS):
            top, label = _BAND_TOP - k * band, sector_name(key, lang)
            for side in (-1.0, 1.0):
                ax.plot([side * _FIRM_X0, side * _FIRM_X1], [top, top], color="#bbbbbb",
                        lw=0.5, zorder=0)
                ax.text(side * _FIRM_X1, top - 0.01, label, ha="right" if side > 0 else "left",
                        va="top", fontsize=6.5, color="#555555", zorder=5)
        self.home_ties = ax.add_collection(LineCollection([], zorder=1, animated=True))
        self.cross_ties = ax.add_collection(LineCollection([], zorder=3, animated=True))
        self.nodes = {
            kind: ax.scatter([], [], marker=marker, edgecolors="none" if kind == "firm" else "k",
                             linewidths=0.0 if kind == "firm" else 0.8,
                             alpha=0.8 if kind == "firm" else 1.0,
                             zorder=2 if kind == "firm" else 4, animated=True)
            for kind, marker in self._MARKERS}
        self.park_artists: list = []
        handles = [Line2D([], [], color=TIE_STYLES[k], lw=1.2,
                          label=t(f"msg.network.tie_{k}", lang)) for k in TIE_KINDS]
        handles += [Line2D([], [], color="#333333", lw=2.4,
                           label=t("msg.network.cross_tie", lang)),
                    Line2D([], [], ls="", marker="o", color="#777777",
                           label=t("msg.network.firm", lang)),
                    Line2D([], [], ls="", marker="s", mfc="#777777", mec="black",
                           label=t("msg.network.university", lang)),
                    Line2D([], [], ls="", marker="D", mfc="#777777", mec="black",
                           label=t("msg.network.park", lang))]
        self.figure.legend(handles=handles, loc="lower center", ncol=4, fontsize=7.5,
                           frameon=False)

    def draw(self, frame: NetworkFrame) -> None:
        """Show ``frame``."""
        share = frame.cross_ties / frame.ties if frame.ties else 0.0
        self.title.set_text(t("msg.network.title", self.lang, quarter=frame.quarter,
                              ties=f"{frame.ties:,}", cross=f"{frame.cross_ties:,}",
                              share=f"{share:.1%}"))
        for artist in self.park_artists:
            artist.remove()
        self.park_artists = []
        for x, y, radius, name, c in frame.parks:
            self.park_artists += [
                self.ax.add_patch(Circle((x, y), radius, facecolor=COUNTRY_COLOURS[c],
                                         alpha=0.15, edgecolor=COUNTRY_COLOURS[c], lw=1.0,
                                         zorder=1.5, animated=True)),
                self.ax.text(x, y - radius - 0.012, _short(name), ha="center", va="top",
                             fontsize=6.5, zorder=5, animated=True)]
        colours = np.array([TIE_STYLES[k] for k in TIE_KINDS])
        # the more ties, the thinner and fainter each, so that dense networks stay readable
        for lines, sel, width, alpha in (
                (self.home_ties, ~frame.cross, (0.6, 0.25, 1000), (0.5, 0.15, 1000)),
                (self.cross_ties, frame.cross, (2.2, 0.6, 60), (0.95, 0.35, 60))):
            count = int(sel.sum())
            lines.set_segments(frame.segments[sel])
            lines.set_color(colours[frame.tie_kind[sel]])
            lines.set_linewidth(_thin(count, *width))
            lines.set_alpha(_thin(count, *alpha))
        node_colours = np.array(COUNTRY_COLOURS)[frame.country]
        for kind, scatter in self.nodes.items():
            sel = frame.kind == kind
            scatter.set_offsets(frame.xy[sel])
            scatter.set_sizes(frame.size[sel])
            scatter.set_facecolors(node_colours[sel])

    def png(self, frame: NetworkFrame) -> bytes:
        """:meth:`draw`, then the picture as PNG (artists drawn in order of depth)."""
        self.draw(frame)
        moving = [self.home_ties, self.cross_ties, *self.nodes.values(), *self.park_artists]
        return self.canvas.png([*sorted(moving, key=lambda a: a.get_zorder()), self.title])
