"""Reports of stored results: ``report.md`` and a self-contained ``report.html``.

Above the experiment layer: reads a results folder (and the optional files
of :mod:`simsales.reporting.extras`), draws every chart, and writes the report.
"""

from simsales.reporting.extras import ReportError
from simsales.reporting.write import write_report

__all__ = ["ReportError", "write_report"]
