"""Alembic migrations of the hub core; modules add their own branches."""
