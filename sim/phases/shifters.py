"""Shifters: the quantities of the model's mechanisms that policies without a firm-level
target move (how often firms search for partners, how far cross-border partners seem, how
fast knowledge flows, how many SMEs enter, how many firms universities spin off).

Each quarter the model resets every shifter to its neutral value before the policy phase,
and every active policy adds its effect, so a policy that is switched off (or whose window
has closed) stops acting at once. Values are per country (index 0 = AZ, 1 = BY): the country
whose firms act (the searching firm, the entrant's country).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _zeros() -> np.ndarray:
    return np.zeros(2)


def _ones() -> np.ndarray:
    return np.ones(2)


@dataclass
class Shifters:
    """Mechanism shifters that policies move, per country.

    Attributes:
        coordination: added to the share of cross-border candidates in partner search and to
            the proximity of cross-border partners (a joint coordination body).
        matching: raises the partner-search rate and the value of supply matches (information
            on free capacity and demand: a subcontracting exchange; a coordination body).
        information: raises the rate at which knowledge flows along ties (information flow
            organised by a coordination body).
        entry: multiplies the entry rate of new SMEs.
        spinoff: multiplies universities' spin-off rate.
    """

    coordination: np.ndarray = field(default_factory=_zeros)
    matching: np.ndarray = field(default_factory=_zeros)
    information: np.ndarray = field(default_factory=_zeros)
    entry: np.ndarray = field(default_factory=_ones)
    spinoff: np.ndarray = field(default_factory=_ones)

    def reset(self) -> None:
        """Back to the neutral values (no policy)."""
        for name in ("coordination", "matching", "information"):
            getattr(self, name)[:] = 0.0
        self.entry[:] = 1.0
        self.spinoff[:] = 1.0
