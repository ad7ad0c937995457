"""``python -m simsales`` runs the command line."""

from simsales.cli import main

main()
