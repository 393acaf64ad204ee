"""Persistence: SQLAlchemy Core on SQLite or PostgreSQL. All SQL lives in this package."""
