"""ledgerlink: keeps QuickBooks Online, Pipedrive and ShipStation consistent."""

__version__ = "0.1.0"
