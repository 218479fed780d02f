"""What a run is made of: the typed parameter declarations (``params``), the country data
(``countries``), the values a calibration fitted (``fitted``), units (``units``), the sectors
(``sectors``), scenario files (``scenario``) and paths that name one value of a scenario
(``parameter_paths``)."""
