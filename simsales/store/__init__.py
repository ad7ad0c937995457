"""The results store: a results folder and the typed record of the run that made it.

A results folder holds ``manifest.json`` (the :class:`~simsales.store.record.RunRecord`
of the run), ``replications.parquet`` and ``timeseries.parquet`` (the tables),
and whatever the analyses and the report wrote beside them. The analyses, the
charts and the report read results only through this package's types
(:class:`~simsales.store.results.Results`, :class:`~simsales.store.record.RunRecord`)
and never import the machinery that runs experiments.
"""
