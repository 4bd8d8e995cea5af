"""`python -m ledgerlink.cli` runs the `ledgerlink` command."""

from ledgerlink.cli import main

main()
