"""Results for readers: the report of a run (``run_report``), scenario comparisons
(``comparison``) and the policy scorecard (``scorecard``, ``scorecard_plot``), the shared
number formatting (``formatting``), safe writing and provenance of every output (``files``),
and the model description's table of named coefficients (``coefficients``)."""
