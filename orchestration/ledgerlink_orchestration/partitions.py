"""Tenants are dynamic partitions, added by the tenant discovery sensor from `connections`."""

import dagster as dg

TENANTS_NAME = "tenants"
TENANTS = dg.DynamicPartitionsDefinition(name=TENANTS_NAME)
