"""Documentation tooling: the reference of every experiment key in docs/experiments.md,
generated from the schema (``python -m simsales.docs_tool.reference docs/experiments.md``)."""
