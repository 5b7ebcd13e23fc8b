"""A local OFN: the API subset the box uses, seeded with a demo hub, with faults on demand."""
