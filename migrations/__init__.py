"""Alembic migrations of the zonecheck database (package so the CLI can find them)."""

# The newest revision. Every command checks the database against it; keeping it here spares
# each command importing Alembic (a tenth of its start-up). A test keeps it equal to the
# head Alembic finds in versions/.
HEAD = "0015"
