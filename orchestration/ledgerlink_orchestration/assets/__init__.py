"""Assets per source: what each system holds and the copies and mappings ledgerlink makes."""
