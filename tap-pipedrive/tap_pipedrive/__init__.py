"""Singer tap for Pipedrive, built on singer-sdk and the ledgerlink core."""
