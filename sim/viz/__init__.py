"""The browser view: ``clustersim viz`` serves a Solara page of a live run.

Modules: ``live`` (one browser session's run: model, baseline, policy switches), ``network_view``
and ``charts`` (the figures and the table, plain matplotlib and pandas), ``inputs`` (widgets
built from the typed parameter declarations), ``app`` (the Solara page), ``assets`` (the local
cache of Solara's front-end files) and ``server`` (starts the web server).

This package imports nothing itself: the server sets Solara's environment variables before
Solara is first imported.
"""
