"""The array engine: many buyers, replications and strategies stepped together in numpy.

See :mod:`simsales.engine.array.batch`; the SimPy engine
(:mod:`simsales.engine.simulation`) stays the exact reference.
"""

from simsales.engine.array.batch import (
    PER_CELL,
    STEP_DAYS,
    array_unsupported,
    batch_structure,
    simulate_batch,
)

__all__ = ["PER_CELL", "STEP_DAYS", "array_unsupported", "batch_structure", "simulate_batch"]
