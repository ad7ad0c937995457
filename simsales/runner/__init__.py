"""Running experiments: replications in worker processes or on Dask, resume, precision,
the run over a study's plausible range, and Kim & Nelson's selection in batches.

The runner sits above the store, the analyses, the charts and the report: a run
writes its results folder (tables, run record, charts) through them.
"""
