"""Storage: the per-tenant event store, its columns and indexes, and the durable data file."""
