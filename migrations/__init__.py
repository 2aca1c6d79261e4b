"""Alembic migrations, installed as `citylive.migrations` with their alembic.ini."""
