"""Units and calendar of the model: one step is a quarter, money is USD million.

The country data give some values per year or in other units; these conversions turn them
into the model's (all by definition).
"""

#: Quarters in a year: annual rates, volumes and periods become quarterly (by definition).
QUARTERS_PER_YEAR = 4
#: USD m per USD k, for the country data's wages and productivity in USD k (by definition).
USD_M_PER_USD_K = 1e-3
#: USD m per USD bn, for the country data's GDP in USD bn (by definition).
USD_M_PER_USD_BN = 1000
#: USD k per USD m, for costs given in USD k against budgets in USD m (by definition).
USD_K_PER_USD_M = 1000.0
