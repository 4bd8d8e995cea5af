"""HTTP routes of the Pipedrive sandbox, one module per API area."""
