"""Agent kinds of the model."""

from sim.agents.firm import Firm, FirmTable
from sim.agents.government import Government
from sim.agents.park import Park
from sim.agents.university import University

__all__ = ["Firm", "FirmTable", "Government", "Park", "University"]
