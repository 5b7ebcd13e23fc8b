"""Talking to OFN: the HTTP client, the sync engine and its daemon."""
