"""Singer target for ShipStation, built on singer-sdk and the ledgerlink core."""
