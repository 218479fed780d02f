"""The phases of a quarter, one module each.

In the order the model runs them (:meth:`sim.model.ClusterModel.step`):

* :mod:`~sim.phases.parks`: park operators admit residents and grant their regimes;
* (the policies act: :mod:`sim.policies`, moving :mod:`~sim.phases.shifters` among others);
* :mod:`~sim.phases.labour`: hiring, the labour pool's skill, wages, productivity;
* :mod:`~sim.phases.markets` (production): prices, market shares, sales, markups, with
  :mod:`~sim.phases.supply`: inputs bought along supply ties;
* :mod:`~sim.phases.finance`: profit, every tax and relief, cash and debt;
* :mod:`~sim.phases.markets` (export entry): brands fade, profitable firms enter export
  markets;
* :mod:`~sim.phases.investment`: equipment vintages, FDI, investment lags;
* :mod:`~sim.phases.innovation`: R&D, spillovers, innovation, product projects, imitation;
* (the network phase: :mod:`sim.network`, tie decay and partner search);
* :mod:`~sim.phases.entry_exit`: exits, SME entry, spin-offs;
* :mod:`~sim.phases.markets` (the world): the technology frontier advances, demand grows.
"""
