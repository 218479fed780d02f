"""Running the model many times: one or many runs (``runs``), flat named outcomes of a scenario
with values set by path, paired with a reference (``evaluation``, on the outcome definitions
the scorecard shares, ``outcomes``), sweeps from a definition
(``sweep``, ``sweep_parameters``, ``designs``) run locally or on Dask (``sweep_runner``,
``dask_backend``) into a resumable store (``store``, ``point_evaluation``), sensitivity
analysis (``sensitivity``) and calibration (``calibration_definition``, ``calibration``,
``calibration_report``)."""
