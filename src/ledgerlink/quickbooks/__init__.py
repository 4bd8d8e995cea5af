"""QuickBooks Online knowledge shared by every ledgerlink plugin: query building and escaping
(`query`), fault parsing (`faults`), request pacing and the retry policy (`pacing`)."""
