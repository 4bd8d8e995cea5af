"""Dagster orchestration for the ledgerlink Meltano jobs."""
