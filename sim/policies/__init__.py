"""Policy instruments. Every module in this package is imported, so defining a Policy subclass
in a new module is all it takes to make it available to scenario files."""

import importlib
import pkgutil

from sim.policies.base import COMMON_PARAMS, REGISTRY, Policy

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["COMMON_PARAMS", "REGISTRY", "Policy"]
