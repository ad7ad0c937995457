"""Engine layer: SimPy processes for leads, sellers and orbits, and the metrics of a run."""
