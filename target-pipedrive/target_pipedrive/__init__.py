"""Singer target for Pipedrive, built on singer-sdk and the ledgerlink core."""
