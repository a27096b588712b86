"""Alembic migrations of the zonecheck database (package so the CLI can find them)."""
