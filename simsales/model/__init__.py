"""Model layer: behaviour functions, customer traits, strategies. Knows no SimPy, no files."""
