"""Tenants are dynamic partitions, added by the tenant discovery sensor from `connections`."""

import dagster as dg

TENANTS = dg.DynamicPartitionsDefinition(name="tenants")
