"""OFN Checkout's till logic: no UI and no hardware in here (see docs/architecture.md)."""
