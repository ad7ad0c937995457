"""Fit an experiment's buyers to a CRM export (``simsales calibrate``).

- :mod:`~simsales.calibration.synthetic`: the export a simulated funnel would
  give (and ``simsales synth-crm``);
- :mod:`~simsales.calibration.targets`: the data's funnel statistics with
  bootstrap uncertainty;
- :mod:`~simsales.calibration.simulate`: simulated statistics at candidate
  parameters, cached, in parallel and resumable;
- :mod:`~simsales.calibration.msm` and :mod:`~simsales.calibration.abc`: the
  two methods;
- :mod:`~simsales.calibration.fit`: the whole job and what it writes.

docs/calibration.md describes the methods and how to read their results.
"""

from simsales.calibration.fit import Calibration, calibrate

__all__ = ["Calibration", "calibrate"]
