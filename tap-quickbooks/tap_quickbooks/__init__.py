"""Singer tap for QuickBooks Online, built on singer-sdk and the ledgerlink core."""
