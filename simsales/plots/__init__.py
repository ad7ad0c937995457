"""Plots layer: charts over stored results."""
