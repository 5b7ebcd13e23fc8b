"""The `ofn-checkout` commands."""
