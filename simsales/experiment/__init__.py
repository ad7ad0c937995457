"""Experiment layer: config schema, seeding, replications and the result store."""
