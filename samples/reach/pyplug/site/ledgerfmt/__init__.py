"""Output formats for the ledger, found through the ledger.formats entry points."""
