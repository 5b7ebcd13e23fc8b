"""The SQLite store: schema and migrations, and the modules that read and write it."""
