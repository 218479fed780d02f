"""The cooperation graph: tie storage (``table``, ``graph``), tie kinds and arrays (``ties``),
partner search (``search``), decay (``decay``) and statistics (``stats``)."""

from sim.network.graph import TieData, TieGraph
from sim.network.table import KIND_CODE, KINDS, NO_KIND, TieTable
from sim.network.ties import (
    EdgeArrays,
    add_new_ties,
    add_tie,
    cooperation_degree,
    edge_arrays,
    node_country,
)

__all__ = ["KINDS", "KIND_CODE", "NO_KIND", "EdgeArrays", "TieData", "TieGraph", "TieTable",
           "add_new_ties", "add_tie", "cooperation_degree", "edge_arrays", "node_country"]
