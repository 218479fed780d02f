"""Universities and research institutes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Factor on a university's spin-off rate while it hosts a technopark (assumed: a technopark
#: incubates its host's spin-offs).
SPINOFF_RATE_TECHNOPARK_MULTIPLIER = 3.0


class University(mesa.Agent):
    """A university or research institute.

    Attributes:
        country: ``AZ`` or ``BY``.
        research: research capacity index (from national R&D effort).
        kfield: knowledge stock by field (one field per sector).
        graduate_skill: skill index of the graduates it sends to the labour pool.
        graduates: graduates it sends to the labour pool a quarter, workers (set with the
            labour force, :func:`sim.phases.labour.set_wage_reference`).
        max_ties: how many firms it can cooperate with at once.
        technopark: index of the technopark it hosts, or -1.
    """

    model: ClusterModel

    def __init__(self, model: ClusterModel, country: str, research: float,
                 kfield: np.ndarray, graduate_skill: float, max_ties: int) -> None:
        super().__init__(model)
        self.country = country
        self.research = research
        self.kfield = kfield
        self.graduate_skill = graduate_skill
        self.graduates = 0.0
        self.max_ties = max_ties
        self.technopark = -1

    @property
    def country_index(self) -> int:
        """0 for AZ, 1 for BY."""
        return 0 if self.country == "AZ" else 1

    def spinoffs(self, base_rate: float) -> int:
        """Number of firms spun off this quarter (:data:`SPINOFF_RATE_TECHNOPARK_MULTIPLIER`
        times more from a technopark host)."""
        rate = base_rate * self.research * (SPINOFF_RATE_TECHNOPARK_MULTIPLIER
                                            if self.technopark >= 0 else 1.0)
        return int(self.model.rng.poisson(rate))
