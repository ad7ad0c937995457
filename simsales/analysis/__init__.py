"""Analysis layer: statistics over stored results."""
