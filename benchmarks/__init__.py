"""Measurements of ledgerlink and its sandbox; each module writes `benchmarks/results/NAME.json`."""
