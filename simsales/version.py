"""The version of simsales: the lowest module of the package, imported by any layer."""

__version__ = "0.2.0"
